/**
 * `retry`: what the constructs write for the runtime, how it bounds the custom resource's ServiceTimeout, and the
 * settings refused at synth. What the runtime does with it: test/runtime/retry.test.ts and test/e2e/retry.test.ts.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { IConstruct } from 'constructs';
import {
  PROP_RETRY_ATTEMPTS, PROP_RETRY_BACKOFF_SECONDS, PROP_TIMEOUT_SECONDS, RESOURCE_TYPE, TASK_RESOURCE_TYPE,
} from '../lambda-runtime/shared/consts';
import { DeploymentScript, DeploymentScriptProps, DeploymentTask, DeploymentTaskProps, ScriptTrigger } from '../lib';
import { ECHO_SCRIPT, newStack } from './support/template';

const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:latest');

const script = (scope: IConstruct, props: Partial<DeploymentScriptProps> = {}, id = 'Script') =>
  new DeploymentScript(scope as any, id, { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, ...props } as DeploymentScriptProps);
const task = (scope: IConstruct, vpc: ec2.IVpc, props: Partial<DeploymentTaskProps> = {}, id = 'Task'): DeploymentTask =>
  new DeploymentTask(scope as any, id, { trigger: ScriptTrigger.AFTER_DEPLOY, image: IMAGE, vpc, ...props } as DeploymentTaskProps);

/** Every construct of the app: what a caller who catches an error synthesizes. */
function treeOf(root: IConstruct): string[] {
  return root.node.findAll().map((c) => c.node.path).sort();
}

function rejectsCleanly(app: App, create: () => unknown, message: string | RegExp): void {
  const before = treeOf(app);
  expect(create).toThrow(message);
  expect(treeOf(app)).toEqual(before);
}

/** Each deployment script's custom resource, by logical id: [its properties' names, ServiceTimeout, retry properties]. */
function resources(stack: Stack) {
  const all = Template.fromStack(stack).toJSON().Resources as Record<string, any>;
  return Object.values(all)
    .filter((r) => r.Type === RESOURCE_TYPE || r.Type === TASK_RESOURCE_TYPE)
    .map((r) => r.Properties);
}

describe('GIVEN retry WHEN synthesized THEN the custom resource carries it, and only then', () => {
  test('attempts and the back-off in seconds follow the timeout; a script without retry has neither', () => {
    const { stack } = newStack();
    script(stack, { retry: { attempts: 3, backoff: Duration.seconds(5) } }, 'Retried');
    script(stack, {}, 'Once');
    const [retried, once] = resources(stack);
    const keys = Object.keys(retried);
    expect(keys.slice(keys.indexOf(PROP_TIMEOUT_SECONDS), keys.indexOf(PROP_TIMEOUT_SECONDS) + 3))
      .toEqual([PROP_TIMEOUT_SECONDS, PROP_RETRY_ATTEMPTS, PROP_RETRY_BACKOFF_SECONDS]);
    expect([retried[PROP_RETRY_ATTEMPTS], retried[PROP_RETRY_BACKOFF_SECONDS]]).toEqual(['3', '5']);
    expect(once).not.toHaveProperty(PROP_RETRY_ATTEMPTS);
    expect(once).not.toHaveProperty(PROP_RETRY_BACKOFF_SECONDS);
  });

  test('the back-off is 10 seconds unless given', () => {
    const { stack } = newStack();
    script(stack, { retry: { attempts: 2 } });
    expect(resources(stack).map((p) => [p[PROP_RETRY_ATTEMPTS], p[PROP_RETRY_BACKOFF_SECONDS]])).toEqual([['2', '10']]);
  });
});

describe('ServiceTimeout counts every attempt and wait, as far as the provider\'s time allows', () => {
  test.each<[string, Partial<DeploymentScriptProps>, string]>([
    // 60 + 10 + 60 + 20 + 60, and the 2 minutes around a script
    ['3 attempts of a minute, 10 s back-off', { timeout: Duration.minutes(1), retry: { attempts: 3 } }, '330'],
    // 5 × 5 minutes cannot run in the runtime's 14 minutes 50 seconds: bounded by them
    ['more attempts than the provider\'s time holds', { timeout: Duration.minutes(5), retry: { attempts: 5 } }, String(890 + 120)],
  ])('a script: %s', (_name, props, expected) => {
    const { stack } = newStack();
    script(stack, props);
    expect(resources(stack)[0].ServiceTimeout).toBe(expected);
  });

  test.each<[string, Partial<DeploymentTaskProps>, string]>([
    // 600 + 10 + 600 + 20 + 600, a minute for each later attempt (seeing the last stop, starting the next), and the
    // 5 minutes around a task
    ['3 attempts of 10 minutes, 10 s back-off', { timeout: Duration.minutes(10), retry: { attempts: 3 } }, String(1830 + 120 + 300)],
    // bounded by the 55 minutes all attempts may take, and CloudFormation's hour
    ['more attempts than the 55 minutes hold', { timeout: Duration.minutes(20), retry: { attempts: 5 } }, '3600'],
  ])('a task: %s', (_name, props, expected) => {
    const { stack } = newStack();
    task(stack, new ec2.Vpc(stack, 'Vpc'), props);
    expect(resources(stack)[0].ServiceTimeout).toBe(expected);
  });

  test('a serviceTimeout given must hold the attempts too', () => {
    const { app, stack } = newStack();
    rejectsCleanly(app, () => script(stack, { timeout: Duration.minutes(2), serviceTimeout: Duration.minutes(5), retry: { attempts: 3, backoff: Duration.seconds(30) } }),
      "DeploymentScript Stack/Script: 'serviceTimeout' is 5 minutes, less than the time its 3 attempts may take (7 minutes 30 seconds) plus the 2 minutes its provider needs around it");
  });
});

describe('bad retry settings are rejected at construction, naming the prop, the value and the fix, leaving nothing behind', () => {
  test.each<[string, Partial<DeploymentScriptProps>, string]>([
    ['one attempt is no retry', { retry: { attempts: 1 } },
      "DeploymentScript Stack/Script: 'retry.attempts' is 1. It counts every run of the script, the first included, and must be known at synth: give a whole number, 2 or more (e.g. retry: { attempts: 3 }), or leave 'retry' out for no retries."],
    ['zero attempts', { retry: { attempts: 0 } }, "'retry.attempts' is 0. It counts every run of the script"],
    ['negative attempts', { retry: { attempts: -2 } }, "'retry.attempts' is -2."],
    ['a fraction of an attempt', { retry: { attempts: 2.5 } }, "'retry.attempts' is 2.5."],
    ['a back-off in fractions of a second', { retry: { attempts: 2, backoff: Duration.millis(1500) } },
      "DeploymentScript Stack/Script: 'retry.backoff' is 1 second 500 millis: the wait between attempts is a whole number of seconds. Give e.g. Duration.seconds(10)."],
    ['a back-off that leaves no room for a second attempt', { timeout: Duration.minutes(14), retry: { attempts: 2, backoff: Duration.minutes(1) } },
      "DeploymentScript Stack/Script: 'retry.backoff' is 1 minute: after it, a second attempt, which may run for the script's timeout (14 minutes), can never end within the 14 minutes 50 seconds that all the attempts of a DeploymentScript may take, so it would never start. Lower 'retry.backoff' or 'timeout'."],
  ])('a script: %s', (_name, props, message) => {
    const { app, stack } = newStack();
    rejectsCleanly(app, () => script(stack, props), message);
  });

  test('accepted: attempts whose timeouts add up to more than the provider\'s time (a transient failure fails fast)', () => {
    const { stack } = newStack();
    expect(() => script(stack, { timeout: Duration.minutes(10), retry: { attempts: 3 } })).not.toThrow();
  });
});
