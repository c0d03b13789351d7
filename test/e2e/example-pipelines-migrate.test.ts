/**
 * examples/pipelines-migrate (the CDK Pipelines case of seeds/003): the pipeline is synthesized with the CDK
 * CLI, and the harness plays the deployment of the stage's database stack from the pipeline's cloud assembly
 * (the nested assembly the pipeline's CloudFormation actions deploy), against a real PostgreSQL server.
 */
import { join } from 'node:path';
import { cdkSynth } from './harness/cdk-cli';
import { PostgresInstances } from './harness/postgres';
import { CloudAssemblyReader, type AssemblyStack, type Harness } from './harness';
import { ROOT, startHarness, tempDir } from './support';

jest.setTimeout(120_000);

const EXAMPLE = join(ROOT, 'examples', 'pipelines-migrate');

let harness: Harness;
let databases: PostgresInstances;
let pipelineStack: AssemblyStack;
let databaseStack: AssemblyStack;

beforeAll(async () => {
  const assembly = CloudAssemblyReader.read((await cdkSynth(EXAMPLE, tempDir())).outdir);
  pipelineStack = assembly.stack('PipelinesMigrate');
  databaseStack = assembly.stack('Prod-Database');
  databases = new PostgresInstances();
  harness = await startHarness({ onResource: databases.hook() });
}, 15 * 60_000);
afterAll(async () => {
  await databases?.stopAll();
  await harness?.close();
});

test('the pipeline deploys the stage\'s database stack, which carries the migration', () => {
  // The stage's stack comes from the pipeline's nested cloud assembly…
  expect(databaseStack.path).toMatch(/^assembly-PipelinesMigrate-Prod\//);
  expect(Object.values(databaseStack.template.Resources).filter((r) => r.Type === 'Custom::DeploymentScript')).toHaveLength(1);
  // …and the pipeline's Prod stage deploys it with CloudFormation actions (prepare the change set, execute it).
  const [pipeline] = Object.values(pipelineStack.template.Resources).filter((r) => r.Type === 'AWS::CodePipeline::Pipeline');
  const prod = (pipeline.Properties!.Stages as any[]).find((stage) => stage.Name === 'Prod');
  const actions = prod.Actions.map((a: any) => `${a.ActionTypeId.Provider} ${a.Configuration.ActionMode} ${a.Configuration.StackName}`);
  expect(actions).toEqual(['CloudFormation CHANGE_SET_REPLACE Prod-Database', 'CloudFormation CHANGE_SET_EXECUTE Prod-Database']);
});

test('deploying the stage\'s stack migrates the database it creates', async () => {
  const stack = harness.stack(databaseStack);

  const created = await stack.create();

  expect(created.failure).toBeUndefined();
  expect(created.status).toBe('CREATE_COMPLETE');
  // The migration ran after the database (and everything else of the stack) was created.
  const order = created.events.filter((e) => e.status === 'CREATE_COMPLETE').map((e) => e.logicalId);
  expect(order.indexOf('Migrate')).toBeGreaterThan(order.findIndex((id) => stack.resourcesOfType('AWS::RDS::DBInstance').includes(id)));
  const db = databases.instance('Prod-Database');
  expect((await db.server.query('SELECT id FROM schema_migrations ORDER BY id', [], 'app')).map((r) => r.id)).toEqual(['0001_users', '0002_posts']);
  expect((await stack.delete()).status).toBe('DELETE_COMPLETE');
});

test('a failing migration fails the stack\'s deployment (so the pipeline\'s) and rolls it back, without running it again', async () => {
  databases.afterCreate = async (db) => {
    await db.server.query('CREATE TABLE posts (id integer)', [], db.database);
  };
  try {
    const stack = harness.stack(databaseStack, undefined, { stackName: 'Prod-Database-conflict' });

    const created = await stack.create();

    expect(created.status).toBe('ROLLBACK_COMPLETE');
    const [exchange] = created.exchangesOf('Migrate', 'Create');
    expect(exchange.response?.Reason).toMatch(/^Deployment script Migrate failed: error: migration 0002_posts failed: relation "posts" already exists\n/);
    expect(exchange.bytes).toBeLessThan(4096);
    // The rollback's Delete of the failed migration never reaches the runtime: the migration ran once.
    const migrations = harness.lambda.invocations.filter((i) => i.logicalId?.startsWith('MigrateFunction') && i.functionName.startsWith('Prod-Database-conflict'));
    expect(migrations).toHaveLength(1);
  } finally {
    databases.afterCreate = undefined;
  }
});
