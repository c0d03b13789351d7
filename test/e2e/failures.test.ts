/**
 * What `cdk deploy` prints when a script fails: the reason CloudFormation receives through the Provider
 * framework holds the script's error type and message, its last log lines and where its full log is (log
 * group and console link), and the whole answer stays under CloudFormation's 4096 bytes, whatever the script
 * threw or printed. Each script runs for real: thrown errors, a real timeout, megabytes of coloured output.
 */
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DeploymentScript, ScriptTrigger } from '../../lib';
import type { CustomResourceExchange, Harness, OperationResult } from './harness';
import { recorder, RunLog, scriptIds, startHarness, synth } from './support';

jest.setTimeout(120_000);

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
}, 15 * 60_000);
afterAll(async () => {
  await harness?.close();
});

/** The failed Create of a script, with what CloudFormation received. */
function failedCreate(result: OperationResult, logicalId: string): { exchange: CustomResourceExchange; reason: string } {
  expect(result.status).toBe('ROLLBACK_COMPLETE');
  expect(result.failure?.logicalId).toBe(logicalId);
  const [exchange] = result.exchangesOf(logicalId, 'Create');
  expect(exchange.response?.Status).toBe('FAILED');
  // CloudFormation takes the answer only under 4096 bytes.
  expect(exchange.problem).toBeUndefined();
  expect(Buffer.byteLength(exchange.body!, 'utf8')).toBe(exchange.bytes);
  expect(exchange.bytes).toBeLessThan(4096);
  const reason = exchange.response!.Reason!;
  if (process.env.E2E_PRINT) console.log(exchange.bytes, reason);
  // What `cdk deploy` prints is CloudFormation's status reason, which carries the answer's reason.
  expect(result.failure!.reason).toContain(reason);
  expect(reason).not.toMatch(/\x1b|\ufffd|X-Amz-Signature/);
  return { exchange, reason };
}

/** The lines the reason points to the full log with: log group and a console link filtered to the run. */
function expectLogLocation(reason: string, functionName: string): void {
  const requestId = harness.lambda.invocationsOf(functionName).at(-1)!.requestId;
  expect(reason).toContain(`\nFull log: /aws/lambda/${functionName}\n`);
  const link = reason.split('\n').find((line) => line.startsWith('https://'))!;
  expect(link).toContain('https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/');
  expect(link).toContain(`$252Faws$252Flambda$252F${functionName}`);
  expect(link).toContain(requestId);
}

test('a thrown error: its type and message, the last log lines, the log group and a console link', async () => {
  const runs = new RunLog();
  const assembly = synth((stack) => {
    recorder(stack, 'Migrate', runs, {
      trigger: ScriptTrigger.AFTER_DEPLOY,
      parameters: { logLines: 3, lastLine: 'applying 0002_users.sql', fail: 'relation "users" already exists', errorName: 'MigrationError' },
    });
  }, 'Thrown');
  const stack = harness.stack(assembly);

  const { reason } = failedCreate(await stack.create(), 'Migrate');

  expect(reason).toMatch(/^Deployment script Migrate failed: MigrationError: relation "users" already exists\nLast log lines:\n/);
  expect(reason).toContain('INFO\tapplying 0002_users.sql\n');
  // The runtime's report of the error, without repeating the message.
  expect(reason).toMatch(/ERROR\tInvoke Error: MigrationError \(message above\)\n\s+at /);
  expect(reason.split('relation "users" already exists').length - 1).toBe(1);
  expectLogLocation(reason, stack.physicalId(scriptIds(assembly, 'Thrown', 'Migrate').fn));
  expect(runs.summary()).toEqual(['Migrate Create']);
});

test('a timeout: the script is stopped at its timeout and the reason says it timed out', async () => {
  const runs = new RunLog();
  const assembly = synth((stack) => {
    recorder(stack, 'Slow', runs, {
      trigger: ScriptTrigger.AFTER_DEPLOY,
      timeout: Duration.seconds(2),
      parameters: { lastLine: 'waiting for the index to build', sleepSeconds: 60 },
    });
  }, 'Timeout');
  const stack = harness.stack(assembly);

  const started = Date.now();
  const { reason } = failedCreate(await stack.create(), 'Slow');

  expect(Date.now() - started).toBeLessThan(30_000);
  const functionName = stack.physicalId(scriptIds(assembly, 'Timeout', 'Slow').fn);
  const invocation = harness.lambda.invocationsOf(functionName).at(-1)!;
  expect(invocation.timedOut).toBe(true);
  expect(invocation.durationMs).toBeGreaterThanOrEqual(2000);
  expect(invocation.log).toContain('Task timed out after 2.00 seconds');
  expect(reason).toMatch(/^Deployment script Slow failed: Sandbox\.Timedout: timed out after 2 seconds \(its timeout\)\. Raise the script's `timeout`/);
  expect(reason).toContain('INFO\twaiting for the index to build\n');
  expectLogLocation(reason, functionName);
});

test('megabytes of coloured, multi-byte output: the reason keeps the last line, clean, under 4096 bytes', async () => {
  const runs = new RunLog();
  const lastLine = 'LAST LINE: rolled back 回滚 ✅';
  const assembly = synth((stack) => {
    recorder(stack, 'Noisy', runs, {
      trigger: ScriptTrigger.AFTER_DEPLOY,
      parameters: { logLines: 20_000, lastLine, fail: 'Migration failed — 迁移失败 💥 ü🔥' },
    });
  }, 'Noisy');
  const stack = harness.stack(assembly);

  const { reason } = failedCreate(await stack.create(), 'Noisy');

  const functionName = stack.physicalId(scriptIds(assembly, 'Noisy', 'Noisy').fn);
  expect(harness.lambda.invocationsOf(functionName).at(-1)!.log.length).toBeGreaterThan(2_000_000);
  expect(reason).toMatch(/^Deployment script Noisy failed: Error: Migration failed — 迁移失败 💥 ü🔥\nLast log lines:\n/u);
  expect(reason).toContain(`INFO\t${lastLine}\n`);
  expectLogLocation(reason, functionName);
});

test('a Python script that raises: its exception type and message, and its last log lines', async () => {
  const runs = new RunLog();
  const assembly = synth((stack) => {
    new DeploymentScript(stack, 'CheckSchema', {
      trigger: ScriptTrigger.AFTER_DEPLOY,
      code: lambda.Code.fromAsset(join(__dirname, 'fixtures', 'python-recorder')),
      handler: 'recorder.handler',
      runtime: lambda.Runtime.PYTHON_3_13,
      parameters: { table: 'users', fail: 'table users has no column email' },
      environment: { RECORD_FILE: runs.file, SCRIPT_NAME: 'CheckSchema' },
    });
  }, 'Python');
  const stack = harness.stack(assembly);

  const { reason } = failedCreate(await stack.create(), 'CheckSchema');

  expect(reason).toMatch(/^Deployment script CheckSchema failed: ValueError: table users has no column email\nLast log lines:\n/);
  expect(reason).toContain('CheckSchema: Create (after:deploy)\n');
  expect(reason).toMatch(/\[INFO\]\tchecking table users\n/);
  expect(reason).toContain('Traceback (most recent call last):');
  expectLogLocation(reason, stack.physicalId(scriptIds(assembly, 'Python', 'CheckSchema').fn));
});
