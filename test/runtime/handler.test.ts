/**
 * The real runtime handler with the real SDK v3 clients, talking to a loopback fake of Lambda,
 * CloudFormation and SSM (test/support/fake-aws.ts). What it shares with the tasks' runtime (the lifecycle, the
 * request skeleton) is tested for both in request.test.ts.
 */
import { createServer, type AddressInfo } from 'node:net';
import { LambdaClient } from '@aws-sdk/client-lambda';
import {
  ACCESS_DENIED_RETRY_SECONDS,
  MAX_REASON_BYTES,
  RUN_POLICY_ON_STACK_CHANGE,
  RUN_POLICY_ONCE,
  TRIGGER_AFTER_DEPLOY,
  TRIGGER_BEFORE_DELETE,
} from '../../lambda-runtime/shared/consts';
import { createHandler } from '../../lambda-runtime/script/index';
import { resultParameterName } from '../../lambda-runtime/shared/stored-result';
import { captureConsoleOfEachTest, cfnEvent, failure, FakeClock, lambdaContext, SCRIPT_FUNCTION, STACK_ID, useRuntimeEnv } from '../support/events';
import { FakeAws, outcome } from '../support/fake-aws';

const fake = FakeAws.forTestFile();
useRuntimeEnv();
const output = captureConsoleOfEachTest();

async function run(event: ReturnType<typeof cfnEvent>, clock = new FakeClock(), remainingMs?: number) {
  const handler = createHandler({ sleep: clock.sleep, now: clock.now });
  return handler(event, lambdaContext(clock, remainingMs));
}

describe('what the script receives', () => {
  test('its parameters arrive byte for byte, and its context in the client context', async () => {
    const parameters = '{"n":1,"b":true,"l":["a",2],"o":{"k":"v"}}';
    fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns());
    await run(cfnEvent('Update', { parameters, physicalResourceId: 'Migrate' }));

    const [invocation] = fake.invocations;
    expect(invocation.payload.equals(Buffer.from(parameters))).toBe(true);
    expect(invocation.event()).toEqual({ n: 1, b: true, l: ['a', 2], o: { k: 'v' } });
    expect(invocation.invocationType).toBe('RequestResponse');
    expect(invocation.logType).toBe('Tail');
    expect(invocation.clientContext).toEqual({
      custom: {
        trigger: TRIGGER_AFTER_DEPLOY,
        requestType: 'Update',
        stackId: STACK_ID,
        stackName: 'my-stack',
        logicalResourceId: 'Migrate',
        physicalResourceId: 'Migrate',
        region: 'us-east-1',
      },
    });
    // Then SSM: the script returned nothing, so any stored result is deleted.
    expect(fake.requests.map((r) => r.signingService)).toEqual(['cloudformation', 'lambda', 'ssm']);
  });

  test('the parameters are not re-serialized', async () => {
    const parameters = '{ "price": 1.50, "name": "caf\\u00e9" }';
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns());
    await run(cfnEvent('Create', { parameters }));
    expect(fake.invocations[0].payload.toString('utf8')).toBe(parameters);
  });

  test('absent parameters are an empty object', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns());
    await run(cfnEvent('Create', { parameters: null }));
    expect(fake.invocations[0].payload.toString('utf8')).toBe('{}');
  });

  test('a script named by its ARN is invoked by it', async () => {
    const arn = `arn:aws:lambda:us-east-1:123456789012:function:${SCRIPT_FUNCTION}`;
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns({ a: 1 }));
    expect(await run(cfnEvent('Create', { functionName: arn }))).toEqual({ PhysicalResourceId: 'Migrate', Data: { a: '1' } });
    expect(fake.invocations[0].functionName).toBe(arn);
  });
});

describe('results', () => {
  test.each([
    ['nothing', outcome.returns()],
    ['a string', outcome.returns('done')],
    ['an array', outcome.returns([1, 2])],
  ])('returning %s gives no attributes', async (_what, result) => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, result);
    expect(await run(cfnEvent('Create'))).toEqual({ PhysicalResourceId: 'Migrate' });
    expect(output.text()).toMatch(/script returned .*no attributes/);
  });

  test('a result too large for CloudFormation fails the deployment', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns({ rows: 'r'.repeat(3000) }));
    const error = await failure(run(cfnEvent('Create')));
    expect(error.message).toMatch(/returned 1 attribute\(s\) taking 30\d\d bytes.*Largest: rows \(30\d\d bytes\)/);
    expect(error.stack).not.toContain('\n');
  });
});

describe('script failures', () => {
  test('without a log group property, the reason points to Lambda\'s own log group of the function, named or by ARN', async () => {
    for (const functionName of [SCRIPT_FUNCTION, `arn:aws:lambda:us-east-1:123456789012:function:${SCRIPT_FUNCTION}`]) {
      fake.reset();
      fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript('*', outcome.throws('Error', 'boom'));
      const error = await failure(run(cfnEvent('Create', { logGroupName: null, functionName })));
      expect(error.message.split('\n')).toContain(`Full log: /aws/lambda/${SCRIPT_FUNCTION}`);
    }
  });

  test('fail a create with the error, the last log lines and where the full log is', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION,
      outcome.throws('MigrationError', 'relation "users" already exists', ['connecting to db', '\x1b[31mapplying 0042_users\x1b[0m']));
    const error = await failure(run(cfnEvent('Create')));
    const requestId = fake.invocations[0].requestId;
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('Deployment script Migrate failed: MigrationError: relation "users" already exists');
    expect(lines).toContain('INFO\tconnecting to db');
    expect(lines).toContain('INFO\tapplying 0042_users');
    expect(lines.at(-2)).toBe(`Full log: /aws/lambda/${SCRIPT_FUNCTION}`);
    expect(lines.at(-1)).toBe(
      `https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Faws$252Flambda$252F${SCRIPT_FUNCTION}` +
      `/log-events$3FfilterPattern$3D$2522${requestId}$2522`,
    );
    expect(error.stack).toBe('Error: Deployment script Migrate failed: MigrationError: relation "users" already exists');
  });

  test('fail an update', async () => {
    fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.throws('Error', 'nope'));
    expect((await failure(run(cfnEvent('Update')))).message).toMatch(/^Deployment script Migrate failed: Error: nope\n/);
  });

  test('a timeout says so', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.timesOut(300, ['still working']));
    const error = await failure(run(cfnEvent('Create', { timeoutSeconds: '300' })));
    expect(error.message).toMatch(/^Deployment script Migrate failed: Sandbox.Timedout: timed out after 300 seconds \(its timeout\)\. Raise the script's `timeout` \(at most 14 minutes\)/);
    expect(error.message).toContain('INFO\tstill working');
  });

  test('a huge log still gives a reason within the limit', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `\x1b[33m⚠ 警告 ${i} 👩‍💻\x1b[0m`);
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.throws('Error', 'bad config', lines));
    const error = await failure(run(cfnEvent('Create')));
    expect(Buffer.byteLength(JSON.stringify(error.message))).toBeLessThanOrEqual(MAX_REASON_BYTES);
    expect(error.message).toContain('⚠ 警告 1999 👩‍💻\nERROR\tInvoke Error'); // the runtime's own report comes last
  });

  test('a huge error message, whose report fills the whole log tail, shows the end of that report', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.throws('Error', 'é'.repeat(50_000), ['before']));
    const error = await failure(run(cfnEvent('Create')));
    expect(Buffer.byteLength(JSON.stringify(error.message))).toBeLessThanOrEqual(MAX_REASON_BYTES);
    expect(error.message).toMatch(/^Deployment script Migrate failed: Error: é+…\nLast log lines:\n…é+","    at Runtime\.handler \(file:[^)]+\)"\]\}\nFull log: /u);
  });

});

describe('invoke retries', () => {
  beforeEach(() => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
  });

  test('throttling is retried too', async () => {
    fake.setScript(SCRIPT_FUNCTION, [outcome.throttled(), outcome.returns()]);
    await run(cfnEvent('Create'));
    expect(fake.invocations).toHaveLength(2);
  });

  test('AccessDenied forever: bounded, then a clear error', async () => {
    fake.setScript(SCRIPT_FUNCTION, outcome.accessDenied());
    const clock = new FakeClock();
    const error = await failure(run(cfnEvent('Create'), clock));
    expect(error.message).toMatch(
      new RegExp(`^Deployment script Migrate did not run: the provider could not invoke the script function ${SCRIPT_FUNCTION} \\(\\d+ attempts over \\d+ s\\): AccessDeniedException: User: .* is not authorized to perform: lambda:InvokeFunction`),
    );
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(ACCESS_DENIED_RETRY_SECONDS * 1000);
    expect(fake.invocations.length).toBeGreaterThan(3);
    expect(fake.invocations.length).toBeLessThanOrEqual(12);
    expect(error.stack).not.toContain('\n');
  });

  test('retries never eat into the time the script needs', async () => {
    fake.setScript(SCRIPT_FUNCTION, outcome.accessDenied());
    // The script may run 300 s; the runtime keeps 5 s to report: room for one 1 s wait, not the next 2 s.
    const error = await failure(run(cfnEvent('Create', { timeoutSeconds: '300' }), new FakeClock(), 300_000 + 5_000 + 1_500));
    expect(fake.invocations).toHaveLength(2);
    expect(error.message).toMatch(/\(2 attempts over 1 s\)/);
  });

  // Lambda answers a 5xx or nothing at all after the script may have started: the reason says so, not "did not run".
  test.each([
    [500, 'ServiceException', 'internal error'],
    [502, 'ResourceNotReadyException', 'the function is not ready'],
  ])('a %s (%s) fails at once, saying that the script may have run', async (status, code, message) => {
    fake.setScript(SCRIPT_FUNCTION, outcome.serviceError(status, code, message));
    const error = await failure(run(cfnEvent('Create')));
    expect(fake.invocations).toHaveLength(1);
    expect(error.message).toBe(`Deployment script Migrate: Lambda answered ${code} (HTTP ${status}) while invoking the script function ` +
      `${SCRIPT_FUNCTION}: ${message}: the script may have run. Its log tells whether it did.`);
    expect(error.message).not.toContain('did not run');
  });

  test('a connection lost during the invocation fails at once, saying that the script may have run', async () => {
    // A server that takes the request and hangs up without an answer.
    const server = createServer((socket) => socket.once('data', () => socket.destroy()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const lambdaClient = new LambdaClient({ endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 });
      const clock = new FakeClock();
      const handler = createHandler({ sleep: clock.sleep, now: clock.now, lambdaClient });
      const error = await failure(handler(cfnEvent('Create'), lambdaContext(clock)));
      expect(error.message).toMatch(new RegExp(`^Deployment script Migrate: no answer came from Lambda \\(\\w+\\) while invoking the script function ${SCRIPT_FUNCTION}: .*: the script may have run\\.`));
    } finally {
      server.close();
    }
  });

  test('a 4xx is Lambda refusing the request: the script did not run', async () => {
    fake.setScript(SCRIPT_FUNCTION, outcome.serviceError(400, 'InvalidRequestContentException', 'Could not parse request body into json'));
    const error = await failure(run(cfnEvent('Create')));
    expect(error.message).toMatch(/did not run: the provider could not invoke the script function \S+: InvalidRequestContentException: Could not parse/);
  });

  test('a missing function is reported as such', async () => {
    const error = await failure(run(cfnEvent('Create', { functionName: 'gone' })));
    expect(error.message).toMatch(/could not invoke the script function gone: ResourceNotFoundException: Function not found/);
  });
});

describe('the stored result: attributes kept for the updates that do not run the script', () => {
  /** Where the result of the default event's script (stack my-stack, physical id Migrate) is kept. */
  const PARAMETER = '/cdk-deployment-script/my-stack/Migrate';
  const ACCESS_DENIED = { code: 'AccessDeniedException', message: 'User: arn:aws:sts::123456789012:assumed-role/provider-role/provider is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:us-east-1:123456789012:parameter/cdk-deployment-script/my-stack/Migrate because no identity-based policy allows the ssm:GetParameter action' };

  test('the parameter is named after the stack and the physical id', () => {
    expect(resultParameterName('my-stack', 'Migrate')).toBe(PARAMETER);
  });

  test('a Create returns the attributes and stores them, as a standard String parameter', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns({ userId: 'u-1', count: 3, tags: ['a'] }));
    const response = await run(cfnEvent('Create'));
    const data = { userId: 'u-1', count: '3', tags: '["a"]' };
    const record = JSON.stringify({ v: 1, data, parameters: '{}' });
    expect(response).toEqual({ PhysicalResourceId: 'Migrate', Data: data });
    expect(fake.ssmCalls).toEqual([{
      operation: 'PutParameter',
      input: expect.objectContaining({ Name: PARAMETER, Value: record, Type: 'String', Tier: 'Standard', Overwrite: true }),
    }]);
    expect(fake.parameter(PARAMETER)).toMatchObject({ value: record, type: 'String', tier: 'Standard' });
    const put = fake.requests.at(-1)!;
    expect(put.signingService).toBe('ssm');
    expect(put.headers['x-amz-target']).toBe('AmazonSSM.PutParameter');
    expect(output.text()).toContain(`stored the result in ${PARAMETER}`);
  });

  test('an Update that runs replaces the stored result', async () => {
    fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns({ v: 2 })).setParameter(PARAMETER, '{"v":"1","old":"x"}');
    expect(await run(cfnEvent('Update'))).toEqual({ PhysicalResourceId: 'Migrate', Data: { v: '2' } });
    expect(fake.parameter(PARAMETER)).toMatchObject({ value: '{"v":1,"data":{"v":"2"},"parameters":"{}"}', version: 2 });
  });

  test('the rollback of a failed update returns the stored attributes, without running the script', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns({ userId: 'u-1', count: 3 }));
    const created = await run(cfnEvent('Create'));
    fake.setStack(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS');

    const rolledBack = await run(cfnEvent('Update'));

    expect(rolledBack).toEqual({ PhysicalResourceId: 'Migrate', Data: { userId: 'u-1', count: '3' } });
    expect(rolledBack.Data).toEqual(created.Data);
    expect(fake.invocations).toHaveLength(1); // the Create's
    // The rollback then records the parameters it rolled back to (see 'the record of the last deployment').
    expect(fake.ssmCalls.map((c) => c.operation)).toEqual(['PutParameter', 'GetParameter', 'PutParameter']);
    expect(fake.ssmCallsOf('GetParameter')[0].input).toEqual({ Name: PARAMETER, WithDecryption: true }); // a secret result is a SecureString
    expect(output.text()).toContain(`stored result ${PARAMETER}: userId, count`);
  });

  test('when the failed update\'s own run failed, the rollback returns the result of the run before', async () => {
    fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.throws('Error', 'nope')).setParameter(PARAMETER, '{"v":"1"}');
    await failure(run(cfnEvent('Update')));
    expect(fake.parameter(PARAMETER)?.value).toBe('{"v":"1"}');
    fake.setStack(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS');
    expect(await run(cfnEvent('Update'))).toEqual({ PhysicalResourceId: 'Migrate', Data: { v: '1' } });
    expect(fake.invocations).toHaveLength(1);
  });

  test('run policy "once": an Update returns the attributes of the Create', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns({ bucket: 'seed-1' }));
    await run(cfnEvent('Create', { runPolicy: RUN_POLICY_ONCE }));
    fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS');

    const response = await run(cfnEvent('Update', { runPolicy: RUN_POLICY_ONCE }));

    expect(response).toEqual({ PhysicalResourceId: 'Migrate', Data: { bucket: 'seed-1' } });
    expect(fake.invocations).toHaveLength(1);
  });

  test.each([
    ['the rollback of a failed update', 'UPDATE_ROLLBACK_IN_PROGRESS', RUN_POLICY_ON_STACK_CHANGE],
    ['run policy "once"', 'UPDATE_IN_PROGRESS', RUN_POLICY_ONCE],
  ])('%s with no stored result: no attributes', async (_what, status, runPolicy) => {
    fake.setStack(STACK_ID, status).setScript(SCRIPT_FUNCTION, outcome.returns({ a: 1 }));
    expect(await run(cfnEvent('Update', { runPolicy }))).toEqual({ PhysicalResourceId: 'Migrate' });
    expect(fake.invocations).toHaveLength(0);
    expect(output.text()).toContain(`stored result ${PARAMETER}: none`);
  });

  test.each([
    ['nothing', outcome.returns()],
    ['an empty object', outcome.returns({})],
    ['an array', outcome.returns([1])],
  ])('a script that returns %s replaces the stored result with none, so that a rollback brings no stale attributes back', async (_what, result) => {
    fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, result).setParameter(PARAMETER, '{"stale":"yes"}');
    expect(await run(cfnEvent('Update'))).toEqual({ PhysicalResourceId: 'Migrate' });
    expect(fake.parameter(PARAMETER)?.value).toBe('{"v":1,"data":{},"parameters":"{}"}');
    expect(output.text()).toContain(`stored the result in ${PARAMETER}`);

    fake.setStack(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS');
    expect(await run(cfnEvent('Update'))).toEqual({ PhysicalResourceId: 'Migrate' });
  });

  test('a script that returns nothing, with nothing stored: a create still succeeds, and records its parameters', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns());
    expect(await run(cfnEvent('Create'))).toEqual({ PhysicalResourceId: 'Migrate' });
    expect(fake.ssmCalls.map((c) => c.operation)).toEqual(['PutParameter']);
    expect(fake.parameterNames()).toEqual([PARAMETER]);
  });

  test('a failure to store after a run that returned nothing is only logged', async () => {
    const denied = { ...ACCESS_DENIED, message: ACCESS_DENIED.message.replace(/GetParameter/g, 'PutParameter') };
    fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns()).failSsm('PutParameter', denied);
    expect(await run(cfnEvent('Update'))).toEqual({ PhysicalResourceId: 'Migrate' });
    expect(output.text()).toMatch(/storing its result in the SSM parameter \S+ failed: AccessDeniedException: .*\. The provider's role needs ssm:PutParameter on it\. \(ignored\)/);
    expect(fake.invocations).toHaveLength(1);
  });

  // Every Delete, whatever the stack status, the trigger, and whether the script ran or failed.
  test.each<[string | undefined, string]>([
    ['DELETE_IN_PROGRESS', TRIGGER_AFTER_DEPLOY],
    ['DELETE_IN_PROGRESS', TRIGGER_BEFORE_DELETE],
    ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', TRIGGER_AFTER_DEPLOY],
    ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', TRIGGER_BEFORE_DELETE],
    ['ROLLBACK_IN_PROGRESS', TRIGGER_AFTER_DEPLOY],
    ['ROLLBACK_IN_PROGRESS', TRIGGER_BEFORE_DELETE],
    ['UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', TRIGGER_AFTER_DEPLOY],
    ['UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', TRIGGER_BEFORE_DELETE],
    [undefined, TRIGGER_AFTER_DEPLOY],
    [undefined, TRIGGER_BEFORE_DELETE],
  ])('a Delete in %s, %s, deletes the stored result', async (status, trigger) => {
    if (status) fake.setStack(STACK_ID, status);
    else fake.failDescribeStacks({ code: 'Throttling', message: 'Rate exceeded' });
    fake.setScript(SCRIPT_FUNCTION, outcome.returns({ a: 1 }))
      .setParameter(PARAMETER, '{"a":"1"}')
      .setParameter('/cdk-deployment-script/my-stack/Seed', '{"b":"2"}');

    const response = await run(cfnEvent('Delete', { trigger }));

    expect(response).toEqual({ PhysicalResourceId: 'Migrate' });
    expect(fake.parameterNames()).toEqual(['/cdk-deployment-script/my-stack/Seed']); // another script's stays
    expect(fake.ssmCalls).toEqual([{ operation: 'DeleteParameter', input: { Name: PARAMETER } }]);
    expect(output.text()).toContain(`deleted the stored result ${PARAMETER}`);
  });

  test('a Delete whose before:delete script fails still deletes the stored result', async () => {
    fake.setStack(STACK_ID, 'DELETE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.throws('Error', 'x')).setParameter(PARAMETER, '{"a":"1"}');
    expect(await run(cfnEvent('Delete', { trigger: TRIGGER_BEFORE_DELETE }))).toEqual({ PhysicalResourceId: 'Migrate' });
    expect(fake.invocations).toHaveLength(1);
    expect(fake.parameter(PARAMETER)).toBeUndefined();
  });

  test('a Delete with nothing stored succeeds', async () => {
    fake.setStack(STACK_ID, 'DELETE_IN_PROGRESS');
    expect(await run(cfnEvent('Delete'))).toEqual({ PhysicalResourceId: 'Migrate' });
    expect(fake.ssmCalls).toEqual([{ operation: 'DeleteParameter', input: { Name: PARAMETER } }]);
    expect(output.text()).not.toMatch(/could not delete/);
  });

  test('a Delete that cannot delete the stored result still succeeds, and logs why', async () => {
    fake.setStack(STACK_ID, 'DELETE_IN_PROGRESS').setParameter(PARAMETER, '{"a":"1"}').failSsm('DeleteParameter', ACCESS_DENIED);
    expect(await run(cfnEvent('Delete'))).toEqual({ PhysicalResourceId: 'Migrate' });
    expect(output.text()).toMatch(/could not delete the stored result \/cdk-deployment-script\/my-stack\/Migrate: AccessDeniedException: .* \(ignored\)/);
  });

  describe('a stored result that cannot be read', () => {
    test.each([
      ['access denied', () => fake.failSsm('GetParameter', ACCESS_DENIED), /AccessDeniedException: User: .* is not authorized to perform: ssm:GetParameter/],
      ['a value that is not a result', () => fake.setParameter(PARAMETER, '["not","an","object"]'), /does not hold a JSON object of strings/],
    ])('%s: the rollback succeeds without attributes and logs why', async (_what, arrange, logged) => {
      fake.setStack(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns({ a: 1 }));
      arrange();
      expect(await run(cfnEvent('Update'))).toEqual({ PhysicalResourceId: 'Migrate' });
      expect(fake.invocations).toHaveLength(0);
      const text = output.text();
      expect(text).toContain(`Deployment script Migrate did not run (the stack is rolling back) and could not keep its attributes: reading the SSM parameter ${PARAMETER} failed: `);
      expect(text).toMatch(logged);
      expect(text).toContain(' (answering without attributes rather than failing)');
    });

    test.each([
      ['access denied', () => fake.failSsm('GetParameter', ACCESS_DENIED), /AccessDeniedException: User: .*\. The provider's role needs ssm:GetParameter on it\.$/],
      ['a value that is not a result', () => fake.setParameter(PARAMETER, 'not json'), /does not hold a JSON object of strings$/],
    ])('%s: a "once" update fails, saying why', async (_what, arrange, reason) => {
      fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns({ a: 1 }));
      arrange();
      const error = await failure(run(cfnEvent('Update', { runPolicy: RUN_POLICY_ONCE })));
      expect(error.message).toMatch(new RegExp(
        `^Deployment script Migrate did not run \\(run policy "once" runs only on create\\) and could not keep its attributes: reading the SSM parameter ${PARAMETER} failed: `,
      ));
      expect(error.message).toMatch(reason);
      expect(error.stack).not.toContain('\n');
      expect(fake.invocations).toHaveLength(0);
    });
  });

  describe('a result that cannot be stored', () => {
    test('fails the deployment: a later rollback would lose the attributes', async () => {
      fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns({ a: 1 }))
        .failSsm('PutParameter', { code: 'ValidationException', message: 'Parameter name: is invalid' });
      const error = await failure(run(cfnEvent('Create')));
      expect(error.message).toBe(`Deployment script Migrate ran, but storing its result in the SSM parameter ${PARAMETER} failed: ValidationException: Parameter name: is invalid`);
      expect(fake.invocations).toHaveLength(1);
    });

    test('a permission not yet propagated: AccessDenied is retried, for a bounded time', async () => {
      fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns({ a: 1 })).failSsm('PutParameter', ACCESS_DENIED, 2);
      const clock = new FakeClock();
      expect(await run(cfnEvent('Update'), clock)).toEqual({ PhysicalResourceId: 'Migrate', Data: { a: '1' } });
      expect(clock.sleeps).toEqual([1000, 2000]);
      expect(fake.invocations).toHaveLength(1); // the script is not run again
      expect(fake.parameter(PARAMETER)?.value).toBe('{"v":1,"data":{"a":"1"},"parameters":"{}"}');
    });

    test('AccessDenied forever: a clear error naming the permission', async () => {
      fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns({ a: 1 })).failSsm('PutParameter', ACCESS_DENIED);
      const clock = new FakeClock();
      const error = await failure(run(cfnEvent('Update'), clock));
      expect(error.message).toMatch(/^Deployment script Migrate ran, but storing its result in the SSM parameter \S+ failed: AccessDeniedException: .*\. The provider's role needs ssm:PutParameter on it\.$/);
      expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(ACCESS_DENIED_RETRY_SECONDS * 1000);
      expect(fake.ssmCallsOf('PutParameter').length).toBeGreaterThan(3);
      expect(fake.invocations).toHaveLength(1);
    });
  });
});
