/**
 * examples/postgres-migrate-seed, synthesized with the CDK CLI and deployed by the harness against real
 * PostgreSQL servers: each `AWS::RDS::DBInstance` the harness creates is a fresh server (harness/postgres.ts)
 * with the master user, password and database CloudFormation gives the instance. The scripts connect with the
 * `STP_DATABASE_CONNECTION_STRING` that connectTo builds from the instance's endpoint and the user and password the
 * library's shim reads from the database's secret (the harness's Secrets Manager) on each run, over TLS. The
 * function's configuration holds placeholders, never the password, so a rotated password is the one the next run
 * uses. When the smoke test fails, the rollback calls Migrate back (undoOnRollback), which runs the down steps of the
 * migrations its run applied: the schema is as before the deployment.
 */
import { join } from 'node:path';
import { Client } from 'pg';
import { cdkSynth } from './harness/cdk-cli';
import { PostgresInstances } from './harness/postgres';
import { readStack, type AssemblyStack, type Harness } from './harness';
import { ROOT, startHarness, tempDir } from './support';

jest.setTimeout(120_000);

const EXAMPLE = join(ROOT, 'examples', 'postgres-migrate-seed');

let harness: Harness;
let databases: PostgresInstances;
let stackArtifact: AssemblyStack;
let cdkOut: string;

beforeAll(async () => {
  const synthesized = await cdkSynth(EXAMPLE, tempDir());
  cdkOut = synthesized.outdir;
  stackArtifact = readStack(cdkOut, 'PostgresMigrateSeed');
  databases = new PostgresInstances();
  harness = await startHarness({ onResource: databases.hook() });
}, 15 * 60_000);
afterAll(async () => {
  await databases?.stopAll();
  await harness?.close();
});

test('the CDK CLI synthesizes the example: four scripts, connected to the database without a password in their configuration', () => {
  const resources = stackArtifact.template.Resources;
  const scripts = Object.entries(resources).filter(([, r]) => r.Type === 'Custom::DeploymentScript').map(([id]) => id);
  expect(scripts.sort()).toEqual(['Cleanup', 'Migrate', 'Seed', 'Smoke']);
  // Only the migration asks to be undone on rollback.
  expect(scripts.filter((id) => resources[id].Properties!.UndoOnRollback === 'true')).toEqual(['Migrate']);
  const functions = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function' && JSON.stringify(r.Properties).includes('STP_DATABASE_CONNECTION_STRING'));
  expect(functions).toHaveLength(4);
  for (const fn of functions) {
    // What GetFunctionConfiguration shows: placeholders, filled by the shim (the handler) from the secret when it runs.
    const variables = (fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    const environment = JSON.stringify(variables);
    expect(environment).not.toContain('resolve:secretsmanager');
    expect(environment).toContain('postgresql://${username}:${password}@');
    expect(fn.Properties!.Handler).toBe('deployment-script-credentials.handler');
    expect(variables.DEPLOYMENT_SCRIPT_HANDLER).toBe('index.handler');
    expect(JSON.parse(String(variables.DEPLOYMENT_SCRIPT_CREDENTIALS))).toEqual({
      STP_DATABASE_SECRET_ARN: ['STP_DATABASE_CONNECTION_STRING', 'STP_DATABASE_JDBC_CONNECTION_STRING'],
    });
  }
});

test('a rotated password reaches the next deployment\'s run, escaped; a secret that cannot be read fails the run, naming it', async () => {
  const stack = harness.stack(stackArtifact, undefined, { stackName: 'PostgresMigrateSeed-rotated' });
  const created = await stack.create();
  expect(created.status).toBe('CREATE_COMPLETE');
  const db = databases.instance('PostgresMigrateSeed-rotated');
  const secretArn = stack.properties(stack.resourcesOfType('AWS::SecretsManager::SecretTargetAttachment')[0]).SecretId;
  const before = JSON.parse(harness.secret(secretArn)!);

  // The rotation: a new password in the database and in its secret, with every character that breaks a URL.
  const rotated = 'n3w@p/ss:w?rd#%&+ ;{x}';
  await db.server.query(`ALTER USER postgres WITH PASSWORD '${rotated}'`, [], 'app');
  harness.secrets.set(secretArn, secretArn, JSON.stringify({ ...before, password: rotated }));
  // The old password no longer opens the database.
  const connectAs = async (password: string) => {
    const client = new Client({ host: db.server.host, port: db.server.port, user: 'postgres', password, database: 'app', ssl: { rejectUnauthorized: false } });
    await client.connect();
    await client.end();
  };
  await expect(connectAs(before.password)).rejects.toThrow(/password authentication failed/);
  await connectAs(rotated);

  // A change of the stack: the run token of ON_STACK_CHANGE changes, and the scripts run again.
  const changed = { ...stackArtifact, template: structuredClone(stackArtifact.template) };
  for (const id of ['Migrate', 'Seed']) changed.template.Resources[id].Properties!.RunToken = 'after-rotation';
  const calls = harness.aws.requests.length;
  const updated = await stack.update(changed);

  expect(updated.failure).toBeUndefined();
  expect(updated.status).toBe('UPDATE_COMPLETE');
  expect(updated.exchanges.map((e) => `${e.logicalId} ${e.requestType} ${e.response?.Status}`)).toEqual(['Migrate Update SUCCESS', 'Seed Update SUCCESS']);
  // One GetSecretValue per run.
  const reads = harness.aws.requests.slice(calls).filter((r) => String(r.headers['x-amz-target']) === 'secretsmanager.GetSecretValue');
  expect(reads).toHaveLength(2);

  // A secret that cannot be read (here, one that does not exist) fails the run: the reason names the secret and the
  // cause, never a value. (The database's own secret stays: CloudFormation reads it for the instance.)
  const gone = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:deleted-AbCdEf';
  const migrateFunction = Object.values(changed.template.Resources).find((r) => r.Type === 'AWS::Lambda::Function'
    && (r.Properties as any)?.Environment?.Variables?.DEPLOYMENT_SCRIPT_HANDLER && JSON.stringify(r.Properties).includes('Migrate'))!;
  (migrateFunction.Properties as any).Environment.Variables.STP_DATABASE_SECRET_ARN = gone;
  for (const id of ['Migrate', 'Seed']) changed.template.Resources[id].Properties!.RunToken = 'secret-deleted';
  const failed = await stack.update(changed);
  expect(failed.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  const reason = failed.exchangesOf('Migrate', 'Update')[0].response?.Reason ?? '';
  expect(reason).toMatch(/^Deployment script Migrate failed: DatabaseAccessError: could not read the database secret 'deleted' \(arn:aws:secretsmanager:[^)]*\) for STP_DATABASE_CONNECTION_STRING, STP_DATABASE_JDBC_CONNECTION_STRING: ResourceNotFoundException: Secrets Manager can't find the specified secret. \(the secret does not exist/);
  expect(reason).not.toContain(rotated);
  expect(reason).not.toContain(encodeURIComponent(rotated));
});

test('a deployment migrates, then seeds, a real PostgreSQL database, and the smoke test passes; the seed\'s result is an output', async () => {
  const stack = harness.stack(stackArtifact);

  const created = await stack.create();

  expect(created.failure).toBeUndefined();
  expect(created.status).toBe('CREATE_COMPLETE');
  expect(created.exchanges.map((e) => `${e.logicalId} ${e.response?.Status}`)).toEqual(['Migrate SUCCESS', 'Seed SUCCESS', 'Smoke SUCCESS', 'Cleanup SUCCESS']);
  expect(created.exchangesOf('Migrate')[0].response?.Data).toEqual({ applied: '2', latest: '0002_posts' });

  const db = databases.instance('PostgresMigrateSeed');
  // The password CloudFormation gave the instance is the one the harness generated for its secret.
  const secretArn = stack.properties(stack.resourcesOfType('AWS::SecretsManager::SecretTargetAttachment')[0]).SecretId;
  expect(JSON.parse(harness.secret(secretArn)!)).toMatchObject({ username: 'postgres', password: db.password, dbname: 'app', port: 5432 });
  const query = (sql: string) => db.server.query(sql, [], 'app');
  expect((await query('SELECT id FROM schema_migrations ORDER BY id')).map((r) => r.id)).toEqual(['0001_users', '0002_posts']);
  const users = await query('SELECT id, email FROM users');
  expect(users).toEqual([{ id: expect.any(String), email: 'admin@example.com' }]);
  expect(await query('SELECT title FROM posts')).toEqual([{ title: 'Welcome' }]);
  expect(stack.outputs()).toEqual({ AdminUserId: users[0].id });
  // The tables belong to the master user the scripts connected as, over TLS.
  expect(await query("SELECT tableowner FROM pg_tables WHERE tablename = 'users'")).toEqual([{ tableowner: 'postgres' }]);

  // Deleting the stack runs the cleanup first, while the database still exists: its final snapshot has the
  // schema without the seeded rows.
  const deleted = await stack.delete();
  expect(deleted.status).toBe('DELETE_COMPLETE');
  expect(deleted.exchangesOf('Cleanup')[0].invocation.functionError).toBeUndefined();
  const order = deleted.events.filter((e) => e.status === 'DELETE_COMPLETE').map((e) => e.logicalId);
  expect(order.indexOf('Cleanup')).toBeLessThan(order.findIndex((id) => id.startsWith('Database') && !id.includes('Secret') && !id.includes('Subnet') && !id.includes('Security')));
  expect(databases.finalSnapshots.get(`PostgresMigrateSeed/${db.logicalId}`)!.app).toEqual({
    'public.schema_migrations': 2,
    'public.users': 0,
    'public.posts': 0,
  });
});

test('a failing migration fails the deployment with the SQL error in the reason; the rollback runs nothing', async () => {
  // A database that already has a table the first migration creates.
  databases.afterCreate = async (db) => {
    await db.server.query('CREATE TABLE users (id integer)', [], db.database);
  };
  try {
    const stack = harness.stack(stackArtifact, undefined, { stackName: 'PostgresMigrateSeed-conflict' });

    const created = await stack.create();

    expect(created.status).toBe('ROLLBACK_COMPLETE');
    expect(created.failure?.logicalId).toBe('Migrate');
    const [exchange] = created.exchangesOf('Migrate', 'Create');
    expect(exchange.bytes).toBeLessThan(4096);
    expect(exchange.response?.Reason).toMatch(/^Deployment script Migrate failed: error: migration 0001_users failed: relation "users" already exists\n/);
    expect(exchange.response?.Reason).toContain('applying 0001_users');
    // Seed never ran; the rollback only deleted (the database's snapshot: the failed migration left nothing).
    expect(created.exchangesOf('Seed')).toEqual([]);
    expect(created.exchanges.filter((e) => e.stackStatus === 'ROLLBACK_IN_PROGRESS').map((e) => e.requestType)).toEqual(['Delete']);
    expect(databases.finalSnapshots.get(`PostgresMigrateSeed-conflict/${stack.resourcesOfType('AWS::RDS::DBInstance')[0]}`)!.app).toEqual({
      'public.schema_migrations': 0,
      'public.users': 0,
    });
  } finally {
    databases.afterCreate = undefined;
  }
});

/** The example's template with Smoke looking for an administrator who does not exist: the smoke test fails. */
function withFailingSmokeTest(runToken?: string): AssemblyStack {
  const changed = { ...stackArtifact, template: structuredClone(stackArtifact.template) };
  changed.template.Resources.Smoke.Properties!.Parameters = JSON.stringify({ adminEmail: 'nobody@example.com' });
  // A change of the stack: the run tokens of ON_STACK_CHANGE change, and the scripts run again.
  if (runToken) for (const id of ['Migrate', 'Seed', 'Smoke']) changed.template.Resources[id].Properties!.RunToken = runToken;
  return changed;
}

/** The calls that undid a run of the stack's scripts (rollback: true in their client context), by script. */
function undoCalls(stackName: string): string[] {
  return harness.lambda.invocations
    .map((i) => (i.clientContext as { custom?: Record<string, unknown> } | undefined)?.custom)
    .filter((custom) => custom?.rollback === true && custom.stackName === stackName)
    .map((custom) => String(custom!.logicalResourceId));
}

test('a failing smoke test rolls the update back, and the migration it applied is undone: the schema is as before', async () => {
  const stackName = 'PostgresMigrateSeed-undo';
  const stack = harness.stack(stackArtifact, undefined, { stackName });
  expect((await stack.create()).status).toBe('CREATE_COMPLETE');
  const db = databases.instance(stackName);
  const query = (sql: string) => db.server.query(sql, [], 'app');
  // The deployed version had only the first migration: the update ships 0002_posts.
  await query('DROP TABLE posts');
  await query("DELETE FROM schema_migrations WHERE id = '0002_posts'");
  const schema = async () => ({
    tables: (await query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).map((r) => r.tablename),
    migrations: (await query('SELECT id FROM schema_migrations ORDER BY id')).map((r) => r.id),
    users: (await query('SELECT email FROM users')).map((r) => r.email),
  });
  const before = await schema();
  expect(before).toEqual({ tables: ['schema_migrations', 'users'], migrations: ['0001_users'], users: ['admin@example.com'] });

  const updated = await stack.update(withFailingSmokeTest('v2'));

  expect(updated.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  expect(updated.failure?.logicalId).toBe('Smoke');
  expect(updated.failure?.reason).toContain('smoke test failed: no user nobody@example.com');
  // The update applied 0002_posts (and seeded its post) before the smoke test failed.
  expect(updated.exchangesOf('Migrate', 'Update')[0].response?.Data).toEqual({ applied: '1', latest: '0002_posts' });
  // The rollback called Migrate back once, and answered every request: nothing blocked it.
  expect(undoCalls(stackName)).toEqual(['Migrate']);
  const rollback = updated.exchanges.filter((e) => e.stackStatus === 'UPDATE_ROLLBACK_IN_PROGRESS');
  expect(rollback.map((e) => `${e.logicalId} ${e.response?.Status}`)).toEqual(['Smoke SUCCESS', 'Seed SUCCESS', 'Migrate SUCCESS']);
  expect(await schema()).toEqual(before);

  // The next deployment applies it again; the deletion undoes nothing.
  const fixed = await stack.update({ ...stackArtifact, template: { ...stackArtifact.template, Resources: { ...stackArtifact.template.Resources,
    Migrate: { ...stackArtifact.template.Resources.Migrate, Properties: { ...stackArtifact.template.Resources.Migrate.Properties, RunToken: 'v3' } } } } });
  expect(fixed.status).toBe('UPDATE_COMPLETE');
  expect((await schema()).migrations).toEqual(['0001_users', '0002_posts']);
  expect((await stack.delete()).status).toBe('DELETE_COMPLETE');
  expect(undoCalls(stackName)).toEqual(['Migrate']);
});

test('a failing smoke test rolls the first deployment back: its migrations are undone before the database goes', async () => {
  const stackName = 'PostgresMigrateSeed-first';
  const stack = harness.stack(withFailingSmokeTest(), undefined, { stackName });

  const created = await stack.create();

  expect(created.status).toBe('ROLLBACK_COMPLETE');
  expect(created.failure?.logicalId).toBe('Smoke');
  expect(undoCalls(stackName)).toEqual(['Migrate']);
  expect(created.exchangesOf('Migrate', 'Delete').map((e) => `${e.stackStatus} ${e.response?.Status}`)).toEqual(['ROLLBACK_IN_PROGRESS SUCCESS']);
  // The database's final snapshot: the migrations' tables are gone, and none is recorded as applied.
  expect(databases.finalSnapshots.get(`${stackName}/${stack.resourcesOfType('AWS::RDS::DBInstance')[0]}`)!.app).toEqual({
    'public.schema_migrations': 0,
  });
});
