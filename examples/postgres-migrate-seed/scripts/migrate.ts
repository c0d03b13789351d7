import type { Client } from 'pg';
import { connect } from './db';
import { MIGRATIONS } from './migrations';

/** What a run learns from the library beside its event: `rollback` is true on the call that undoes a run. */
interface ScriptContext {
  readonly clientContext?: { readonly custom?: { readonly rollback?: boolean } };
}

/**
 * Applies the migrations the database does not have yet, each in its own transaction, and records them in
 * `schema_migrations` with the number of this run (its batch). A failing migration is rolled back and fails the
 * deployment with the database's error.
 *
 * Called back because the deployment rolls back (`undoOnRollback`: a later script failed), it runs the `down` step of
 * each migration of the last batch, the one this deployment's run applied, newest first. The library calls it back
 * only when that run succeeded, and once.
 */
export async function handler(_event: unknown, context?: ScriptContext): Promise<{ applied: number; latest: string } | undefined> {
  const client = await connect();
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    await client.query('ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS batch bigint');
    await client.query('CREATE SEQUENCE IF NOT EXISTS schema_migration_batch');
    // One migrator at a time, should two deployments ever overlap.
    await client.query('SELECT pg_advisory_lock(20240101)');
    if (context?.clientContext?.custom?.rollback === true) {
      await undoLastBatch(client);
      return undefined;
    }
    // Every run takes a batch, even one with nothing to apply: the last batch is always the last run's.
    const { rows: [{ batch }] } = await client.query<{ batch: string }>("SELECT nextval('schema_migration_batch') AS batch");
    const done = new Set((await client.query<{ id: string }>('SELECT id FROM schema_migrations')).rows.map((row) => row.id));
    const pending = MIGRATIONS.filter((migration) => !done.has(migration.id));
    console.log(`${done.size} migration(s) applied before, ${pending.length} to apply (batch ${batch})`);
    for (const migration of pending) {
      console.log(`applying ${migration.id}`);
      await inTransaction(client, migration.id, async () => {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (id, batch) VALUES ($1, $2)', [migration.id, batch]);
      });
    }
    return { applied: pending.length, latest: MIGRATIONS[MIGRATIONS.length - 1].id };
  } finally {
    await client.end();
  }
}

/** Runs the `down` step of each migration of the last batch, newest first, each in its own transaction. */
async function undoLastBatch(client: Client): Promise<void> {
  const { rows } = await client.query<{ id: string }>(
    "SELECT id FROM schema_migrations WHERE batch = (SELECT last_value FROM schema_migration_batch) ORDER BY id DESC");
  console.log(`rollback: undoing ${rows.length} migration(s) of the last batch`);
  for (const { id } of rows) {
    const migration = MIGRATIONS.find((m) => m.id === id);
    if (!migration) throw new Error(`rollback: migration ${id} is not known to this code: it cannot be undone`);
    console.log(`undoing ${id}`);
    await inTransaction(client, id, async () => {
      await client.query(migration.down);
      await client.query('DELETE FROM schema_migrations WHERE id = $1', [id]);
    });
  }
}

/** Runs `work` in a transaction; a failure rolls it back and names the migration. */
async function inTransaction(client: Client, id: string, work: () => Promise<void>): Promise<void> {
  await client.query('BEGIN');
  try {
    await work();
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    (error as Error).message = `migration ${id} failed: ${(error as Error).message}`;
    throw error;
  }
}
