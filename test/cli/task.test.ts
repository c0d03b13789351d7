/**
 * Container tasks from the command line: `list` shows them, `run` runs one as the deployment does (RunTask with the
 * deployed task definition, cluster and network, the parameters in the container's environment), `logs` prints the
 * stack's log lines; against the loopback fake (CloudFormation, ECS, CloudWatch Logs) serving the app of tasks-app.ts.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeAws } from '../support/fake-aws';
import { DeployedApp, ensureBin, runCli, STACK_ID, STACK_NAME } from './support';
import { synthTasksApp } from './tasks-app';

let dir: string;
let fake: FakeAws;
let app: DeployedApp;
let template: any;

beforeAll(async () => {
  ensureBin();
  dir = mkdtempSync(join(tmpdir(), 'cli-task-'));
  template = synthTasksApp(dir);
  fake = await FakeAws.start();
  app = new DeployedApp(fake, template);
});
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => fake.reset());

const cli = (...args: string[]) => runCli(args, { env: fake.env() });
const logicalIdOf = (type: string, prefix: string) => Object.keys(template.Resources).find((id) => id.startsWith(prefix) && template.Resources[id].Type === type)!;
const taskDefinition = () => logicalIdOf('AWS::ECS::TaskDefinition', 'Migrate');
const logGroup = () => app.physicalId(logicalIdOf('AWS::Logs::LogGroup', 'Migrate'));

describe('list', () => {
  test('a task is listed beside the scripts, with its kind and its task definition', async () => {
    app.deploy();
    const { code, stdout } = await cli('list', '--stack', STACK_NAME);
    expect(code).toBe(0);
    const row = stdout.split('\n').find((line) => line.startsWith('Migrate '))!.split(/ {2,}/);
    expect(row.slice(0, 5)).toEqual(['Migrate', 'task', 'Migrate', 'after:deploy', app.physicalId(taskDefinition())]);
    expect(row[7]).toBe('from template');
    expect(stdout.split('\n').find((line) => line.startsWith('cleanup '))).toMatch(/^cleanup +script +/);
  });

  test('a task whose last run recorded its parameters: recorded', async () => {
    app.deploy().record('Migrate', { v: 1, data: {}, parameters: app.resolvedParameters('Migrate') });
    const { code, stdout } = await cli('list', '--stack', STACK_NAME);
    expect(code).toBe(0);
    expect(stdout.split('\n').find((line) => line.startsWith('Migrate '))!.split(/ {2,}/)[7]).toBe('recorded');
  });
});

describe('run a deployed task', () => {
  test('RunTask as the deployment does; progress, then exit code, log tail; exit 0', async () => {
    app.deploy();
    fake.ecs.streamPrefix('*', 'Migrate', logGroup()).plan({ runningPolls: 1, stop: { exitCode: 0 }, log: ['Migrating: 2024_01_01_create_users', 'Migrated.'] });
    const { code, stdout, stderr } = await cli('run', '--stack', STACK_NAME, '--script', 'Migrate');
    expect(stderr).toContain('Running task Migrate (');
    expect(code).toBe(0);
    const [call] = fake.ecs.callsOf('RunTask');
    const subnets = template.Resources.Migrate.Properties.Subnets.map((s: any) => app.physicalId(s.Ref));
    expect(call.input).toMatchObject({
      cluster: app.physicalId(logicalIdOf('AWS::ECS::Cluster', 'DeploymentTaskProvider')),
      taskDefinition: app.physicalId(taskDefinition()),
      launchType: 'FARGATE',
      startedBy: 'cdk-deployment-script',
      networkConfiguration: { awsvpcConfiguration: { subnets, securityGroups: [app.physicalId(logicalIdOf('AWS::EC2::SecurityGroup', 'MigrateSecurityGroup'))], assignPublicIp: 'DISABLED' } },
    });
    const environment = Object.fromEntries(call.input.overrides.containerOverrides[0].environment.map((v: any) => [v.name, v.value]));
    expect(environment).toMatchObject({ DEPLOYMENT_SCRIPT_PARAMETERS: '{"batch":100}', DEPLOYMENT_SCRIPT_REQUEST_TYPE: 'Manual', DEPLOYMENT_SCRIPT_STACK_ID: STACK_ID });
    expect(JSON.parse(stdout)).toMatchObject({ exitCode: 0, stopCode: 'EssentialContainerExited' });
    expect(stderr).toMatch(/── log tail of Migrate ──\nMigrating: 2024_01_01_create_users\nMigrated\.\n──/);
    expect(stderr).toMatch(/✔ task Migrate succeeded in \d+\.\d s \(exit code 0\)/);
  });

  test('a task that fails: its exit code, stop reason and log; exit 1', async () => {
    app.deploy();
    fake.ecs.streamPrefix('*', 'Migrate', logGroup()).plan({ runningPolls: 1, stop: { exitCode: 2 }, log: ['SQLSTATE[42P07]: relation "users" already exists'] });
    const { code, stdout, stderr } = await cli('run', '--stack', STACK_NAME, '--script', 'Migrate');
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ exitCode: 2, stoppedReason: 'Essential container in task exited' });
    expect(stderr).toContain('relation "users" already exists');
    expect(stderr).toMatch(/✘ task Migrate failed after \d+\.\d s: the command exited with code 2\./);
    expect(stderr).toContain('Stop reason: EssentialContainerExited: Essential container in task exited');
  });

  test('--no-wait starts it and says how to follow it', async () => {
    app.deploy();
    const { code, stdout, stderr } = await cli('run', '--stack', STACK_NAME, '--script', 'Migrate', '--no-wait');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).taskArn).toMatch(/^arn:aws:ecs:us-east-1:123456789012:task\//);
    expect(stderr).toContain(`Follow its log: cdk-deployment-script logs --stack ${STACK_NAME} --script Migrate --follow`);
    expect(fake.ecs.callsOf('DescribeTasks')).toHaveLength(0);
  });

  test('an unknown task: exit 3, naming the scripts and tasks there are', async () => {
    app.deploy();
    const { code, stderr } = await cli('run', '--stack', STACK_NAME, '--script', 'Seed');
    expect(code).toBe(3);
    expect(stderr).toMatch(/no deployment script named 'Seed' in stack CliStack\. Its scripts: .*Migrate/);
    expect(fake.ecs.calls).toHaveLength(0);
  });

  test('a task without a deployed task definition: exit 3, and nothing is started', async () => {
    app.deploy({ overrides: { [taskDefinition()]: null } });
    const { code, stderr } = await cli('run', '--stack', STACK_NAME, '--script', 'Migrate');
    expect(code).toBe(3);
    expect(stderr).toContain(`error: task Migrate has no deployed task definition: its resource ${taskDefinition()} is missing from the stack`);
    expect(fake.ecs.calls).toHaveLength(0);
  });
});

describe('logs', () => {
  test('the log lines of the stack\'s scripts and tasks, oldest first, each after its id', async () => {
    app.deploy();
    const fn = app.physicalId(app.functionOf('cleanup'));
    fake.ecs.putLog('2024/01/01/[$LATEST]abc', ['emptying bucket', 'done'], `/aws/lambda/${fn}`);
    fake.ecs.putLog('Migrate/task/0123', ['Migrating', 'Migrated.', 'bye'], logGroup());
    const { code, stdout, stderr } = await cli('logs', '--stack', STACK_NAME, '--since', '1h');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n').map((line) => line.replace(/^\d\d:\d\d:\d\d /, ''));
    expect(lines).toEqual(['cleanup    emptying bucket', 'cleanup    done', 'Migrate    Migrating', 'Migrate    Migrated.', 'Migrate    bye']);
    expect(stderr).toContain('(migrateDb: no log group');
    const filters = fake.ecs.callsOf('FilterLogEvents');
    expect(filters.find((c) => c.input.logGroupName === logGroup())!.input.logStreamNamePrefix).toBe('Migrate/');
  });

  test('--script picks one; a bad --since is a usage error', async () => {
    app.deploy();
    fake.ecs.putLog('Migrate/task/0123', ['Migrating'], logGroup());
    const one = await cli('logs', '--stack', STACK_NAME, '--script', 'Migrate');
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^\d\d:\d\d:\d\d Migrate {2}Migrating\n$/);
    const bad = await cli('logs', '--stack', STACK_NAME, '--since', 'yesterday');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--since 'yesterday' is neither a duration");
  });

  test('a task with a secret result: its result line is not shown, by logs nor by run', async () => {
    const properties = template.Resources.Migrate.Properties;
    properties.SecretResult = 'true';
    try {
      app.deploy();
      fake.ecs.putLog('Migrate/task/0123', ['Migrating', 'DEPLOYMENT_SCRIPT_RESULT {"token":"s3cr3t"}', 'bye'], logGroup());
      const logs = await cli('logs', '--stack', STACK_NAME, '--script', 'Migrate');
      expect(logs.code).toBe(0);
      expect(logs.stdout).toContain('Migrate  DEPLOYMENT_SCRIPT_RESULT (not shown: the result is secret)\n');
      expect(logs.stdout).toContain('Migrate  bye\n');

      fake.ecs.streamPrefix('*', 'Migrate', logGroup()).plan({ runningPolls: 0, stop: { exitCode: 0 }, log: ['DEPLOYMENT_SCRIPT_RESULT {"token":"s3cr3t"}', 'done'] });
      const run = await cli('run', '--stack', STACK_NAME, '--script', 'Migrate');
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/── log tail of Migrate ──\nDEPLOYMENT_SCRIPT_RESULT \(not shown: the result is secret\)\ndone\n──/);
      expect(`${logs.stdout}${run.stdout}${run.stderr}`).not.toContain('s3cr3t');
    } finally {
      delete properties.SecretResult;
    }
  });

  test('a stack without scripts: a clear message, exit 3', async () => {
    fake.setStack(STACK_ID, 'UPDATE_COMPLETE').setStackResources(STACK_ID, []).setTemplate(STACK_ID, { Resources: {} });
    const { code, stderr } = await cli('logs', '--stack', STACK_NAME);
    expect(code).toBe(3);
    expect(stderr).toBe(`error: stack ${STACK_NAME} has no deployment scripts nor container tasks: there are no logs to show.\n`);
  });
});

describe('run --local of a task', () => {
  test('with a container engine: the image runs with the run\'s environment, given by name; its exit code decides', async () => {
    const bin = join(dir, 'engine');
    mkdirSync(bin, { recursive: true });
    const record = join(dir, 'engine.log');
    // A stand-in for docker: answers `version`, records `run`'s arguments and the parameters it was given, exits 3.
    writeFileSync(join(bin, 'docker'), `#!/bin/sh\n[ "$1" = version ] && { echo 27.0.0; exit 0; }\nprintf '%s\\n' "$@" > ${record}\necho "params=$DEPLOYMENT_SCRIPT_PARAMETERS" >> ${record}\nexit 3\n`);
    chmodSync(join(bin, 'docker'), 0o755);
    const { code, stderr } = await runCli(['run', '--local', '--app', join(dir, 'cdk.out'), '--script', 'Migrate', '--param', 'batch=5'],
      { env: { PATH: `${bin}:/usr/bin:/bin`, AWS_REGION: 'eu-west-1' } });
    expect(stderr).toContain('Running task Migrate of CliStack locally (docker, image public.ecr.aws/docker/library/php:8.3-cli)');
    expect(code).toBe(1);
    expect(stderr).toMatch(/✘ task Migrate failed after \d+\.\d s: the command exited with code 3\./);
    const args = readFileSync(record, 'utf8').split('\n');
    expect(args.slice(0, 3)).toEqual(['run', '--rm', '--init']);
    expect(args).toContain('DEPLOYMENT_SCRIPT_PARAMETERS');
    expect(args.join(' ')).toContain('public.ecr.aws/docker/library/php:8.3-cli php artisan migrate --force');
    expect(args).toContain('params={"batch":5}');
  });
});
