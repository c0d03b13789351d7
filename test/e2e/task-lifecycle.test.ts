/**
 * Container tasks through the lifecycle table (docs/DESIGN.md#lifecycle) and their failures, end to end: CloudFormation's
 * requests (from the harness) go to aws-cdk-lib's asynchronous Provider framework as shipped: its onEvent invokes the
 * bundled task runtime's onEvent (DescribeStacks, RunTask) and starts the waiter, a Step Functions state machine the
 * harness plays from the template (the framework's isComplete every `queryInterval`, its onTimeout after
 * `totalTimeout`), whose isComplete invokes the runtime's (DescribeTasks, StopTask, GetLogEvents, PutParameter). ECS
 * and CloudWatch Logs are test/support/fake-ecs.ts on loopback; the container is simulated from its run (below).
 *
 * | CloudFormation sends | stack status                                    | AFTER_DEPLOY | BEFORE_DELETE |
 * |----------------------|-------------------------------------------------|--------------|---------------|
 * | Create               | CREATE_IN_PROGRESS                              | run          | nothing       |
 * | Update               | UPDATE_IN_PROGRESS                              | run          | nothing       |
 * | Update               | UPDATE_ROLLBACK_IN_PROGRESS                     | nothing      | nothing       |
 * | Delete               | DELETE_IN_PROGRESS                              | nothing      | run           |
 * | Delete               | UPDATE_COMPLETE_CLEANUP_IN_PROGRESS             | nothing      | nothing       |
 * | Delete               | ROLLBACK_IN_PROGRESS, UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS | nothing | nothing |
 */
import { CfnResource, Duration, RemovalPolicy, type Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { DeploymentTask, type DeploymentTaskProps, ScriptTrigger } from '../../lib';
import { TASK_QUERY_INTERVAL_SECONDS } from '../../lambda-runtime/shared/consts';
import type { ContainerRun, TaskPlan } from '../support/fake-ecs';
import type { CustomResourceExchange, Harness, OperationResult } from './harness';
import { checkTaskRuntimeBundle, startHarness, synth } from './support';

jest.setTimeout(180_000);

const IMAGE = 'public.ecr.aws/docker/library/php:8.3-cli';
/** An image no registry has: ECS cannot pull it. */
const MISSING_IMAGE = '111111111111.dkr.ecr.eu-west-1.amazonaws.com/app:does-not-exist';

/** The token a container prints as its result when its parameters say `mintToken`. */
const MINTED_TOKEN = 'minted-s3cr3t-7f3a91';

/** One run of a container, as the simulated container saw it. */
interface TaskRunRecord {
  readonly task: string;
  readonly requestType: string;
  readonly trigger: string;
  readonly parameters: any;
  /** The run undoes an earlier one (DEPLOYMENT_SCRIPT_ROLLBACK). */
  readonly rollback: boolean;
}

let harness: Harness;
const runs: TaskRunRecord[] = [];

/**
 * The simulated container: records its run and does what its parameters ask: `exitCode` (with `log`), `result` (printed
 * as the result line), `mintToken` (a result line with a token of its own), `runSeconds`, `hugeLog`, `undoFails` (its
 * rollback run fails). An image no registry has cannot be pulled.
 */
function container(run: ContainerRun): TaskPlan {
  if (run.container.image === MISSING_IMAGE) {
    return { stop: { failedToStart: `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${MISSING_IMAGE}: not found` } };
  }
  const env = run.environment;
  const parameters = JSON.parse(env.DEPLOYMENT_SCRIPT_PARAMETERS ?? '{}');
  const rollback = env.DEPLOYMENT_SCRIPT_ROLLBACK === 'true';
  runs.push({ task: env.DEPLOYMENT_SCRIPT_LOGICAL_RESOURCE_ID, requestType: env.DEPLOYMENT_SCRIPT_REQUEST_TYPE, trigger: env.DEPLOYMENT_SCRIPT_TRIGGER, parameters, rollback });
  if (rollback && parameters.undoFails) return { runningPolls: 1, stop: { exitCode: 1 }, log: ['down: failed'] };
  const log = [`${env.DEPLOYMENT_SCRIPT_REQUEST_TYPE} ${env.DEPLOYMENT_SCRIPT_LOGICAL_RESOURCE_ID}`, ...(parameters.log ?? [])];
  if (parameters.hugeLog) {
    for (let i = 0; i < 2000; i++) log.push(`\x1b[31mERROR\x1b[0m line ${i} ${'é€'.repeat(200)}`);
  }
  if (parameters.result) log.push(`DEPLOYMENT_SCRIPT_RESULT ${JSON.stringify(parameters.result)}`);
  // A value only the container knows (parameters are in the template in clear text): a token it made.
  if (parameters.mintToken) log.push(`DEPLOYMENT_SCRIPT_RESULT {"token":"${MINTED_TOKEN}"}`);
  return { runningPolls: 1, runningSeconds: parameters.runSeconds ?? 20, stop: { exitCode: parameters.exitCode ?? 0 }, log };
}

beforeAll(async () => {
  checkTaskRuntimeBundle();
  harness = await startHarness();
  harness.containers(container);
}, 15 * 60_000); // another e2e file may hold port 443 until it ends
afterAll(async () => {
  for (const invocation of harness?.lambda.invocations ?? []) expect(invocation.log).not.toContain('X-Amz-Signature');
  await harness?.close();
});

const AFTER = ScriptTrigger.AFTER_DEPLOY;
const BEFORE = ScriptTrigger.BEFORE_DELETE;

function summary(from = 0): string[] {
  return runs.slice(from).map((r) => `${r.task} ${r.requestType}`);
}

function requests(result: OperationResult): string[] {
  return result.exchanges.map(line);
}

function line(e: CustomResourceExchange): string {
  return `${e.logicalId} ${e.requestType} @${e.stackStatus} -> ${e.response?.Status ?? e.problem}`;
}

/** The stack's VPC and a bucket: what the tasks run after and before. */
function base(stack: Stack, versioned = false): ec2.IVpc {
  new s3.Bucket(stack, 'Data', { versioned, removalPolicy: RemovalPolicy.DESTROY });
  return new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 1, restrictDefaultSecurityGroup: false });
}

function task(stack: Stack, id: string, vpc: ec2.IVpc, props: Partial<Omit<DeploymentTaskProps, 'image'>> & { image?: string } = {}): DeploymentTask {
  return new DeploymentTask(stack, id, { trigger: AFTER, vpc, ...props, image: ecs.ContainerImage.fromRegistry(props.image ?? IMAGE) });
}

/** The failed Create of a task, with the reason CloudFormation received. */
function failedCreate(result: OperationResult, logicalId: string): string {
  expect(result.status).toBe('ROLLBACK_COMPLETE');
  expect(result.failure?.logicalId).toBe(logicalId);
  const [exchange] = result.exchangesOf(logicalId, 'Create');
  expect(exchange.response?.Status).toBe('FAILED');
  expect(exchange.problem).toBeUndefined();
  expect(exchange.bytes).toBeLessThan(4096);
  const reason = exchange.response!.Reason!;
  if (process.env.E2E_PRINT) console.log(exchange.bytes, reason);
  expect(result.failure!.reason).toContain(reason);
  expect(reason).not.toMatch(/\x1b|\ufffd|X-Amz-Signature/);
  return reason;
}

describe('the lifecycle table, for tasks', () => {
  test('create, update, no-change deployment and deletion: each trigger runs only where the table says, through the waiter', async () => {
    const from = runs.length;
    const version = (n: number) => synth((stack) => {
      const vpc = base(stack, n > 1);
      task(stack, 'Deploy', vpc);
      task(stack, 'Cleanup', vpc, { trigger: BEFORE, parameters: { version: Math.min(n, 2) } });
    }, 'TaskLifecycle');
    const stack = harness.stack(version(1));
    const executions = harness.stepFunctions.executions.length;

    const created = await stack.create();
    expect(created.status).toBe('CREATE_COMPLETE');
    expect(requests(created).sort()).toEqual([
      'Cleanup Create @CREATE_IN_PROGRESS -> SUCCESS',
      'Deploy Create @CREATE_IN_PROGRESS -> SUCCESS',
    ]);
    expect(summary(from)).toEqual(['Deploy Create']);
    const createdOrder = created.events.filter((e) => e.status === 'CREATE_COMPLETE').map((e) => e.logicalId);
    expect(createdOrder.indexOf('Deploy')).toBeGreaterThan(createdOrder.findIndex((id) => id.startsWith('Data')));
    // The waiter asked the framework's isComplete every queryInterval (from the template) until the task had run its
    // 20 seconds: a retry for each 10 seconds, the last attempt answering.
    const deployWaiter = harness.stepFunctions.executions.slice(executions).find((e) => JSON.parse(e.input).LogicalResourceId === 'Deploy')!;
    expect(deployWaiter.status).toBe('SUCCEEDED');
    expect(deployWaiter.waitedMs % (TASK_QUERY_INTERVAL_SECONDS * 1000)).toBe(0);
    expect(deployWaiter.waitedMs).toBeGreaterThanOrEqual(20_000);
    expect(deployWaiter.steps.at(-1)).toMatch(/^framework-isComplete-task #\d+ -> ok$/);

    const updated = await stack.update(version(2));
    expect(updated.status).toBe('UPDATE_COMPLETE');
    expect(requests(updated).sort()).toEqual([
      'Cleanup Update @UPDATE_IN_PROGRESS -> SUCCESS',
      'Deploy Update @UPDATE_IN_PROGRESS -> SUCCESS',
    ]);
    expect(summary(from)).toEqual(['Deploy Create', 'Deploy Update']);

    const unchanged = await stack.update(version(3));
    expect(unchanged.status).toBe('UPDATE_COMPLETE');
    expect(requests(unchanged)).toEqual([]);

    const deleted = await stack.delete();
    expect(deleted.status).toBe('DELETE_COMPLETE');
    expect(requests(deleted).sort()).toEqual([
      'Cleanup Delete @DELETE_IN_PROGRESS -> SUCCESS',
      'Deploy Delete @DELETE_IN_PROGRESS -> SUCCESS',
    ]);
    expect(summary(from)).toEqual(['Deploy Create', 'Deploy Update', 'Cleanup Delete']);
    expect(runs.at(-1)).toMatchObject({ trigger: 'before:delete', parameters: { version: 2 } });
    const deletedOrder = deleted.events.filter((e) => e.status === 'DELETE_COMPLETE').map((e) => e.logicalId);
    expect(deletedOrder.indexOf('Cleanup')).toBeLessThan(deletedOrder.findIndex((id) => id.startsWith('Data')));
  });

  test('a failed update rolls back without running any task again, and keeps the result other resources read', async () => {
    const from = runs.length;
    const version = (n: number) => synth((stack) => {
      const vpc = base(stack, n === 3);
      task(stack, 'Cleanup', vpc, { trigger: BEFORE, parameters: { version: n } });
      if (n === 2) task(stack, 'Added', vpc, { trigger: BEFORE });
      const first = task(stack, 'First', vpc, { parameters: { result: { version: `v${n}` } } });
      task(stack, 'Second', vpc, { runAfter: [first], parameters: n === 2 ? { exitCode: 3, log: ['migration 2 failed'] } : {} });
      // Another resource reads the task's result.
      new CfnResource(stack, 'Version', { type: 'AWS::SSM::Parameter', properties: { Name: '/e2e/task-version', Type: 'String', Value: first.getResult('version') } });
    }, 'TaskRollback');
    const stack = harness.stack(version(1));
    expect((await stack.create()).status).toBe('CREATE_COMPLETE');
    expect(summary(from)).toEqual(['First Create', 'Second Create']);
    expect(harness.aws.parameter('/e2e/task-version')?.value).toBe('v1');

    const updated = await stack.update(version(2));

    expect(updated.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(updated.failure?.logicalId).toBe('Second');
    expect(updated.failure?.reason).toContain('the command exited with code 3');
    expect(summary(from)).toEqual(['First Create', 'Second Create', 'First Update', 'Second Update']);
    const rollback = updated.exchanges.filter((e) => e.stackStatus.startsWith('UPDATE_ROLLBACK'));
    expect(rollback.map(line).sort()).toEqual([
      'Added Delete @UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS -> SUCCESS',
      'Cleanup Update @UPDATE_ROLLBACK_IN_PROGRESS -> SUCCESS',
      'First Update @UPDATE_ROLLBACK_IN_PROGRESS -> SUCCESS',
      'Second Update @UPDATE_ROLLBACK_IN_PROGRESS -> SUCCESS',
    ]);
    // The rollback did not run First, yet answered with its stored result: the attribute is still there.
    expect(stack.attribute('First', 'version')).toBe('v2');

    const fixed = await stack.update(version(3));
    expect(fixed.status).toBe('UPDATE_COMPLETE');
    expect(summary(from).slice(4)).toEqual(['First Update', 'Second Update']);
    expect(harness.aws.parameter('/e2e/task-version')?.value).toBe('v3');
    await stack.delete();
  });

  test('a secret result: a SecureString, answered with NoEcho on the run and on the rollback, in no log or waiter input of the provider', async () => {
    const secret = MINTED_TOKEN;
    const version = (n: number) => synth((stack) => {
      const vpc = base(stack, n === 2);
      const seed = task(stack, 'Seed', vpc, { secretResult: true, parameters: { mintToken: true } });
      if (n === 2) task(stack, 'Broken', vpc, { runAfter: [seed], parameters: { exitCode: 1 } });
      new CfnResource(stack, 'Reader', { type: 'AWS::SSM::Parameter', properties: { Name: '/e2e/task-token', Type: 'String', Value: seed.getResult('token') } });
    }, 'TaskSecretResult');
    const stack = harness.stack(version(1));
    const invocations = harness.lambda.invocations.length;
    const executions = harness.stepFunctions.executions.length;

    const created = await stack.create();
    expect(created.status).toBe('CREATE_COMPLETE');
    expect(created.exchangesOf('Seed', 'Create')[0].response?.NoEcho).toBe(true);
    expect(harness.aws.parameter('/e2e/task-token')?.value).toBe(secret);
    const stored = harness.aws.parameterNames().filter((name) => name.startsWith('/cdk-deployment-script/TaskSecretResult/')).map((name) => harness.aws.parameter(name)!);
    expect(stored.map((p) => p.type)).toEqual(['SecureString']);

    // A failed update's rollback does not run Seed: it answers with the stored result, read again by isComplete.
    const updated = await stack.update(version(2));
    expect(updated.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    const [rollback] = updated.exchangesOf('Seed', 'Update').filter((e) => e.stackStatus === 'UPDATE_ROLLBACK_IN_PROGRESS');
    expect(rollback.response).toMatchObject({ Status: 'SUCCESS', NoEcho: true, Data: { token: secret } });
    expect(stack.attribute('Seed', 'token')).toBe(secret);

    const providerLogs = harness.lambda.invocations.slice(invocations).filter((i) => i.logicalId?.startsWith('DeploymentTaskProvider'));
    expect(providerLogs.length).toBeGreaterThan(4);
    for (const invocation of providerLogs) expect(invocation.log).not.toContain(secret);
    for (const execution of harness.stepFunctions.executions.slice(executions)) expect(execution.input).not.toContain(secret);
    await stack.delete();
  });

  test.each([
    ['undone once, with the parameters of the run being undone', false],
    ['the rollback completes when the task that undoes the run fails', true],
  ])('undoOnRollback, a failed update: %s', async (_name, undoFails) => {
    const from = runs.length;
    const name = undoFails ? 'TaskUndoFails' : 'TaskUndo';
    const version = (n: number) => synth((stack) => {
      const vpc = base(stack, n === 2);
      const migrate = task(stack, 'Migrate', vpc, { undoOnRollback: true, parameters: { version: n, undoFails } });
      if (n === 2) task(stack, 'Smoke', vpc, { runAfter: [migrate], parameters: { exitCode: 1 } });
    }, name);
    const stack = harness.stack(version(1));
    expect((await stack.create()).status).toBe('CREATE_COMPLETE');

    const updated = await stack.update(version(2));

    expect(updated.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    const rollback = updated.exchangesOf('Migrate', 'Update').filter((e) => e.stackStatus === 'UPDATE_ROLLBACK_IN_PROGRESS');
    expect(rollback.map((e) => e.response?.Status)).toEqual(['SUCCESS']);
    const migrateRuns = runs.slice(from).filter((r) => r.task === 'Migrate');
    expect(migrateRuns.map((r) => [r.requestType, r.parameters.version, r.rollback])).toEqual([
      ['Create', 1, false],
      ['Update', 2, false],
      ['Update', 2, true],
    ]);
    if (undoFails) {
      const runtimeLog = harness.lambda.invocations.filter((i) => i.logicalId?.startsWith('DeploymentTaskProviderIsComplete')).map((i) => i.log).join('\n');
      expect(runtimeLog).toContain('the task that undoes its run failed, and the rollback goes on');
    }
    await stack.delete();
    expect(runs.slice(from).filter((r) => r.rollback)).toHaveLength(1);
  });

  test('tasks removed from the template are deleted without running', async () => {
    const from = runs.length;
    const version = (n: number) => synth((stack) => {
      const vpc = base(stack);
      task(stack, 'Kept', vpc);
      if (n === 1) {
        task(stack, 'Deploy', vpc);
        task(stack, 'Cleanup', vpc, { trigger: BEFORE });
      }
    }, 'TaskRemoval');
    const stack = harness.stack(version(1));
    expect((await stack.create()).status).toBe('CREATE_COMPLETE');

    const updated = await stack.update(version(2));

    expect(updated.status).toBe('UPDATE_COMPLETE');
    expect(requests(updated).sort()).toEqual([
      'Cleanup Delete @UPDATE_COMPLETE_CLEANUP_IN_PROGRESS -> SUCCESS',
      'Deploy Delete @UPDATE_COMPLETE_CLEANUP_IN_PROGRESS -> SUCCESS',
      'Kept Update @UPDATE_IN_PROGRESS -> SUCCESS',
    ]);
    expect(summary(from).sort()).toEqual(['Deploy Create', 'Kept Create', 'Kept Update']);
    await stack.delete();
  });

  test('a failed create rolls back without running any task, BEFORE_DELETE included', async () => {
    const from = runs.length;
    const stack = harness.stack(synth((stack) => {
      const vpc = base(stack);
      task(stack, 'Cleanup', vpc, { trigger: BEFORE });
      const setup = task(stack, 'Setup', vpc);
      task(stack, 'Broken', vpc, { runAfter: [setup], parameters: { exitCode: 1 } });
    }, 'TaskFailedCreate'));

    const created = await stack.create();

    expect(created.status).toBe('ROLLBACK_COMPLETE');
    expect(requests(created)).toEqual([
      'Cleanup Create @CREATE_IN_PROGRESS -> SUCCESS',
      'Setup Create @CREATE_IN_PROGRESS -> SUCCESS',
      'Broken Create @CREATE_IN_PROGRESS -> FAILED',
      'Broken Delete @ROLLBACK_IN_PROGRESS -> SUCCESS',
      'Setup Delete @ROLLBACK_IN_PROGRESS -> SUCCESS',
      'Cleanup Delete @ROLLBACK_IN_PROGRESS -> SUCCESS',
    ]);
    expect(summary(from)).toEqual(['Setup Create', 'Broken Create']);
  });

  test('a failing BEFORE_DELETE task is logged and the deletion goes on', async () => {
    const from = runs.length;
    const stack = harness.stack(synth((stack) => {
      const vpc = base(stack);
      task(stack, 'Cleanup', vpc, { trigger: BEFORE, parameters: { exitCode: 2, log: ['the third party is down'] } });
    }, 'TaskFailingCleanup'));
    expect((await stack.create()).status).toBe('CREATE_COMPLETE');

    const deleted = await stack.delete();

    expect(deleted.status).toBe('DELETE_COMPLETE');
    expect(summary(from)).toEqual(['Cleanup Delete']);
    expect(requests(deleted)).toEqual(['Cleanup Delete @DELETE_IN_PROGRESS -> SUCCESS']);
    const runtimeLog = harness.lambda.invocations.filter((i) => i.logicalId?.startsWith('DeploymentTaskProviderIsComplete')).at(-1)!.log;
    expect(runtimeLog).toContain('the command exited with code 2');
    expect(runtimeLog).toContain('this failure does not stop the deletion');
  });
});

describe('failures, as cdk deploy shows them', () => {
  test('a non-zero exit code fails the deployment with the code and the log\'s last lines', async () => {
    const reason = failedCreate(await harness.stack(synth((stack) => {
      task(stack, 'Migrate', base(stack), { parameters: { exitCode: 1, log: ['Migrating: 2024_05_03_add_orders', 'SQLSTATE[42P07]: relation "orders" already exists'] } });
    }, 'TaskExitCode')).create(), 'Migrate');

    expect(reason).toMatch(/^Deployment task Migrate failed: the command exited with code 1\.\nLast log lines:\n/);
    expect(reason).toContain('SQLSTATE[42P07]: relation "orders" already exists');
    expect(reason).toMatch(/Full log: \S+ Migrate\/task\/[0-9a-f]{32}/);
  });

  test('an image that cannot be pulled fails with ECS\'s reason and what to do', async () => {
    const reason = failedCreate(await harness.stack(synth((stack) => {
      task(stack, 'Migrate', base(stack), { image: MISSING_IMAGE });
    }, 'TaskNoImage')).create(), 'Migrate');

    expect(reason).toContain('the task failed to start (TaskFailedToStart): CannotPullContainerError');
    expect(reason).toContain(MISSING_IMAGE);
    expect(reason).toContain('a route to ECR');
  });

  test('a task past its timeout is stopped with StopTask, and the reason says it timed out', async () => {
    const stops = harness.aws.ecs.callsOf('StopTask').length;
    const result = await harness.stack(synth((stack) => {
      task(stack, 'Migrate', base(stack), { timeout: Duration.minutes(2), parameters: { runSeconds: 3600, log: ['still migrating'] } });
    }, 'TaskTimeout')).create();
    const reason = failedCreate(result, 'Migrate');

    expect(reason).toMatch(/^Deployment task Migrate failed: timed out after 120 seconds \(its timeout\): the provider stopped the task\./);
    expect(reason).toContain('still migrating');
    const stopped = harness.aws.ecs.callsOf('StopTask').slice(stops);
    expect(stopped).toHaveLength(1);
    expect(stopped[0].input.reason).toContain('ran into its timeout');
    // Stopped once its two minutes had passed on the waiter's clock, not before.
    const waiter = harness.stepFunctions.executions.find((e) => e.name === result.exchangesOf('Migrate', 'Create')[0].request.RequestId)!;
    expect(waiter.waitedMs).toBeGreaterThanOrEqual(120_000);
  });

  test('the reason stays under 4096 bytes with a huge log of colours and multi-byte characters', async () => {
    const reason = failedCreate(await harness.stack(synth((stack) => {
      task(stack, 'Migrate', base(stack), { parameters: { exitCode: 1, hugeLog: true } });
    }, 'TaskHugeLog')).create(), 'Migrate');

    expect(reason).toContain('the command exited with code 1');
    expect(reason).toContain('line 1999');
  });
});

test('a task\'s result is readable with getResult by another resource', async () => {
  const stack = harness.stack(synth((stack) => {
    const seed = task(stack, 'Seed', base(stack), { parameters: { result: { tenantId: 'acme-42', plan: { seats: 5 } } } });
    new CfnResource(stack, 'Tenant', { type: 'AWS::SSM::Parameter', properties: { Name: '/e2e/tenant', Type: 'String', Value: seed.getResult('tenantId') } });
    new CfnResource(stack, 'Plan', { type: 'AWS::SSM::Parameter', properties: { Name: '/e2e/plan', Type: 'String', Value: seed.getResult('plan') } });
  }, 'TaskResult'));

  expect((await stack.create()).status).toBe('CREATE_COMPLETE');

  expect(harness.aws.parameter('/e2e/tenant')?.value).toBe('acme-42');
  expect(harness.aws.parameter('/e2e/plan')?.value).toBe('{"seats":5}');
  expect((await stack.delete()).status).toBe('DELETE_COMPLETE');
  // The stored result is forgotten with the resource.
  expect(harness.aws.parameterNames().filter((name) => name.startsWith('/cdk-deployment-script/TaskResult/'))).toEqual([]);
});
