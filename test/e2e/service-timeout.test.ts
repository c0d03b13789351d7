/**
 * No hour-long hang (README, Limits): every script's and task's custom resource carries CloudFormation's
 * `ServiceTimeout`, the run's own `timeout` plus the margin the README gives, and a provider that never answers fails
 * the resource when that time is up, and the stack rolls back. The harness plays CloudFormation's wait from the
 * `ServiceTimeout` it reads in the template (cloudformation.ts, `awaitAnswer`): the provider's function (aws-cdk-lib's
 * Provider framework, the custom resource's service token) is killed as it starts, or hangs, on every invocation.
 *
 * A killed function ends at once, so the rest of the wait passes on the harness's clock; a hung one is waited for in
 * real time, scaled (`serviceTimeoutScale`): so each row runs in seconds, with the template's own figure.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CfnResource, Duration, type Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { DeploymentScript, DeploymentTask, ScriptTrigger } from '../../lib';
import type { Harness, OperationResult } from './harness';
import { checkTaskRuntimeBundle, RECORDER_DIR, ROOT, startHarness, synth } from './support';

jest.setTimeout(180_000);

/** The margins the README's limits give: "the script's `timeout` plus 2 minutes", "the task's `timeout` plus 5 minutes". */
function readmeMarginSeconds(noun: 'script' | 'task'): number {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const limits = readme.slice(readme.indexOf('\n## Limits'));
  const minutes = new RegExp(`${noun}'s\\s+\`timeout\`\\s+plus\\s+(\\d+)\\s+minutes`).exec(limits)?.[1];
  if (minutes === undefined) throw new Error(`the README's limits no longer say what a ${noun}'s ServiceTimeout adds to its timeout`);
  return Number(minutes) * 60;
}

const KINDS = {
  script: {
    type: 'Custom::DeploymentScript',
    timeoutSeconds: 120,
    build: (stack: Stack) => new DeploymentScript(stack, 'Run', {
      trigger: ScriptTrigger.AFTER_DEPLOY,
      code: lambda.Code.fromAsset(RECORDER_DIR),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      timeout: Duration.minutes(2),
    }),
  },
  task: {
    type: 'Custom::DeploymentTask',
    timeoutSeconds: 60,
    build: (stack: Stack) => new DeploymentTask(stack, 'Run', {
      trigger: ScriptTrigger.AFTER_DEPLOY,
      vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 1, restrictDefaultSecurityGroup: false }),
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:latest'),
      timeout: Duration.minutes(1),
    }),
  },
} as const;
type Kind = keyof typeof KINDS;

/** Real milliseconds per second of ServiceTimeout in the rows whose provider hangs: 240 s pass in 2.4 s. */
const SCALE = 10;

let harness: Harness;
let containerRuns = 0;

beforeAll(async () => {
  checkTaskRuntimeBundle();
  harness = await startHarness();
  harness.containers(() => {
    containerRuns++;
    return { runningPolls: 0, stop: { exitCode: 0 } };
  });
}, 15 * 60_000); // another e2e file may hold port 443 until it ends
afterAll(async () => {
  await harness?.close();
});

function app(kind: Kind, options: { withoutServiceTimeout?: boolean } = {}): CloudAssembly {
  return synth((stack) => {
    KINDS[kind].build(stack);
    if (options.withoutServiceTimeout) {
      const resource = stack.node.findAll().find((c): c is CfnResource => c instanceof CfnResource && c.cfnResourceType === KINDS[kind].type)!;
      resource.addPropertyDeletionOverride('ServiceTimeout');
    }
  }, `Timeout${kind}${options.withoutServiceTimeout ? 'Unset' : ''}`);
}

/** The custom resource's logical id, its ServiceTimeout as the template has it, and its service token's function. */
function customResource(assembly: CloudAssembly, kind: Kind): { logicalId: string; serviceTimeout: unknown; serviceFunction: string } {
  const template = assembly.stacks[0].template;
  const [logicalId, resource] = Object.entries<any>(template.Resources).find(([, r]) => r.Type === KINDS[kind].type)!;
  return { logicalId, serviceTimeout: resource.Properties.ServiceTimeout, serviceFunction: resource.Properties.ServiceToken['Fn::GetAtt'][0] };
}

/**
 * Deploys the app with its provider's function (the service token) broken on every invocation from its creation on:
 * `fault` as the harness's Lambda plays it. Returns the operation and the real time it took.
 */
async function createWithBrokenProvider(assembly: CloudAssembly, kind: Kind, fault: 'kill' | 'hang') {
  const { serviceFunction } = customResource(assembly, kind);
  let functionName: string | undefined;
  harness.onResource = (event) => {
    if (event.type === 'AWS::Lambda::Function' && event.logicalId === serviceFunction && event.action === 'Create') {
      functionName = event.physicalId;
      harness.lambda[fault](functionName);
    }
  };
  const stack = harness.stack(assembly);
  const started = Date.now();
  try {
    const created = await stack.create();
    return { stack, created, realMs: Date.now() - started, functionName: functionName! };
  } finally {
    harness.onResource = undefined;
  }
}

function eventsOf(result: OperationResult, logicalId: string): string[] {
  return result.events.filter((e) => e.logicalId === logicalId).map((e) => `${e.status} (${e.stackStatus})`);
}

describe.each(['script', 'task'] as const)('a %s whose provider never answers', (kind) => {
  const expectedSeconds = KINDS[kind].timeoutSeconds + readmeMarginSeconds(kind);

  test(`the template's ServiceTimeout is the ${kind}'s timeout plus the README's margin`, () => {
    // aws-cdk-lib's CustomResource writes it as a string, which CloudFormation takes for its integer.
    expect(customResource(app(kind), kind).serviceTimeout).toBe(String(expectedSeconds));
  });

  test.each(['kill', 'hang'] as const)('provider function %s: the resource fails at its ServiceTimeout and the stack rolls back', async (fault) => {
    harness.serviceTimeoutScale = fault === 'hang' ? SCALE : undefined;
    const assembly = app(kind);
    const { logicalId } = customResource(assembly, kind);
    const invocationsBefore = harness.lambda.invocations.length;
    const runsBefore = containerRuns;
    const { stack, created, realMs, functionName } = await createWithBrokenProvider(assembly, kind, fault);

    expect(created.status).toBe('ROLLBACK_FAILED');
    const [create, rollbackDelete] = created.exchangesOf(logicalId);
    expect(create.requestType).toBe('Create');
    expect(create.timedOutAfterSeconds).toBe(expectedSeconds);
    expect(create.response).toBeUndefined();
    expect(created.failure).toEqual({
      logicalId,
      reason: `CloudFormation did not receive a response from your Custom Resource. Please check your logs for requestId [${create.request.RequestId}]. If you are using the Python cfn-response module, you may need to update your Lambda function code so that CloudFormation can attach the updated version.`,
    });
    // On CloudFormation's time: the failure comes as long after the request as the ServiceTimeout, not sooner or later.
    const [inProgress, failed] = created.events.filter((e) => e.logicalId === logicalId);
    expect(failed.status).toBe('CREATE_FAILED');
    expect(failed.timestamp! - inProgress.timestamp!).toBeGreaterThanOrEqual(expectedSeconds * 1000);
    expect(failed.timestamp! - inProgress.timestamp!).toBeLessThan((expectedSeconds + 60) * 1000);
    if (fault === 'hang') {
      // The hung function was waited for in (scaled) real time: the Create's and the Delete's waits.
      expect(realMs).toBeGreaterThanOrEqual(2 * expectedSeconds * SCALE);
    }

    // The rollback deletes the resource under the physical id CloudFormation made up; that request finds the
    // provider as broken, and fails in turn.
    expect(rollbackDelete.requestType).toBe('Delete');
    expect(rollbackDelete.request.PhysicalResourceId).toMatch(new RegExp(`^Timeout${kind}-${logicalId}-[0-9A-Z]{12}$`));
    expect(rollbackDelete.timedOutAfterSeconds).toBe(expectedSeconds);
    expect(eventsOf(created, logicalId)).toEqual([
      'CREATE_IN_PROGRESS (CREATE_IN_PROGRESS)',
      'CREATE_FAILED (CREATE_IN_PROGRESS)',
      'DELETE_IN_PROGRESS (ROLLBACK_IN_PROGRESS)',
      'DELETE_FAILED (ROLLBACK_IN_PROGRESS)',
    ]);

    // Nothing past the provider's function ran: neither the runtime nor the script or container.
    const invoked = harness.lambda.invocations.slice(invocationsBefore);
    expect(invoked.map((i) => i.functionName)).toEqual([functionName, functionName]);
    expect(invoked.map((i) => (fault === 'kill' ? i.errorType() : i.timedOut))).toEqual(fault === 'kill' ? ['Runtime.ExitError', 'Runtime.ExitError'] : [false, false]);
    expect(containerRuns).toBe(runsBefore);

    // Once the provider answers again, the stack can be deleted: the Delete carries the made-up id and succeeds.
    harness.lambda.revive(functionName);
    harness.serviceTimeoutScale = undefined;
    const deleted = await stack.delete();
    expect(deleted.status).toBe('DELETE_COMPLETE');
    expect(deleted.exchangesOf(logicalId)[0].response?.Status).toBe('SUCCESS');
  });
});

test('a template without ServiceTimeout: CloudFormation waits its hour', async () => {
  const assembly = app('script', { withoutServiceTimeout: true });
  expect(customResource(assembly, 'script').serviceTimeout).toBeUndefined();
  const { stack, created, functionName } = await createWithBrokenProvider(assembly, 'script', 'kill');
  const [create] = created.exchangesOf(customResource(assembly, 'script').logicalId);
  expect(create.timedOutAfterSeconds).toBe(3600);
  harness.lambda.revive(functionName);
  expect((await stack.delete()).status).toBe('DELETE_COMPLETE');
});
