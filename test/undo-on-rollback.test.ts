/**
 * `undoOnRollback`: what the constructs write for the runtime, and the settings refused at synth. What the runtime does
 * with it: test/runtime/undo.test.ts and test/e2e/undo.test.ts.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { IConstruct } from 'constructs';
import { PROP_RETRY_BACKOFF_SECONDS, PROP_RUN_TOKEN, PROP_TIMEOUT_SECONDS, PROP_UNDO_ON_ROLLBACK, RESOURCE_TYPE, TASK_RESOURCE_TYPE } from '../lambda-runtime/shared/consts';
import { DeploymentScript, DeploymentScriptProps, DeploymentTask, DeploymentTaskProps, ScriptTrigger } from '../lib';
import { ECHO_SCRIPT, newStack } from './support/template';

const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:latest');

const script = (scope: IConstruct, props: Partial<DeploymentScriptProps> = {}, id = 'Script') =>
  new DeploymentScript(scope as any, id, { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, ...props } as DeploymentScriptProps);

/** Every construct of the app: what a caller who catches an error synthesizes. */
function treeOf(root: IConstruct): string[] {
  return root.node.findAll().map((c) => c.node.path).sort();
}

function rejectsCleanly(app: App, create: () => unknown, message: string): void {
  const before = treeOf(app);
  expect(create).toThrow(message);
  expect(treeOf(app)).toEqual(before);
}

/** The properties of the stack's deployment script resources, in the template's order. */
function scriptProperties(stack: Stack): Array<Record<string, unknown>> {
  return Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, any>)
    .filter((r) => r.Type === RESOURCE_TYPE)
    .map((r) => r.Properties);
}

describe('undoOnRollback', () => {
  test('writes UndoOnRollback "true", after the shared properties, only on the script that asks', () => {
    // GIVEN
    const { stack } = newStack();

    // WHEN
    script(stack, { undoOnRollback: true, retry: { attempts: 2 } }, 'Migrate');
    script(stack, {}, 'Seed');
    script(stack, { undoOnRollback: false }, 'Smoke');

    // THEN
    const [migrate, seed, smoke] = scriptProperties(stack);
    expect(migrate[PROP_UNDO_ON_ROLLBACK]).toBe('true');
    expect(Object.keys(migrate).slice(-3)).toEqual([PROP_RETRY_BACKOFF_SECONDS, PROP_UNDO_ON_ROLLBACK, PROP_RUN_TOKEN]);
    // The templates of scripts that do not ask stay as they were: false writes nothing either.
    expect(Object.keys(seed)).not.toContain(PROP_UNDO_ON_ROLLBACK);
    expect(Object.keys(smoke)).not.toContain(PROP_UNDO_ON_ROLLBACK);
    expect(Object.keys(smoke).slice(-2)).toEqual([PROP_TIMEOUT_SECONDS, PROP_RUN_TOKEN]);
  });

  test('false writes what leaving it out writes: the template of a script that does not ask stays as it was', () => {
    const { stack: without } = newStack();
    script(without);
    const { stack: withFalse } = newStack();
    script(withFalse, { undoOnRollback: false });
    expect(Template.fromStack(withFalse).toJSON()).toEqual(Template.fromStack(without).toJSON());
  });

  test('on a BEFORE_DELETE script: rejected, naming the prop, the value and the fix, leaving nothing behind', () => {
    const { app, stack } = newStack();
    rejectsCleanly(app, () => script(stack, { trigger: ScriptTrigger.BEFORE_DELETE, undoOnRollback: true }),
      "DeploymentScript Stack/Script: 'undoOnRollback' is true on a BEFORE_DELETE script, which runs only when the stack is deleted, and a deletion "
      + "does not roll back. Remove 'undoOnRollback', or make it an AFTER_DEPLOY script to undo its run when its deployment rolls back.");
    // false says nothing, and is accepted.
    script(stack, { trigger: ScriptTrigger.BEFORE_DELETE, undoOnRollback: false });
  });

  test('a value that is not a boolean (from an untyped language): rejected, leaving nothing behind', () => {
    const { app, stack } = newStack();
    rejectsCleanly(app, () => script(stack, { undoOnRollback: 'yes' as any }),
      "DeploymentScript Stack/Script: 'undoOnRollback' is \"yes\". Give true or false, known at synth.");
  });

  test('a DeploymentTask takes it: UndoOnRollback on its custom resource', () => {
    const { stack } = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc');
    new DeploymentTask(stack, 'Task', { trigger: ScriptTrigger.AFTER_DEPLOY, image: IMAGE, vpc, undoOnRollback: true } as DeploymentTaskProps);
    Template.fromStack(stack).hasResourceProperties(TASK_RESOURCE_TYPE, { [PROP_UNDO_ON_ROLLBACK]: 'true' });
  });
});
