/**
 * Retries of container tasks (`retry`), end to end: CloudFormation's requests (from the harness) go to aws-cdk-lib's
 * asynchronous Provider framework as shipped; its waiter (the state machine of the template, played by the harness)
 * asks the bundled task runtime's isComplete every 10 seconds, with the same input each time. The runtime finds the
 * attempts again at each poll and starts the next one when the back-off has passed (ECS on loopback: test/support/
 * fake-ecs.ts, the container simulated below). The waits pass at once on the harness's clock.
 */
import { CfnResource, Duration, type Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { DeploymentTask, type DeploymentTaskProps, ScriptTrigger } from '../../lib';
import type { ContainerRun, TaskPlan } from '../support/fake-ecs';
import type { Harness, OperationResult } from './harness';
import { checkTaskRuntimeBundle, startHarness, synth } from './support';

jest.setTimeout(180_000);

let harness: Harness;
/** The runs of each task, by logical id: the attempt each was, and when it started (on the harness's clock). */
const runs = new Map<string, number[]>();

/**
 * The simulated container: fails (exit code 1) as many times as its parameters' `failures` say, counting the runs of
 * its task, then succeeds with the result `{"attempt": n}`; `runSeconds` before it stops.
 */
function container(run: ContainerRun): TaskPlan {
  const env = run.environment;
  const parameters = JSON.parse(env.DEPLOYMENT_SCRIPT_PARAMETERS ?? '{}');
  const id = env.DEPLOYMENT_SCRIPT_LOGICAL_RESOURCE_ID;
  const starts = runs.get(id) ?? [];
  starts.push(harness.lambda.clock.now());
  runs.set(id, starts);
  const attempt = starts.length;
  const fails = attempt <= (parameters.failures ?? 0);
  return {
    runningPolls: 1,
    runningSeconds: parameters.runSeconds ?? 20,
    stop: { exitCode: fails ? 1 : 0 },
    log: [`attempt ${attempt}`, ...(fails ? [`connection refused (attempt ${attempt})`] : [`DEPLOYMENT_SCRIPT_RESULT {"attempt":${attempt}}`])],
  };
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

function task(stack: Stack, id: string, props: Partial<Omit<DeploymentTaskProps, 'image'>> = {}): DeploymentTask {
  const vpc = new ec2.Vpc(stack, `${id}Vpc`, { maxAzs: 1, natGateways: 1, restrictDefaultSecurityGroup: false });
  return new DeploymentTask(stack, id, {
    trigger: ScriptTrigger.AFTER_DEPLOY, vpc, ...props, image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/php:8.3-cli'),
  });
}

/** The reason of a task's failed Create, as CloudFormation received it. */
function failedCreate(result: OperationResult, logicalId: string): string {
  expect(result.status).toBe('ROLLBACK_COMPLETE');
  expect(result.failure?.logicalId).toBe(logicalId);
  const [exchange] = result.exchangesOf(logicalId, 'Create');
  expect(exchange.response?.Status).toBe('FAILED');
  expect(exchange.bytes).toBeLessThan(4096);
  if (process.env.E2E_PRINT) console.log(exchange.bytes, exchange.response!.Reason);
  return exchange.response!.Reason!;
}

test('fails twice, then succeeds with three attempts: the deployment succeeds, with the third attempt\'s result', async () => {
  const stack = harness.stack(synth((s) => {
    const migrate = task(s, 'Migrate', { parameters: { failures: 2 }, retry: { attempts: 3, backoff: Duration.seconds(30) } });
    new CfnResource(s, 'Attempt', { type: 'AWS::SSM::Parameter', properties: { Name: '/e2e/task-attempt', Type: 'String', Value: migrate.getResult('attempt') } });
  }, 'TaskRetrySucceeds'));
  const created = await stack.create();

  expect(created.status).toBe('CREATE_COMPLETE');
  const starts = runs.get('Migrate')!;
  expect(starts).toHaveLength(3);
  // Each attempt after the back-off (30 s, then 60 s) from the stop of the one before (20 s after its start).
  expect(starts[1] - starts[0]).toBeGreaterThanOrEqual(20_000 + 30_000);
  expect(starts[2] - starts[1]).toBeGreaterThanOrEqual(20_000 + 60_000);
  expect(stack.attribute('Migrate', 'attempt')).toBe('3');
  expect(harness.aws.parameter('/e2e/task-attempt')?.value).toBe('3');
  // One answer to CloudFormation, from one waiter.
  expect(created.exchangesOf('Migrate', 'Create')).toHaveLength(1);
});

test('always fails: the deployment fails, the reason naming the attempts and holding the last error', async () => {
  const reason = failedCreate(await harness.stack(synth((s) => {
    task(s, 'Flaky', { parameters: { failures: 99 }, retry: { attempts: 3, backoff: Duration.seconds(5) } });
  }, 'TaskRetryFails')).create(), 'Flaky');

  expect(runs.get('Flaky')).toHaveLength(3);
  expect(reason).toMatch(/^Deployment task Flaky failed after 3 attempts: the command exited with code 1\.\nLast log lines:\nattempt 3\nconnection refused \(attempt 3\)\nFull log: /);
});

test('a retry that would not fit in the time left is not started, and the reason says so', async () => {
  const reason = failedCreate(await harness.stack(synth((s) => {
    // 50-minute attempts: the first fails after 6 minutes, and a second could not end within the 55.
    task(s, 'Slow', { timeout: Duration.minutes(50), parameters: { failures: 99, runSeconds: 6 * 60 }, retry: { attempts: 3 } });
  }, 'TaskRetryNoRoom')).create(), 'Slow');

  expect(runs.get('Slow')).toHaveLength(1);
  expect(reason).toMatch(/^Deployment task Slow failed after 1 of 3 attempts \(attempt 2 was not started: a 10 s wait and its 3000 s timeout do not fit in the 2\d\d\d s left\): the command exited with code 1\.\n/);
});

test('the first RunTask is refused for capacity: attempt 1 counts as failed, and the deployment succeeds with attempt 2', async () => {
  harness.aws.ecs.refuseRunTask('Capacity is unavailable at this time. Please try again later or in a different availability zone', 1);
  try {
    const stack = harness.stack(synth((s) => {
      task(s, 'Placed', { retry: { attempts: 2, backoff: Duration.seconds(20) } });
    }, 'TaskRetryRefused'));
    const created = await stack.create();

    expect(created.status).toBe('CREATE_COMPLETE');
    // Only attempt 2 ran, with its own client token; the container counts its own runs.
    expect(runs.get('Placed')).toHaveLength(1);
    expect(stack.attribute('Placed', 'attempt')).toBe('1');
    const tokens = harness.aws.ecs.callsOf('RunTask').filter((call) => call.input.overrides?.containerOverrides?.[0]?.environment
      ?.some((v: { name: string; value: string }) => v.name === 'DEPLOYMENT_SCRIPT_LOGICAL_RESOURCE_ID' && v.value === 'Placed'))
      .map((call) => call.input.clientToken);
    expect(new Set(tokens).size).toBe(2);
    expect(tokens[tokens.length - 1]).toMatch(/-2$/);
    expect(created.exchangesOf('Placed', 'Create')).toHaveLength(1);
  } finally {
    harness.aws.ecs.refuseRunTask(undefined);
  }
});
