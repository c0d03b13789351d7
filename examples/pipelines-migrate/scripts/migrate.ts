import { connect } from './db';
import { MIGRATIONS } from './migrations';

/**
 * Applies the migrations the database does not have yet, each in its own transaction, and records them in
 * `schema_migrations`. A failing migration is rolled back and fails the deployment with the database's error.
 */
export async function handler(): Promise<{ applied: number; latest: string }> {
  const client = await connect();
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    // One migrator at a time, should two deployments ever overlap.
    await client.query('SELECT pg_advisory_lock(20240101)');
    const done = new Set((await client.query<{ id: string }>('SELECT id FROM schema_migrations')).rows.map((row) => row.id));
    const pending = MIGRATIONS.filter((migration) => !done.has(migration.id));
    console.log(`${done.size} migration(s) applied before, ${pending.length} to apply`);
    for (const migration of pending) {
      console.log(`applying ${migration.id}`);
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (id) VALUES ($1)', [migration.id]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        (error as Error).message = `migration ${migration.id} failed: ${(error as Error).message}`;
        throw error;
      }
    }
    return { applied: pending.length, latest: MIGRATIONS[MIGRATIONS.length - 1].id };
  } finally {
    await client.end();
  }
}
