/**
 * What both runtimes do with a request through the skeleton they share (lambda-runtime/shared/request.ts): the
 * decision whether it runs (docs/DESIGN.md#lifecycle), the physical id, the redacted event log, the failure of a
 * request that did not run, the fallback while the stack is being deleted, and the back-off of a start refused while
 * a new policy propagates. Each row runs for a Lambda script and for a container task, with the real handlers and SDK
 * clients against test/support/fake-aws.ts; what only one kind does is tested in handler.test.ts and
 * task-handler.test.ts.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { ENV_PROVIDER_STACK_ID, RUN_POLICY_ONCE, TRIGGER_AFTER_DEPLOY, TRIGGER_BEFORE_DELETE } from '../../lambda-runtime/shared/consts';
import { createHandler } from '../../lambda-runtime/script/index';
import { createTaskHandlers } from '../../lambda-runtime/task/index';
import {
  captureConsoleOfEachTest, cfnEvent, failure, FakeClock, lambdaContext, OTHER_STACK_ID, RESPONSE_URL, RESPONSE_URL_SECRET, SCRIPT_FUNCTION, STACK_ID, useRuntimeEnv,
} from '../support/events';
import { FakeAws, outcome } from '../support/fake-aws';
import { drive, STREAM_PREFIX, taskEvent } from '../support/task-events';

const fake = FakeAws.forTestFile();
useRuntimeEnv();
const output = captureConsoleOfEachTest();

type RequestType = 'Create' | 'Update' | 'Delete';

/** A request run to its end: what the handler answered first, and how many times a task's completion was polled. */
interface Deployed {
  readonly answer: { readonly PhysicalResourceId: string; readonly Data?: unknown };
  readonly polls?: number;
}

/** One kind of deployment script, as the shared rows drive it and check what is its own in their outcome. */
interface Kind {
  /** How its messages name it. */
  readonly who: string;
  readonly event: (requestType: RequestType, options?: { trigger?: string; runPolicy?: string; physicalResourceId?: string; stackId?: string }) => CloudFormationCustomResourceEvent;
  /** Runs the request to its end, as the Provider framework would. */
  readonly deploy: (event: CloudFormationCustomResourceEvent, clock: FakeClock) => Promise<Deployed>;
  /** The attempts to start it (including refused ones). */
  readonly attempts: () => number;
  /** The calls to the service that runs it. */
  readonly calls: () => number;
  /** It succeeds when it runs. */
  readonly succeeds: () => void;
  /** It fails when it runs; returns what the log then says. */
  readonly fails: () => string;
  /** It cannot be started; returns what the log then says. */
  readonly cannotStart: () => RegExp | string;
  /** Its start is refused twice while a new policy propagates, then it runs. */
  readonly refusedTwice: () => void;
  /** Its own outcome of a lifecycle row. */
  readonly checkLifecycle: (deployed: Deployed, requestType: RequestType, runs: boolean) => void;
  /** Its own outcome of a run that failed while the stack was being deleted. */
  readonly checkFailedDeletion: (deployed: Deployed) => void;
  /** Its own outcome of a run that could not be started while the stack was being deleted. */
  readonly checkUnstartedDeletion: (deployed: Deployed) => void;
  /** Its own outcome of a run started after two refusals. */
  readonly checkStartedAfterRefusals: (deployed: Deployed) => void;
}

const script: Kind = {
  who: 'Deployment script',
  event: cfnEvent,
  deploy: async (event, clock) => ({ answer: await createHandler({ sleep: clock.sleep, now: clock.now })(event, lambdaContext(clock)) }),
  attempts: () => fake.invocations.length,
  calls: () => fake.invocations.length,
  succeeds: () => fake.setScript(SCRIPT_FUNCTION, outcome.returns({ done: true })),
  fails: () => {
    fake.setScript(SCRIPT_FUNCTION, outcome.throws('CleanupError', 'bucket not empty', ['emptying bucket']));
    return 'Deployment script Migrate failed: CleanupError: bucket not empty\nLast log lines:\nINFO\temptying bucket';
  },
  cannotStart: () => {
    fake.setScript(SCRIPT_FUNCTION, outcome.accessDenied());
    return /could not invoke the script function .*AccessDeniedException/;
  },
  refusedTwice: () => fake.setScript(SCRIPT_FUNCTION, [outcome.accessDenied(), outcome.accessDenied(), outcome.returns({ ok: 1 })]),
  checkLifecycle: ({ answer }, requestType, runs) => {
    const returnsData = runs && requestType !== 'Delete';
    expect(answer).toEqual({ PhysicalResourceId: answer.PhysicalResourceId, ...(returnsData ? { Data: { done: 'true' } } : {}) });
  },
  checkFailedDeletion: ({ answer }) => expect(answer).toEqual({ PhysicalResourceId: 'Cleanup-id' }),
  checkUnstartedDeletion: ({ answer }) => expect(answer).toEqual({ PhysicalResourceId: 'Migrate' }),
  checkStartedAfterRefusals: ({ answer }) => expect(answer).toEqual({ PhysicalResourceId: 'Migrate', Data: { ok: '1' } }),
};

const task: Kind = {
  who: 'Deployment task',
  event: taskEvent,
  deploy: async (event, clock) => {
    const { started, polls } = await drive(createTaskHandlers({ sleep: clock.sleep, now: clock.now }), event, clock);
    return { answer: started, polls };
  },
  attempts: () => fake.ecs.callsOf('RunTask').length,
  calls: () => fake.ecs.calls.length,
  succeeds: () => fake.ecs.plan({ runningPolls: 2, stop: { exitCode: 0 } }),
  fails: () => {
    fake.ecs.plan({ stop: { exitCode: 3 }, log: ['could not deregister'] });
    return 'Deployment task Migrate failed: the command exited with code 3.\nLast log lines:\ncould not deregister';
  },
  cannotStart: () => {
    fake.ecs.fail('RunTask', { code: 'ClientException', message: 'TaskDefinition is inactive' });
    return 'RunTask failed: ClientException: TaskDefinition is inactive';
  },
  refusedTwice: () => {
    fake.ecs.fail('RunTask', { code: 'AccessDeniedException', message: 'not authorized to perform: ecs:RunTask' }, 2);
  },
  checkLifecycle: ({ polls }, _requestType, runs) => {
    // A request that runs nothing completes at the first poll; one that runs waits for the task to stop.
    expect(polls).toBe(runs ? 3 : 1);
    expect(fake.ecs.callsOf('DescribeTasks')).toHaveLength(runs ? 3 : 0);
  },
  checkFailedDeletion: ({ polls }) => expect(polls).toBe(2),
  checkUnstartedDeletion: ({ answer, polls }) => {
    expect(answer).toEqual({ PhysicalResourceId: 'Migrate' });
    expect(polls).toBe(1);
  },
  checkStartedAfterRefusals: () => expect(fake.ecs.taskArns()).toHaveLength(1),
};

describe.each([['script', script], ['task', task]])('a %s request', (_kind, kind) => {
  let clock: FakeClock;
  const deploy = (event: CloudFormationCustomResourceEvent) => kind.deploy(event, clock);
  beforeEach(() => {
    clock = new FakeClock();
    fake.ecs.streamPrefix('*', STREAM_PREFIX); // where a task's log goes
  });

  describe('the lifecycle, end to end', () => {
    // [request, stack status, trigger, whether it runs]
    test.each<[RequestType, string, string, boolean]>([
      ['Create', 'CREATE_IN_PROGRESS', TRIGGER_AFTER_DEPLOY, true],
      ['Create', 'CREATE_IN_PROGRESS', TRIGGER_BEFORE_DELETE, false],
      ['Update', 'UPDATE_IN_PROGRESS', TRIGGER_AFTER_DEPLOY, true],
      ['Update', 'UPDATE_IN_PROGRESS', TRIGGER_BEFORE_DELETE, false],
      ['Update', 'UPDATE_ROLLBACK_IN_PROGRESS', TRIGGER_AFTER_DEPLOY, false],
      ['Update', 'UPDATE_ROLLBACK_IN_PROGRESS', TRIGGER_BEFORE_DELETE, false],
      ['Delete', 'DELETE_IN_PROGRESS', TRIGGER_AFTER_DEPLOY, false],
      ['Delete', 'DELETE_IN_PROGRESS', TRIGGER_BEFORE_DELETE, true],
      ['Delete', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', TRIGGER_AFTER_DEPLOY, false],
      ['Delete', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', TRIGGER_BEFORE_DELETE, false],
      ['Delete', 'ROLLBACK_IN_PROGRESS', TRIGGER_AFTER_DEPLOY, false],
      ['Delete', 'ROLLBACK_IN_PROGRESS', TRIGGER_BEFORE_DELETE, false],
      ['Delete', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', TRIGGER_AFTER_DEPLOY, false],
      ['Delete', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', TRIGGER_BEFORE_DELETE, false],
    ])('%s in %s, %s: runs=%s', async (requestType, status, trigger, runs) => {
      fake.setStack(STACK_ID, status);
      kind.succeeds();

      const deployed = await deploy(kind.event(requestType, { trigger, physicalResourceId: 'Migrate-physical-id' }));

      expect(fake.describeStacksCalls).toEqual([{ stackName: STACK_ID, version: '2010-05-15' }]);
      expect(kind.attempts()).toBe(runs ? 1 : 0);
      // Create names the resource after its logical id; later requests keep the id they were given.
      expect(deployed.answer.PhysicalResourceId).toBe(requestType === 'Create' ? 'Migrate' : 'Migrate-physical-id');
      kind.checkLifecycle(deployed, requestType, runs);
      expect(output.text()).toMatch(new RegExp(`decision: ${requestType} ${trigger} .*status=${status} -> ${runs ? 'run' : 'skip'}`));
    });

    test('run policy "once" does not run on Update', async () => {
      fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS');
      kind.succeeds();
      const { answer } = await deploy(kind.event('Update', { runPolicy: RUN_POLICY_ONCE }));
      expect(kind.attempts()).toBe(0);
      expect(answer).toEqual({ PhysicalResourceId: 'Migrate' });
    });

    test('run policy "once" runs on Create', async () => {
      fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
      kind.succeeds();
      await deploy(kind.event('Create', { runPolicy: RUN_POLICY_ONCE }));
      expect(kind.attempts()).toBe(1);
    });
  });

  describe('when the stack status cannot be read', () => {
    beforeEach(() => {
      fake.failDescribeStacks({ status: 403, code: 'AccessDenied', message: 'User: provider is not authorized to perform: cloudformation:DescribeStacks' });
      kind.succeeds();
    });

    test('a create fails without running, saying what it saw (nothing is guessed)', async () => {
      const error = await failure(deploy(kind.event('Create')));
      expect(error.message).toBe(`${kind.who} Migrate did not run: the stack status could not be read, and a script runs on Create only in ` +
        'CREATE_IN_PROGRESS, UPDATE_IN_PROGRESS, IMPORT_IN_PROGRESS (AccessDenied: User: provider is not authorized to perform: cloudformation:DescribeStacks).');
      expect(kind.calls()).toBe(0);
      // A refusal is not retried: it will not change.
      expect(fake.describeStacksCalls).toHaveLength(1);
    });

    test('an update fails without running, saying why (it could be a rollback)', async () => {
      const error = await failure(deploy(kind.event('Update')));
      expect(error.message).toMatch(new RegExp(`^${kind.who} Migrate did not run: the stack status could not be read, and a script runs on Update only in .* \\(AccessDenied: `));
      expect(kind.calls()).toBe(0);
    });

    test('a delete does nothing and says so in the log', async () => {
      expect((await deploy(kind.event('Delete', { trigger: TRIGGER_BEFORE_DELETE }))).answer).toEqual({ PhysicalResourceId: 'Migrate' });
      expect(kind.attempts()).toBe(0);
      expect(output.text()).toMatch(/could not read the stack status: AccessDenied: User: provider is not authorized/);
      expect(output.text()).toMatch(/status=unknown -> skip/);
      expect(output.text()).toContain(`${kind.who} Migrate did not run: the stack status could not be read, so it is unknown whether the stack is being deleted`);
    });
  });

  describe('when reading the stack status is throttled or fails in the service, it is read again', () => {
    test.each([
      ['throttled (Throttling)', { status: 400, code: 'Throttling', message: 'Rate exceeded' }],
      ['throttled (ThrottlingException)', { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' }],
      ['a 503', { status: 503, code: 'ServiceUnavailable', message: 'Service Unavailable' }],
    ])('%s four times, then CREATE_IN_PROGRESS: a create runs once', async (_what, error) => {
      fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').failDescribeStacks(error, 4);
      kind.succeeds();
      await deploy(kind.event('Create'));
      expect(fake.describeStacksCalls).toHaveLength(5);
      expect(kind.attempts()).toBe(1);
      expect(output.text()).toMatch(/status=CREATE_IN_PROGRESS -> run/);
    });

    test('throttled four times, then DELETE_IN_PROGRESS: the before:delete script runs', async () => {
      fake.setStack(STACK_ID, 'DELETE_IN_PROGRESS').failDescribeStacks({ code: 'Throttling', message: 'Rate exceeded' }, 4);
      kind.succeeds();
      await deploy(kind.event('Delete', { trigger: TRIGGER_BEFORE_DELETE }));
      expect(kind.attempts()).toBe(1);
    });

    test('throttled for good: a bounded number of reads, then a delete says in the log that it could not tell', async () => {
      fake.setStack(STACK_ID, 'DELETE_IN_PROGRESS').failDescribeStacks({ code: 'Throttling', message: 'Rate exceeded' });
      kind.succeeds();
      const started = Date.now();
      await deploy(kind.event('Delete', { trigger: TRIGGER_BEFORE_DELETE }));
      expect(kind.attempts()).toBe(0);
      expect(fake.describeStacksCalls.length).toBeGreaterThan(5);
      expect(fake.describeStacksCalls.length).toBeLessThanOrEqual(18); // the SDK's own retries within each read
      expect(output.text()).toMatch(/could not read the stack status: Throttling: Rate exceeded: retrying in \d+ ms/);
      expect(output.text()).toContain(`${kind.who} Migrate did not run: the stack status could not be read, so it is unknown whether the stack is being deleted: the script did not run (Throttling: Rate exceeded).`);
      expect(Date.now() - started).toBeLessThan(60_000);
    }, 90_000);
  });

  describe('a request of another stack is refused: the provider serves only its own', () => {
    beforeEach(() => {
      fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setStack(OTHER_STACK_ID, 'CREATE_IN_PROGRESS');
      kind.succeeds();
    });

    test.each<RequestType>(['Create', 'Update'])('a %s fails without reading any status or running', async (requestType) => {
      fake.setStack(OTHER_STACK_ID, `${requestType.toUpperCase()}_IN_PROGRESS`);
      const error = await failure(deploy(kind.event(requestType, { stackId: OTHER_STACK_ID })));
      expect(error.message).toBe(`${kind.who} Migrate did not run: refused, the request comes from the stack ${OTHER_STACK_ID}, ` +
        `and this provider serves only ${STACK_ID}.`);
      expect(kind.calls()).toBe(0);
      expect(fake.describeStacksCalls).toEqual([]);
      expect(fake.ssmCalls).toEqual([]);
    });

    test('a Delete succeeds, having done nothing (another stack\'s deletion is not blocked)', async () => {
      fake.setStack(OTHER_STACK_ID, 'DELETE_IN_PROGRESS');
      const { answer } = await deploy(kind.event('Delete', { trigger: TRIGGER_BEFORE_DELETE, stackId: OTHER_STACK_ID }));
      expect(answer).toEqual({ PhysicalResourceId: 'Migrate' });
      expect(kind.calls()).toBe(0);
      expect(fake.describeStacksCalls).toEqual([]);
      // Nothing of this stack's: its stored results are named after it (the other stack's name is the provider's role's
      // to refuse).
      expect(fake.ssmCalls.filter((call) => String(call.input.Name).includes('/my-stack/'))).toEqual([]);
      expect(output.text()).toContain(`${kind.who} Migrate did not run: refused, the request comes from the stack ${OTHER_STACK_ID}`);
    });

    test('a provider that does not know its stack refuses every request', async () => {
      const own = process.env[ENV_PROVIDER_STACK_ID];
      delete process.env[ENV_PROVIDER_STACK_ID];
      try {
        const error = await failure(deploy(kind.event('Create')));
        expect(error.message).toBe(`${kind.who} Migrate did not run: refused, the provider does not know which stack it serves ` +
          `(its ${ENV_PROVIDER_STACK_ID} environment variable is not set).`);
        expect(kind.calls()).toBe(0);
      } finally {
        process.env[ENV_PROVIDER_STACK_ID] = own;
      }
    });
  });

  describe('while the stack is being deleted, nothing blocks the deletion', () => {
    beforeEach(() => {
      fake.setStack(STACK_ID, 'DELETE_IN_PROGRESS');
    });

    test('a failing before:delete run is logged, and the deletion goes on', async () => {
      const logged = kind.fails();
      const deployed = await deploy(kind.event('Delete', { trigger: TRIGGER_BEFORE_DELETE, physicalResourceId: 'Cleanup-id' }));
      expect(deployed.answer.PhysicalResourceId).toBe('Cleanup-id');
      expect(kind.attempts()).toBe(1);
      expect(output.text()).toContain(logged);
      expect(output.text()).toContain('(the stack is being deleted: this failure does not stop the deletion)');
      kind.checkFailedDeletion(deployed);
    });

    test('a before:delete run that cannot be started is logged, and the deletion goes on', async () => {
      const logged = kind.cannotStart();
      const deployed = await deploy(kind.event('Delete', { trigger: TRIGGER_BEFORE_DELETE }));
      expect(deployed.answer.PhysicalResourceId).toBe('Migrate');
      if (typeof logged === 'string') expect(output.text()).toContain(logged);
      else expect(output.text()).toMatch(logged);
      kind.checkUnstartedDeletion(deployed);
    });
  });

  test('a start refused twice while a new policy propagates is retried with a back-off, and runs once', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
    kind.refusedTwice();
    const deployed = await deploy(kind.event('Create'));
    expect(kind.attempts()).toBe(3);
    expect(clock.sleeps).toEqual([1000, 2000]);
    kind.checkStartedAfterRefusals(deployed);
  });

  test('the presigned ResponseURL is never logged, on any path', async () => {
    fake.setStack(STACK_ID, 'DELETE_IN_PROGRESS');
    kind.fails();
    await deploy(kind.event('Delete', { trigger: TRIGGER_BEFORE_DELETE }));
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
    await failure(deploy(kind.event('Create')));
    const text = output.text();
    expect(text).toContain('"ResponseURL":"(redacted)"');
    expect(text).not.toContain(RESPONSE_URL);
    expect(text).not.toContain(RESPONSE_URL_SECRET);
  });
});
