/**
 * Step Functions, for the one kind of state machine deployment stacks hold: aws-cdk-lib's Provider framework waiter
 * (its asynchronous mode, `isCompleteHandler`). The framework's onEvent starts an execution with StartExecution (AWS
 * JSON 1.0, `X-Amz-Target: AWSStepFunctions.StartExecution`, on `AWS_ENDPOINT_URL_SFN`); the harness then plays the
 * state machine's definition as the template gives it (resolved): Task states that invoke a Lambda function with the
 * state's input, their `Retry` (`ErrorEquals`, `IntervalSeconds`, `MaxAttempts`, `BackoffRate`) and `Catch` (the
 * error as `{Error, Cause}`), `Next` and `End`. So the framework's isComplete is asked every `queryInterval` until it
 * stops throwing, and its onTimeout answers after `totalTimeout`, exactly as many times as the template says.
 *
 * The waits between attempts pass at once on the harness's clock (lambda.ts, HarnessClock): a task that runs for ten
 * minutes of virtual time is played in seconds.
 */
import { randomUUID } from 'node:crypto';
import type { FakeResponse, RecordedRequest } from '../../support/fake-aws';
import type { Invocation, LambdaEmulator } from './lambda';

const TARGET = /^AWSStepFunctions\.(\w+)$/;
const AMZ_JSON_1_0 = 'application/x-amz-json-1.0';

interface TaskState {
  readonly Type: string;
  readonly Resource?: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Retry?: ReadonlyArray<{ ErrorEquals: string[]; IntervalSeconds?: number; MaxAttempts?: number; BackoffRate?: number }>;
  readonly Catch?: ReadonlyArray<{ ErrorEquals: string[]; Next: string }>;
}

interface Definition {
  readonly StartAt: string;
  readonly States: Record<string, TaskState>;
}

/** One execution, as it went. */
export interface Execution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: string;
  /** Each state entered and each attempt of it: `<state> #<attempt> -> <error type or 'ok'>`. */
  readonly steps: string[];
  /** The invocations the execution made, in order. */
  readonly invocations: Invocation[];
  /** How the execution ended: `SUCCEEDED` or `FAILED`. */
  status?: 'SUCCEEDED' | 'FAILED';
  /** The virtual time the waits took, in milliseconds. */
  waitedMs: number;
}

export class StepFunctionsEmulator {
  readonly executions: Execution[] = [];
  private readonly machines = new Map<string, Definition>();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly lambda: LambdaEmulator) {}

  /** Creates or updates a state machine (`AWS::StepFunctions::StateMachine`, its `DefinitionString` resolved). */
  register(stateMachineArn: string, definitionString: string): void {
    this.machines.set(stateMachineArn, JSON.parse(definitionString));
  }

  unregister(stateMachineArn: string): void {
    this.machines.delete(stateMachineArn);
  }

  /** Answers Step Functions requests: a route of the fake AWS endpoint. */
  readonly route = (request: RecordedRequest): FakeResponse | undefined => {
    const header = request.headers['x-amz-target'];
    const target = (Array.isArray(header) ? header[0] : header) ?? '';
    const operation = TARGET.exec(target)?.[1];
    if (!operation) return undefined;
    if (operation !== 'StartExecution') return error(400, 'UnknownOperationException', `the harness does not emulate ${target}`);
    const input = JSON.parse(request.body.toString('utf8'));
    const definition = this.machines.get(input.stateMachineArn);
    if (!definition) return error(400, 'StateMachineDoesNotExist', `State Machine Does Not Exist: '${input.stateMachineArn}'`);
    const name = input.name ?? randomUUID();
    if (this.executions.some((e) => e.stateMachineArn === input.stateMachineArn && e.name === name)) {
      return error(400, 'ExecutionAlreadyExists', `Execution Already Exists: '${name}'`);
    }
    const execution: Execution = {
      executionArn: `${input.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`,
      stateMachineArn: input.stateMachineArn,
      name,
      input: input.input ?? '{}',
      steps: [],
      invocations: [],
      waitedMs: 0,
    };
    this.executions.push(execution);
    // Runs after this answer, as Step Functions does: the caller (the framework's onEvent) returns meanwhile.
    const run = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.run(execution, definition));
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
    return { status: 200, headers: { 'content-type': AMZ_JSON_1_0 }, body: JSON.stringify({ executionArn: execution.executionArn, startDate: Date.now() / 1000 }) };
  };

  /** Waits until every execution started so far (and any they start) has ended. */
  async settle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  private async run(execution: Execution, definition: Definition): Promise<void> {
    let stateName: string | undefined = definition.StartAt;
    let input = execution.input;
    while (stateName) {
      const state: TaskState | undefined = definition.States[stateName];
      if (!state || state.Type !== 'Task' || !state.Resource) throw new Error(`the harness plays Task states that invoke a function; ${stateName} is ${JSON.stringify(state)}`);
      const outcome = await this.attempt(execution, stateName, state, input);
      if (outcome.ok) {
        input = outcome.output;
        if (state.End) {
          execution.status = 'SUCCEEDED';
          return;
        }
        stateName = state.Next;
        continue;
      }
      const handler = state.Catch?.find((c) => matches(c.ErrorEquals, outcome.errorType));
      if (!handler) {
        execution.status = 'FAILED';
        return;
      }
      input = JSON.stringify({ Error: outcome.errorType, Cause: outcome.cause });
      stateName = handler.Next;
    }
    execution.status = 'SUCCEEDED';
  }

  /** A Task state: invoke, and retry as its `Retry` says, the waits passing on the harness's clock. */
  private async attempt(execution: Execution, stateName: string, state: TaskState, input: string):
    Promise<{ ok: true; output: string } | { ok: false; errorType: string; cause: string }> {
    const retriesDone = new Map<number, number>();
    for (let attempt = 1; ; attempt++) {
      const invocation = await this.lambda.invoke(state.Resource!, input, { invocationType: 'RequestResponse' });
      execution.invocations.push(invocation);
      const errorType = invocation.functionError ? invocation.errorType() ?? 'Lambda.Unknown' : undefined;
      execution.steps.push(`${stateName} #${attempt} -> ${errorType ?? 'ok'}`);
      if (!errorType) return { ok: true, output: invocation.response };
      const index = (state.Retry ?? []).findIndex((r) => matches(r.ErrorEquals, errorType));
      const retrier = index >= 0 ? state.Retry![index] : undefined;
      const done = retriesDone.get(index) ?? 0;
      if (!retrier || done >= (retrier.MaxAttempts ?? 3)) return { ok: false, errorType, cause: invocation.response };
      const waitMs = (retrier.IntervalSeconds ?? 1) * 1000 * (retrier.BackoffRate ?? 2) ** done;
      retriesDone.set(index, done + 1);
      this.lambda.clock.skip(waitMs);
      execution.waitedMs += waitMs;
    }
  }
}

function matches(errorEquals: readonly string[], errorType: string): boolean {
  return errorEquals.includes(errorType) || errorEquals.includes('States.ALL') || (errorEquals.includes('States.TaskFailed') && !errorType.startsWith('States.'));
}

function error(status: number, code: string, message: string): FakeResponse {
  return { status, headers: { 'content-type': AMZ_JSON_1_0 }, body: JSON.stringify({ __type: code, message }) };
}
