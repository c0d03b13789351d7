/**
 * ECS (RunTask, DescribeTasks, StopTask) and CloudWatch Logs (GetLogEvents, FilterLogEvents) for test/support/fake-aws.ts, on its
 * loopback port, in their real wire protocol: AWS JSON 1.1 (`POST /`, `Content-Type: application/x-amz-json-1.1`,
 * `X-Amz-Target: AmazonEC2ContainerServiceV20141113.<operation>` or `Logs_20140328.<operation>`, errors as
 * `{"__type": code, "message": …}`), so the real SDK v3 clients are tested unmodified.
 *
 * A task follows the plan given for its task definition (`fake.ecs.plan(...)`): it is RUNNING for some polls
 * (DescribeTasks calls), then stops: its container exits with a code, or the task fails to start. StopTask stops it
 * at the next poll, as ECS does, with stop code `UserInitiated`, the given reason, and exit code 143 (SIGTERM).
 * What the container printed goes to its awslogs stream `<prefix>/<container>/<task id>` once it has started.
 *
 * A task definition registered with `taskDefinition(...)` (the e2e harness registers each `AWS::ECS::TaskDefinition` it
 * creates) runs as ECS would run it: its container's environment is the definition's, its secrets read (a secret that
 * cannot be read fails the start with ECS's ResourceInitializationError), then RunTask's overrides; its log goes to the
 * group and stream prefix of its awslogs configuration; and `container(...)` simulates the container: from the run
 * (image, command, environment) it gives the plan of that task (an exit code, a log, how long it runs, an image that
 * cannot be pulled).
 *
 * @example
 * fake.ecs.plan({ runningPolls: 2, stop: { exitCode: 1 }, log: ['migrating', 'ERROR: relation exists'] });
 * // … run onEvent, then isComplete until it answers IsComplete: true …
 * expect(fake.ecs.callsOf('RunTask')[0].input.launchType).toBe('FARGATE');
 */
import { randomUUID } from 'node:crypto';
import type { FakeResponse, RecordedRequest } from './fake-aws';

const ECS_TARGET = /^AmazonEC2ContainerServiceV20141113\.(\w+)$/;
const LOGS_TARGET = /^Logs_20140328\.(\w+)$/;
const AMZ_JSON_1_1 = 'application/x-amz-json-1.1';
/** RunTask's limit on `overrides`, JSON formatting included. */
const MAX_OVERRIDES_CHARACTERS = 8192;
const ACCOUNT = '123456789012';

/** How a task started by RunTask stops. */
export type TaskStop =
  /** The essential container exits with this code (`reason`: ECS's reason for the container, e.g. OutOfMemoryError). */
  | { readonly exitCode: number; readonly reason?: string }
  /** The task never starts (`stopCode: TaskFailedToStart`): e.g. `CannotPullContainerError: …`. */
  | { readonly failedToStart: string; readonly containerReason?: string };

/** The life of the tasks started from now on. */
export interface TaskPlan {
  /** How many DescribeTasks answer RUNNING (PROVISIONING first) before the task stops. @default 1 */
  readonly runningPolls?: number;
  /** How the task stops, unless StopTask stops it first; `'never'`: it runs until StopTask. @default exit code 0 */
  readonly stop?: TaskStop | 'never';
  /** What the container prints, one log event each (written when the task stops). */
  readonly log?: readonly string[];
  /** How long StopTask takes to stop the task, in polls. @default 1 */
  readonly stopPolls?: number;
  /** How long the container runs at least, in seconds of the fake's clock (`useClock`), besides `runningPolls`. @default 0 */
  readonly runningSeconds?: number;
}

/** A container of a registered task definition, as its `ContainerDefinitions` entry says. */
export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly environment?: Readonly<Record<string, string>>;
  /** Variable name to `ValueFrom` (a secret's ARN, with `:<json key>::` to pick a key, or an SSM parameter's). */
  readonly secrets?: Readonly<Record<string, string>>;
  readonly logGroup?: string;
  readonly streamPrefix?: string;
}

/** One run of a container, as the container sees it. */
export interface ContainerRun {
  readonly taskArn: string;
  readonly taskDefinitionArn: string;
  readonly container: ContainerSpec;
  /** The definition's environment, its secrets (read), then RunTask's overrides. */
  readonly environment: Readonly<Record<string, string>>;
}

/** What a container does with its run: the plan of its task. */
export type ContainerBehaviour = (run: ContainerRun) => TaskPlan;

/** The value of a secret's `ValueFrom`, as ECS reads it with the execution role; `undefined` when it cannot be read. */
export type SecretReader = (valueFrom: string) => string | undefined;

export type EcsOperation = 'RunTask' | 'DescribeTasks' | 'StopTask' | 'GetLogEvents' | 'FilterLogEvents';

export interface EcsCall {
  readonly operation: EcsOperation | string;
  readonly input: Record<string, any>;
  /** The service named by the request's SigV4 credential scope (`ecs`, `logs`). */
  readonly signingService?: string;
}

interface FakeTask {
  readonly taskArn: string;
  readonly clusterArn: string;
  readonly taskDefinitionArn: string;
  readonly containerName: string;
  readonly startedBy?: string;
  readonly overrides: unknown;
  readonly plan: TaskPlan;
  readonly createdAt: number;
  polls: number;
  /** When the container started, on the fake's clock (ms). */
  readonly startedMs: number;
  stopRequested?: { reason: string; atPoll: number };
  stopped?: { stopCode: string; stoppedReason: string; exitCode?: number; containerReason?: string; started: boolean };
  /** When it stopped, on the fake's clock (ms). */
  stoppedMs?: number;
}

export interface FakeEcsError {
  /** @default 400 */
  readonly status?: number;
  readonly code: string;
  readonly message: string;
}

export class FakeEcs {
  /** Every ECS and CloudWatch Logs request received (including failed ones), in order. */
  readonly calls: EcsCall[] = [];

  private readonly tasks = new Map<string, FakeTask>();
  private readonly byClientToken = new Map<string, string>();
  private readonly streams = new Map<string, Array<{ timestamp: number; message: string }>>();
  private readonly errors = new Map<string, FakeEcsError & { times: number }>();
  private refusal?: { reason: string; times: number };
  private nextPlan: TaskPlan = {};
  /** The awslogs stream prefix of each task definition's container (its log configuration, which RunTask does not carry). */
  private readonly prefixes = new Map<string, string>();
  /** The streams of each log group (FilterLogEvents reads a group; a group no stream was written to does not exist). */
  private readonly groups = new Map<string, Set<string>>();
  /** The log group of each task definition's container. */
  private readonly taskLogGroups = new Map<string, string>();
  private readonly definitions = new Map<string, ContainerSpec>();
  private behaviour?: ContainerBehaviour;
  private readSecret: SecretReader = () => undefined;
  private now: () => number = Date.now;

  constructor(private readonly region: () => string) {}

  /** Whether this fake answers the request (by its `X-Amz-Target`). */
  static handles(request: RecordedRequest): boolean {
    const target = header(request.headers['x-amz-target']) ?? '';
    return request.method === 'POST' && request.url.split('?')[0] === '/' && (ECS_TARGET.test(target) || LOGS_TARGET.test(target));
  }

  /** How the tasks started from now on behave. */
  plan(plan: TaskPlan): this {
    this.nextPlan = plan;
    return this;
  }

  /** The awslogs stream prefix of a task definition's container (`'*'`: of any), where its tasks' logs go. */
  streamPrefix(taskDefinitionArn: string, prefix: string, logGroupName?: string): this {
    this.prefixes.set(taskDefinitionArn, prefix);
    if (logGroupName) this.taskLogGroups.set(taskDefinitionArn, logGroupName);
    return this;
  }

  /** The clock of the containers' `runningSeconds` and the tasks' timestamps. */
  useClock(now: () => number): this {
    this.now = now;
    return this;
  }

  /** Registers a task definition's (essential) container: its tasks run it (see the file's comment). */
  taskDefinition(taskDefinitionArn: string, container: ContainerSpec): this {
    this.definitions.set(taskDefinitionArn, container);
    if (container.streamPrefix) this.streamPrefix(taskDefinitionArn, container.streamPrefix, container.logGroup);
    return this;
  }

  /** Simulates the containers of registered task definitions: the plan of each task, from its run. */
  container(behaviour: ContainerBehaviour | undefined): this {
    this.behaviour = behaviour;
    return this;
  }

  /** How the secrets of registered task definitions are read. */
  secrets(reader: SecretReader): this {
    this.readSecret = reader;
    return this;
  }

  /** Makes an operation fail `times` times (until called with `undefined`). */
  fail(operation: EcsOperation, error: FakeEcsError | undefined, times = Infinity): this {
    if (error) this.errors.set(operation, { ...error, times });
    else this.errors.delete(operation);
    return this;
  }

  /**
   * Makes RunTask start nothing `times` times (until called with `undefined`): it answers with no task and a failure of
   * this reason, as ECS does when it cannot place the task (`RESOURCE:MEMORY`, Fargate's `Capacity is unavailable…`).
   */
  refuseRunTask(reason: string | undefined, times = Infinity): this {
    this.refusal = reason === undefined ? undefined : { reason, times };
    return this;
  }

  /** Writes log events to a stream, as if the container had printed them. */
  putLog(logStreamName: string, messages: readonly string[], logGroupName?: string): this {
    if (logGroupName) this.groups.set(logGroupName, (this.groups.get(logGroupName) ?? new Set()).add(logStreamName));
    const events = this.streams.get(logStreamName) ?? [];
    for (const message of messages) events.push({ timestamp: Date.now(), message });
    this.streams.set(logStreamName, events);
    return this;
  }

  /** Stops a task as someone else would (the console, another tool): not recorded as a call. */
  stopTaskFromOutside(taskArn: string, reason: string): this {
    const task = this.tasks.get(taskArn);
    if (task && !task.stopped && !task.stopRequested) task.stopRequested = { reason, atPoll: task.polls };
    return this;
  }

  callsOf(operation: EcsOperation): EcsCall[] {
    return this.calls.filter((call) => call.operation === operation);
  }

  /** The tasks started, by ARN. */
  taskArns(): string[] {
    return [...this.tasks.keys()];
  }

  reset(): void {
    this.calls.length = 0;
    this.tasks.clear();
    this.byClientToken.clear();
    this.streams.clear();
    this.errors.clear();
    this.refusal = undefined;
    this.prefixes.clear();
    this.groups.clear();
    this.taskLogGroups.clear();
    this.definitions.clear();
    this.behaviour = undefined;
    this.nextPlan = {};
  }

  handle(request: RecordedRequest): FakeResponse {
    const target = header(request.headers['x-amz-target']) ?? '';
    const operation = (ECS_TARGET.exec(target) ?? LOGS_TARGET.exec(target))![1];
    if (header(request.headers['content-type']) !== AMZ_JSON_1_1) {
      return error(400, 'SerializationException', `expected Content-Type ${AMZ_JSON_1_1}`);
    }
    let input: Record<string, any>;
    try {
      input = JSON.parse(request.body.toString('utf8'));
    } catch {
      return error(400, 'SerializationException', 'the request body is not JSON');
    }
    this.calls.push({ operation, input, signingService: request.signingService });
    const failure = this.errors.get(operation);
    if (failure && failure.times > 0) {
      failure.times--;
      return error(failure.status ?? 400, failure.code, failure.message);
    }
    const logs = LOGS_TARGET.test(target);
    if (logs && operation === 'GetLogEvents') return this.getLogEvents(input);
    if (logs && operation === 'FilterLogEvents') return this.filterLogEvents(input);
    if (!logs && operation === 'RunTask') return this.runTask(input);
    if (!logs && operation === 'DescribeTasks') return this.describeTasks(input);
    if (!logs && operation === 'StopTask') return this.stopTask(input);
    return error(400, 'UnknownOperationException', `fake-ecs does not implement ${target}`);
  }

  private runTask(input: Record<string, any>): FakeResponse {
    if (typeof input.taskDefinition !== 'string') return error(400, 'ClientException', 'TaskDefinition is required.');
    const vpc = input.networkConfiguration?.awsvpcConfiguration;
    if (input.launchType === 'FARGATE' && !(Array.isArray(vpc?.subnets) && vpc.subnets.length > 0)) {
      return error(400, 'InvalidParameterException', 'Network Configuration must be provided when networkMode \'awsvpc\' is specified.');
    }
    if (input.overrides && JSON.stringify(input.overrides).length > MAX_OVERRIDES_CHARACTERS) {
      return error(400, 'InvalidParameterException', `Container Overrides length must be at most ${MAX_OVERRIDES_CHARACTERS}`);
    }
    if (typeof input.clientToken === 'string' && this.byClientToken.has(input.clientToken)) {
      // Idempotent: the same token answers with the task it started.
      return json({ tasks: [this.render(this.tasks.get(this.byClientToken.get(input.clientToken)!)!)], failures: [] });
    }
    if (this.refusal && this.refusal.times > 0) {
      this.refusal.times--;
      return json({ tasks: [], failures: [{ reason: this.refusal.reason }] });
    }
    const cluster = typeof input.cluster === 'string' ? input.cluster : 'default';
    const clusterName = cluster.split('/').pop()!;
    const clusterArn = cluster.startsWith('arn:') ? cluster : `arn:aws:ecs:${this.region()}:${ACCOUNT}:cluster/${clusterName}`;
    const id = randomUUID().replace(/-/g, '');
    const taskArn = `arn:aws:ecs:${this.region()}:${ACCOUNT}:task/${clusterName}/${id}`;
    const task: FakeTask = {
      taskArn,
      clusterArn,
      taskDefinitionArn: input.taskDefinition,
      containerName: input.overrides?.containerOverrides?.[0]?.name ?? 'task',
      startedBy: input.startedBy,
      overrides: input.overrides ?? {},
      plan: this.planOf(taskArn, input),
      createdAt: this.now() / 1000,
      startedMs: this.now(),
      polls: 0,
    };
    this.tasks.set(task.taskArn, task);
    if (typeof input.clientToken === 'string') this.byClientToken.set(input.clientToken, task.taskArn);
    return json({ tasks: [this.render(task)], failures: [] });
  }

  /** The plan of a new task: its registered container's behaviour, else the plan given with `plan(...)`. */
  private planOf(taskArn: string, input: Record<string, any>): TaskPlan {
    const container = this.definitions.get(input.taskDefinition);
    if (!container) return this.nextPlan;
    const environment: Record<string, string> = { ...container.environment };
    for (const [name, valueFrom] of Object.entries(container.secrets ?? {})) {
      const value = this.readSecret(valueFrom);
      if (value === undefined) {
        return { stop: { failedToStart: `ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${valueFrom} from secrets manager: ResourceNotFoundException: Secrets Manager can't find the specified secret.` } };
      }
      environment[name] = value;
    }
    const overrides = (input.overrides?.containerOverrides ?? []).find((o: { name?: string }) => o.name === container.name);
    for (const variable of overrides?.environment ?? []) environment[variable.name] = variable.value;
    return this.behaviour?.({ taskArn, taskDefinitionArn: input.taskDefinition, container, environment }) ?? this.nextPlan;
  }

  private describeTasks(input: Record<string, any>): FakeResponse {
    const tasks: unknown[] = [];
    const failures: unknown[] = [];
    for (const arn of (input.tasks ?? []) as string[]) {
      const task = this.tasks.get(arn) ?? [...this.tasks.values()].find((t) => t.taskArn.endsWith(`/${arn}`));
      if (!task) {
        failures.push({ arn, reason: 'MISSING' });
        continue;
      }
      task.polls++;
      this.advance(task);
      tasks.push(this.render(task));
    }
    return json({ tasks, failures });
  }

  private stopTask(input: Record<string, any>): FakeResponse {
    const task = this.tasks.get(input.task) ?? [...this.tasks.values()].find((t) => t.taskArn.endsWith(`/${input.task}`));
    if (!task) return error(400, 'InvalidParameterException', 'The referenced task was not found.');
    if (!task.stopped && !task.stopRequested) task.stopRequested = { reason: input.reason ?? 'Task stopped by user', atPoll: task.polls };
    return json({ task: this.render(task) });
  }

  private getLogEvents(input: Record<string, any>): FakeResponse {
    const events = this.streams.get(input.logStreamName);
    if (!events) return error(400, 'ResourceNotFoundException', 'The specified log stream does not exist.');
    const limit = Math.min(Number(input.limit ?? 10_000), 10_000);
    const page = input.startFromHead ? events.slice(0, limit) : events.slice(Math.max(0, events.length - limit));
    return json({
      events: page.map((event) => ({ ...event, ingestionTime: event.timestamp })),
      nextForwardToken: `f/${events.length}`,
      nextBackwardToken: `b/${Math.max(0, events.length - page.length)}`,
    });
  }

  /** The events of a group's streams (those starting with `logStreamNamePrefix`), from `startTime` on, oldest first; 2 a page. */
  private filterLogEvents(input: Record<string, any>): FakeResponse {
    const streams = this.groups.get(input.logGroupName);
    if (!streams) return error(400, 'ResourceNotFoundException', 'The specified log group does not exist.');
    const all = [...streams]
      .filter((stream) => !input.logStreamNamePrefix || stream.startsWith(input.logStreamNamePrefix))
      .flatMap((stream) => (this.streams.get(stream) ?? []).map((event, i) => ({ ...event, logStreamName: stream, eventId: `${stream}#${i}` })))
      .filter((event) => input.startTime === undefined || event.timestamp >= input.startTime)
      .sort((a, b) => a.timestamp - b.timestamp);
    const from = Number(input.nextToken ?? 0);
    const page = all.slice(from, from + 2);
    return json({
      events: page.map((event) => ({ ...event, ingestionTime: event.timestamp })),
      ...(from + 2 < all.length ? { nextToken: String(from + 2) } : {}),
    });
  }

  /** Moves a task along its plan, one DescribeTasks call at a time. */
  private advance(task: FakeTask): void {
    if (task.stopped) return;
    const plan = task.plan;
    const stop = plan.stop ?? { exitCode: 0 };
    const started = stop === 'never' || !('failedToStart' in stop);
    if (task.stopRequested && task.polls - task.stopRequested.atPoll >= (plan.stopPolls ?? 1)) {
      this.finish(task, { stopCode: 'UserInitiated', stoppedReason: task.stopRequested.reason, exitCode: started ? 143 : undefined, started });
      return;
    }
    if (stop === 'never' || task.polls <= (plan.runningPolls ?? 1)) return;
    if (this.now() - task.startedMs < (plan.runningSeconds ?? 0) * 1000) return;
    if ('failedToStart' in stop) {
      this.finish(task, { stopCode: 'TaskFailedToStart', stoppedReason: stop.failedToStart, containerReason: stop.containerReason, started: false });
    } else {
      this.finish(task, { stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited', exitCode: stop.exitCode, containerReason: stop.reason, started: true });
    }
  }

  private finish(task: FakeTask, stopped: NonNullable<FakeTask['stopped']>): void {
    task.stopped = stopped;
    task.stoppedMs = this.now();
    if (stopped.started && task.plan.log) {
      const prefix = this.prefixOf(task);
      this.putLog(`${prefix}/${task.containerName}/${task.taskArn.split('/').pop()}`, task.plan.log,
        this.taskLogGroups.get(task.taskDefinitionArn) ?? this.taskLogGroups.get('*'));
    }
  }

  private prefixOf(task: FakeTask): string {
    return this.prefixes.get(task.taskDefinitionArn) ?? this.prefixes.get('*') ?? 'task';
  }

  /** A task as DescribeTasks and RunTask answer it (timestamps in epoch seconds, as AWS JSON 1.1 sends them). */
  private render(task: FakeTask): Record<string, unknown> {
    const stopped = task.stopped;
    const running = !stopped && task.polls > 0;
    const container: Record<string, unknown> = {
      containerArn: `arn:aws:ecs:${this.region()}:${ACCOUNT}:container/${task.taskArn.split('/').slice(-2).join('/')}/${randomUUID()}`,
      taskArn: task.taskArn,
      name: task.containerName,
      lastStatus: stopped ? 'STOPPED' : running ? 'RUNNING' : 'PENDING',
    };
    if (stopped?.exitCode !== undefined) container.exitCode = stopped.exitCode;
    if (stopped?.containerReason) container.reason = stopped.containerReason;
    return {
      taskArn: task.taskArn,
      clusterArn: task.clusterArn,
      taskDefinitionArn: task.taskDefinitionArn,
      launchType: 'FARGATE',
      startedBy: task.startedBy,
      overrides: task.overrides,
      lastStatus: stopped ? 'STOPPED' : running ? 'RUNNING' : 'PROVISIONING',
      desiredStatus: stopped || task.stopRequested ? 'STOPPED' : 'RUNNING',
      createdAt: task.createdAt,
      ...(stopped?.started !== false && (running || stopped) ? { startedAt: task.createdAt + 5 } : {}),
      ...(stopped ? { stoppedAt: task.stoppedMs! / 1000, stopCode: stopped.stopCode, stoppedReason: stopped.stoppedReason } : {}),
      containers: [container],
    };
  }
}

function json(body: unknown): FakeResponse {
  return { status: 200, headers: { 'content-type': AMZ_JSON_1_1 }, body: JSON.stringify(body) };
}

function error(status: number, code: string, message: string): FakeResponse {
  return { status, headers: { 'content-type': AMZ_JSON_1_1 }, body: JSON.stringify({ __type: code, message }) };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
