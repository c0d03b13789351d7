/**
 * examples/postgres-migrate-seed, synthesized with the CDK CLI and deployed by the harness against real
 * PostgreSQL servers: each `AWS::RDS::DBInstance` the harness creates is a fresh server (harness/postgres.ts)
 * with the master user, password and database CloudFormation gives the instance. The scripts connect with the
 * `STP_DATABASE_CONNECTION_STRING` that connectTo builds from the instance's endpoint and the
 * `{{resolve:secretsmanager:…}}` references the harness resolves, over TLS, with the password the harness
 * generated for the database's secret.
 */
import { join } from 'node:path';
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

test('the CDK CLI synthesizes the example: three scripts, connected to the database without a password in the template', () => {
  const resources = stackArtifact.template.Resources;
  const scripts = Object.entries(resources).filter(([, r]) => r.Type === 'Custom::DeploymentScript').map(([id]) => id);
  expect(scripts.sort()).toEqual(['Cleanup', 'Migrate', 'Seed']);
  const migrateFunction = Object.values(resources).find((r) => r.Type === 'AWS::Lambda::Function' && JSON.stringify(r.Properties).includes('STP_DATABASE_CONNECTION_STRING'))!;
  const connectionString = JSON.stringify(migrateFunction.Properties!.Environment);
  expect(connectionString).toContain('postgresql://{{resolve:secretsmanager:');
  expect(connectionString).toContain(':SecretString:password::}}@');
});

test('a deployment migrates, then seeds, a real PostgreSQL database; the seed\'s result is an output', async () => {
  const stack = harness.stack(stackArtifact);

  const created = await stack.create();

  expect(created.failure).toBeUndefined();
  expect(created.status).toBe('CREATE_COMPLETE');
  expect(created.exchanges.map((e) => `${e.logicalId} ${e.response?.Status}`)).toEqual(['Migrate SUCCESS', 'Seed SUCCESS', 'Cleanup SUCCESS']);
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
