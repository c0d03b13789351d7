/**
 * `run --local --rollback`: a script run as its undo call on a rollback would be (`undoOnRollback`): requestType
 * Update and `rollback: true` in its client context (Node.js and Python), DEPLOYMENT_SCRIPT_ROLLBACK=true in a task's
 * container, the same parameters; refused for a before:delete script; a note when the template does not ask for it.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DeploymentScript, DeploymentTask, ScriptTrigger } from '../../lib';
import { ensureBin, runCli, startCli } from './support';

let dir: string;
let app: string;

const NODE = 'exports.handler = async (event, context) => ({ event, custom: context.clientContext.custom });';
const PYTHON = 'def handler(event, context):\n    return {"event": event, "custom": context.client_context.custom}\n';

beforeAll(() => {
  ensureBin();
  dir = mkdtempSync(join(tmpdir(), 'cli-rollback-'));
  app = join(dir, 'cdk.out');
  const cdkApp = new App({ outdir: app, context: { 'aws:cdk:enable-path-metadata': true } });
  const stack = new Stack(cdkApp, 'UndoStack');
  const script = (id: string, trigger: ScriptTrigger, code: string, runtime: lambda.Runtime) =>
    new DeploymentScript(stack, id, { trigger, code: lambda.Code.fromInline(code), handler: 'index.handler', runtime, parameters: { tenant: 't-1', batch: 10 } });
  script('seed', ScriptTrigger.AFTER_DEPLOY, NODE, lambda.Runtime.NODEJS_22_X);
  script('seedPy', ScriptTrigger.AFTER_DEPLOY, PYTHON, lambda.Runtime.PYTHON_3_12);
  script('plain', ScriptTrigger.AFTER_DEPLOY, NODE, lambda.Runtime.NODEJS_22_X);
  script('cleanup', ScriptTrigger.BEFORE_DELETE, NODE, lambda.Runtime.NODEJS_22_X);
  new DeploymentTask(stack, 'Migrate', {
    trigger: ScriptTrigger.AFTER_DEPLOY,
    vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 }),
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/php:8.3-cli'),
    command: ['php', 'artisan', 'migrate:rollback'],
    parameters: { steps: 1 },
  });
  cdkApp.synth();
  // What the construct writes for undoOnRollback: true (the property only, on the scripts that ask for it).
  const file = join(app, 'UndoStack.template.json');
  const template = JSON.parse(readFileSync(file, 'utf8'));
  for (const [logicalId, resource] of Object.entries<any>(template.Resources)) {
    if (/^(seed|seedPy|Migrate)$/.test(String(resource.Metadata?.['aws:cdk:path']).split('/')[1]) && /^Custom::Deployment(Script|Task)$/.test(resource.Type)) {
      template.Resources[logicalId].Properties.UndoOnRollback = 'true';
    }
  }
  writeFileSync(file, JSON.stringify(template, null, 1));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const local = (...args: string[]) => runCli(['run', '--local', '--app', app, '--region', 'eu-west-1', ...args], { env: { PATH: '/nonexistent:' + process.env.PATH } });

const UNDO_CONTEXT = {
  trigger: 'after:deploy',
  requestType: 'Update',
  stackId: '',
  stackName: 'UndoStack',
  region: 'eu-west-1',
  rollback: true,
};

test('a Node.js script: requestType Update, rollback true, the same parameters', async () => {
  const { code, stdout, stderr } = await local('--script', 'seed', '--rollback');
  expect(stderr).toContain('Running script seed of UndoStack locally (nodejs22.x, index.handler, timeout ');
  expect(stderr).toContain(', as its undo call on rollback)…');
  expect(stderr).not.toContain('note:');
  expect(code).toBe(0);
  const { event, custom } = JSON.parse(stdout);
  expect(event).toEqual({ tenant: 't-1', batch: 10 });
  expect(custom).toMatchObject(UNDO_CONTEXT);
});

test('without --rollback the same script gets a run by hand: Manual, and no rollback field', async () => {
  const { code, stdout } = await local('--script', 'seed');
  expect(code).toBe(0);
  const { custom } = JSON.parse(stdout);
  expect(custom.requestType).toBe('Manual');
  expect(custom).not.toHaveProperty('rollback');
});

test('a Python script: client_context.custom has requestType Update and rollback True (a JSON boolean)', async () => {
  const { code, stdout, stderr } = await local('--script', 'seedPy', '--rollback');
  expect(stderr).not.toContain('note:');
  expect(code).toBe(0);
  const { event, custom } = JSON.parse(stdout);
  expect(event).toEqual({ tenant: 't-1', batch: 10 });
  expect(custom).toMatchObject(UNDO_CONTEXT);
});

test('--dry-run shows the undo call\'s context', async () => {
  const { code, stdout } = await local('--script', 'seed', '--rollback', '--dry-run');
  expect(code).toBe(0);
  expect(JSON.parse(stdout).clientContext.custom).toMatchObject(UNDO_CONTEXT);
});

test('a script not synthesized with undoOnRollback: a note on stderr, and it runs as the undo call would', async () => {
  const { code, stdout, stderr } = await local('--script', 'plain', '--rollback');
  expect(stderr).toContain('note: script plain of UndoStack was not synthesized with undoOnRollback: a deployment that rolls back does not call it. ' +
    'It runs here as that call would; set undoOnRollback: true for deployments to call it.\n');
  expect(code).toBe(0);
  expect(JSON.parse(stdout).custom).toMatchObject(UNDO_CONTEXT);
});

test('a before:delete script is never undone: a usage error (2), and nothing runs', async () => {
  const { code, stdout, stderr } = await local('--script', 'cleanup', '--rollback');
  expect(code).toBe(2);
  expect(stdout).toBe('');
  expect(stderr).toBe('error: --rollback runs a script as the undo call of a deployment that rolls back, and only after:deploy scripts and tasks ' +
    'are undone (undoOnRollback): script cleanup of UndoStack runs before:delete. Run it without --rollback.\n' +
    "Run 'cdk-deployment-script help run' for usage.\n");
});

test('a task: the command it would run has DEPLOYMENT_SCRIPT_REQUEST_TYPE=Update and DEPLOYMENT_SCRIPT_ROLLBACK=true', async () => {
  const { code, stdout, stderr } = await local('--script', 'Migrate', '--rollback');
  expect(stderr).toContain('No container engine to run task Migrate of UndoStack');
  expect(stderr).not.toContain('note:');
  expect(code).toBe(4);
  expect(stdout).toContain("  -e DEPLOYMENT_SCRIPT_PARAMETERS='{\"steps\":1}' \\\n");
  expect(stdout).toContain('  -e DEPLOYMENT_SCRIPT_REQUEST_TYPE=Update \\\n');
  expect(stdout).toContain('  -e DEPLOYMENT_SCRIPT_ROLLBACK=true \\\n');
  expect(stdout).toMatch(/ {2}public\.ecr\.aws\/docker\/library\/php:8\.3-cli php artisan migrate:rollback\n$/);
});

test('a task without --rollback has no DEPLOYMENT_SCRIPT_ROLLBACK', async () => {
  const { code, stdout } = await local('--script', 'Migrate');
  expect(code).toBe(4);
  expect(stdout).toContain('  -e DEPLOYMENT_SCRIPT_REQUEST_TYPE=Manual \\\n');
  expect(stdout).not.toContain('DEPLOYMENT_SCRIPT_ROLLBACK');
});

test('--rollback is for --local only', async () => {
  const { code, stderr } = await runCli(['run', '--stack', 'UndoStack', '--script', 'seed', '--rollback']);
  expect(code).toBe(2);
  expect(stderr).toContain('error: --rollback is only for --local.');
});

describe('with a container engine (a stand-in for docker on PATH)', () => {
  /** A `docker` that answers `version`, and on `run` writes the variables it was given to `record`, then runs `then`. */
  function engine(name: string, then: string): { path: string; record: string } {
    const bin = join(dir, name);
    mkdirSync(bin, { recursive: true });
    const record = join(dir, `${name}.log`);
    writeFileSync(join(bin, 'docker'), '#!/bin/sh\n[ "$1" = version ] && { echo 27.0.0; exit 0; }\n' +
      `echo "request=$DEPLOYMENT_SCRIPT_REQUEST_TYPE rollback=\${DEPLOYMENT_SCRIPT_ROLLBACK-unset}" > ${record}\n${then}\n`);
    chmodSync(join(bin, 'docker'), 0o755);
    return { path: `${bin}:/usr/bin:/bin`, record };
  }

  test('the task\'s container gets DEPLOYMENT_SCRIPT_ROLLBACK=true and requestType Update', async () => {
    const { path, record } = engine('engine-ok', 'exit 0');
    const { code, stderr } = await runCli(['run', '--local', '--app', app, '--script', 'Migrate', '--rollback'], { env: { PATH: path } });
    expect(stderr).toContain('Running task Migrate of UndoStack locally (docker, image public.ecr.aws/docker/library/php:8.3-cli, as its undo call on rollback)…');
    expect(code).toBe(0);
    expect(readFileSync(record, 'utf8')).toBe('request=Update rollback=true\n');
  });

  test('Ctrl-C while the container runs stops it and exits 130', async () => {
    // The container's process says it works once it is running (a shell's own echo could come before the exec, which a
    // signal in between would not stop): node, whose Ctrl-C ends it.
    const { path } = engine('engine-slow', `exec ${process.execPath} -e 'console.error("working"); setTimeout(() => {}, 60000)'`);
    const cli = startCli(['run', '--local', '--app', app, '--script', 'Migrate'], { env: { PATH: path } });
    await cli.waitFor('stderr', /working\n/);
    cli.signal('SIGINT');
    const { code, stderr } = await cli.done;
    expect(stderr).toMatch(/Interrupted: task Migrate was stopped \(docker exited with code \d+\)\./);
    expect(code).toBe(130);
  });
});
