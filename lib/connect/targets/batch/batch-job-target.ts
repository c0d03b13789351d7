import { ArnFormat } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { AccessLevel } from '../../access-level';
import { futurePath } from '../../core/future-path';
import { allow, arnBeside } from '../../core/iam';
import { LIBRARY_TARGET, provideBinding } from '../../core/provided-binding';
import { stateMachineStatements } from '../stepfunctions/state-machine';

/** On the job definition and the queue: IAM checks `SubmitJob` against both. */
const SUBMIT_ACTIONS = ['batch:SubmitJob'];

/** On the jobs. */
const JOB_ACTIONS = ['batch:TerminateJob'];

/**
 * Properties of a `BatchJobTarget`.
 */
export interface BatchJobTargetProps {
  /** The job definition the script submits jobs of. */
  readonly jobDefinition: batch.IJobDefinition;

  /** The queue the script submits jobs to. */
  readonly jobQueue: batch.IJobQueue;

  /**
   * A state machine that runs the job (with its retries, timeouts and notifications): the script may start,
   * stop, list and describe its executions, and gets its ARN in `STATE_MACHINE_ARN`.
   *
   * @default - no state machine
   */
  readonly stateMachine?: sfn.IStateMachine;
}

/**
 * An AWS Batch job for a deployment script to run: list it in `connectTo`.
 *
 * The script may submit jobs of the definition to the queue and terminate them, and start, stop, list and
 * describe the executions of the state machine, if given. Variables: `JOB_DEFINITION_ARN`, `JOB_QUEUE_ARN`,
 * and `STATE_MACHINE_ARN` with a state machine.
 *
 * `batch:DescribeJobs` and `batch:ListJobs` accept only `Resource: "*"`, which this library never grants:
 * follow the job through the state machine's executions, or add them with `iamRoleStatements`. So a target with a
 * state machine can be read only (`AccessLevel.READ`): the script may list and describe its executions, and
 * submits nothing; one without has nothing to read, and takes `AccessLevel.READ_WRITE` only.
 */
export class BatchJobTarget extends Construct {
  constructor(scope: Construct, id: string, props: BatchJobTargetProps) {
    super(scope, validate(futurePath(scope, id), props) ?? id);
    const { jobDefinition, jobQueue, stateMachine } = props;
    provideBinding(this, LIBRARY_TARGET, (_script, access) => ({
      kind: 'Batch job',
      statements: access === AccessLevel.READ ? stateMachineStatements(stateMachine!, access) : [
        allow(SUBMIT_ACTIONS, [jobDefinition.jobDefinitionArn, jobQueue.jobQueueArn]),
        // Jobs get their ids when submitted; the job ARNs of the queue's account and region are as close as
        // IAM can scope it (TerminateJob takes no condition on the queue).
        allow(JOB_ACTIONS, [arnBeside(jobQueue, jobQueue.jobQueueArn, {
          service: 'batch',
          resource: 'job',
          resourceName: '*',
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        })]),
        ...stateMachine ? stateMachineStatements(stateMachine) : [],
      ],
      variables: {
        JOB_DEFINITION_ARN: jobDefinition.jobDefinitionArn,
        JOB_QUEUE_ARN: jobQueue.jobQueueArn,
        ...stateMachine ? { STATE_MACHINE_ARN: stateMachine.stateMachineArn } : {},
      },
    }), stateMachine ? [AccessLevel.READ, AccessLevel.READ_WRITE] : [AccessLevel.READ_WRITE]);
  }
}

function validate(path: string, props: BatchJobTargetProps): undefined {
  const check = (key: keyof BatchJobTargetProps, attribute: string, fix: string): void => {
    const value = props[key] as unknown as Record<string, unknown> | undefined;
    if (value === undefined || value === null) {
      throw new Error(`BatchJobTarget ${path}: '${key}' is missing. Give ${fix}.`);
    }
    if (typeof value[attribute] !== 'string') {
      throw new Error(`BatchJobTarget ${path}: '${key}' has no '${attribute}'. Give ${fix}.`);
    }
  };
  check('jobDefinition', 'jobDefinitionArn', 'a batch.IJobDefinition, e.g. an EcsJobDefinition or EcsJobDefinition.fromJobDefinitionArn(…)');
  check('jobQueue', 'jobQueueArn', 'a batch.IJobQueue, e.g. a JobQueue or JobQueue.fromJobQueueArn(…)');
  if (props.stateMachine !== undefined) {
    check('stateMachine', 'stateMachineArn', 'an sfn.IStateMachine, e.g. a StateMachine or StateMachine.fromStateMachineArn(…), or leave it out');
  }
  return undefined;
}
