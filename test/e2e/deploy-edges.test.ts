/**
 * What production feeds the runtime, end to end through aws-cdk-lib's Provider framework and the bundled runtime:
 *
 * - a script whose thrown error and log are coloured (raw ANSI, OSC hyperlinks, and the same JSON-escaped in Lambda's
 *   report of the error), hundreds of KB long, multi-byte (emoji, CJK, combining marks) and carry a database
 *   credential: CloudFormation receives clean text, redacted, under 4096 bytes, that says where the full log is, and
 *   no function of the library logs the credential;
 * - a custom resource of another stack that names the provider as its service token: refused, its script never runs;
 * - DescribeStacks throttled a few times: the status is read again, and the scripts run as the lifecycle table says.
 */
import { CfnResource } from 'aws-cdk-lib';
import { ScriptTrigger } from '../../lib';
import type { CustomResourceExchange, Harness, OperationResult } from './harness';
import { recorder, RunLog, scriptIds, startHarness, synth } from './support';

jest.setTimeout(180_000);

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
}, 15 * 60_000); // another e2e file may hold port 443 until it ends
afterAll(async () => {
  await harness?.close();
});

const SECRET = 'hunter2';
const DATABASE_URL = `postgresql://app:${SECRET}@db.example.com:5432/app`;
/** Colours, a hyperlink (ST-terminated), a family emoji, CJK, a combining mark, a flag. */
const DECORATION = (text: string) => `\x1b[1;33m⚠ ${text} \x1b]8;;https://example.com/errors/42\x1b\\docs\x1b]8;;\x1b\\ 👩‍👩‍👧‍👦 数据库 e\u0301 🇯🇵\x1b[0m`;
/** Escape sequences, raw or written out, and what a cut may leave of one. */
const ESCAPE_OR_REMAINS = /\x1b|\\u001b|\\x1b|\\u0007|\x07|\[\d+(?:;\d+)*m|\]8;;|\ufffd/i;

/** The failed Create of a script: the answer CloudFormation took, checked as CloudFormation checks it. */
function failedCreate(result: OperationResult, logicalId: string): { exchange: CustomResourceExchange; reason: string } {
  expect(result.status).toBe('ROLLBACK_COMPLETE');
  expect(result.failure?.logicalId).toBe(logicalId);
  const [exchange] = result.exchangesOf(logicalId, 'Create');
  expect(exchange.response?.Status).toBe('FAILED');
  expect(exchange.problem).toBeUndefined();
  expect(exchange.bytes).toBeLessThan(4096);
  const reason = exchange.response!.Reason!;
  if (process.env.E2E_PRINT) console.log(exchange.bytes, reason);
  expect(result.failure!.reason).toContain(reason);
  return { exchange, reason };
}

/** The reason is text only, whole characters, and points to the script's full log. */
function expectCleanReason(reason: string, functionName: string): void {
  expect(reason).not.toMatch(ESCAPE_OR_REMAINS);
  expect(reason).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/); // no half of a surrogate pair
  expect(reason).not.toMatch(/^\p{M}|[\n…]\p{M}/u); // no combining mark cut from its character
  expect(reason).toMatch(/\nFull log: \S+\nhttps:\/\//); // the script's log group, then the link to its run
  const requestId = harness.lambda.invocationsOf(functionName).at(-1)!.requestId;
  const link = reason.split('\n').find((line) => line.startsWith('https://'));
  expect(link).toMatch(new RegExp(`^https://console\\.aws\\.amazon\\.com/cloudwatch/home\\?region=eu-west-1#logsV2:.*${requestId}`));
}

/** The library's functions did not log the secret, nor did it reach CloudFormation; the script itself did log it. */
function expectSecretKept(exchange: CustomResourceExchange, functionName: string): void {
  expect(exchange.body).not.toContain(SECRET);
  // The provider's functions: its runtime and the Provider framework's.
  const library = harness.lambda.invocations.filter((i) => i.logicalId?.startsWith('DeploymentScriptProvider'));
  expect(library.map((i) => i.logicalId)).toEqual(expect.arrayContaining([
    expect.stringMatching(/^DeploymentScriptProviderRuntime/), expect.stringMatching(/^DeploymentScriptProviderframework/),
  ]));
  for (const invocation of library) expect(invocation.log).not.toContain(SECRET);
  expect(harness.lambda.invocationsOf(functionName).at(-1)!.log).toContain(SECRET); // so the checks above mean something
}

test('a huge coloured error carrying a credential: the reason is clean, redacted, whole characters, under 4096 bytes', async () => {
  const runs = new RunLog();
  const assembly = synth((stack) => {
    recorder(stack, 'Migrate', runs, {
      trigger: ScriptTrigger.AFTER_DEPLOY,
      environment: { DATABASE_URL, PGPASSWORD: SECRET },
      parameters: {
        print: DECORATION('connecting to ${DATABASE_URL}'),
        printTimes: 50,
        // About 300 KB: Lambda's report of it (JSON, its colours written out) fills the whole 4 KB log tail.
        fail: `\x1b[31mconnection to \${DATABASE_URL} failed (password=\${PGPASSWORD}):\x1b[0m ${DECORATION('连接失败 💥')} `,
        failRepeat: 2000,
      },
    });
  }, 'HugeError');
  const stack = harness.stack(assembly);

  const { exchange, reason } = failedCreate(await stack.create(), 'Migrate');

  const functionName = stack.physicalId(scriptIds(assembly, 'HugeError', 'Migrate').fn);
  const invocation = harness.lambda.invocationsOf(functionName).at(-1)!;
  expect(invocation.log.length).toBeGreaterThan(300_000);
  expect(invocation.log).toContain('\\u001b[31mconnection to'); // Lambda's JSON report carries the colours written out
  expect(reason).toMatch(/^Deployment script Migrate failed: Error: connection to postgresql:\/\/app:\*\*\*@db\.example\.com:5432\/app failed \(password=\*\*\*\): ⚠ 连接失败 💥 docs 👩‍👩‍👧‍👦 数据库 e\u0301 🇯🇵 connection/u);
  // The end of Lambda's report of the error: the cut part of one huge line.
  expect(reason).toMatch(/\nLast log lines:\n…/);
  expectCleanReason(reason, functionName);
  expectSecretKept(exchange, functionName);
});

test('a coloured log of hyperlinks and multi-byte text carrying credentials: its last lines, clean and redacted', async () => {
  const runs = new RunLog();
  const assembly = synth((stack) => {
    recorder(stack, 'Seed', runs, {
      trigger: ScriptTrigger.AFTER_DEPLOY,
      environment: { DATABASE_URL, PGPASSWORD: SECRET },
      parameters: {
        // About 400 KB of log; its last 4 KB are cut by bytes, inside a line, a sequence and a character.
        print: DECORATION('retrying ${DATABASE_URL} with password=${PGPASSWORD} {"password":"${PGPASSWORD}"}'),
        printTimes: 2500,
        fail: '\x1b[31mseed failed\x1b[0m',
      },
    });
  }, 'HugeLog');
  const stack = harness.stack(assembly);

  const { exchange, reason } = failedCreate(await stack.create(), 'Seed');

  const functionName = stack.physicalId(scriptIds(assembly, 'HugeLog', 'Seed').fn);
  expect(harness.lambda.invocationsOf(functionName).at(-1)!.log.length).toBeGreaterThan(400_000);
  expect(reason).toMatch(/^Deployment script Seed failed: Error: seed failed\nLast log lines:\n…\n/);
  expect(reason).toContain('INFO\t⚠ retrying postgresql://app:***@db.example.com:5432/app with password=*** {"password":"***"} docs 👩‍👩‍👧‍👦 数据库 e\u0301 🇯🇵\n');
  expectCleanReason(reason, functionName);
  expectSecretKept(exchange, functionName);
});

test('a request from another stack that names the provider is refused, and its script never runs', async () => {
  const runs = new RunLog();
  const ownerAssembly = synth((stack) => {
    recorder(stack, 'Migrate', runs, { trigger: ScriptTrigger.AFTER_DEPLOY });
  }, 'Owner');
  const owner = harness.stack(ownerAssembly);
  expect((await owner.create()).status).toBe('CREATE_COMPLETE');
  const ids = scriptIds(ownerAssembly, 'Owner', 'Migrate');
  const functionName = owner.physicalId(ids.fn);
  expect(harness.lambda.invocationsOf(functionName)).toHaveLength(1);

  // The owner's custom resource, as another stack of the account may copy it: the same service token and script.
  const properties = owner.properties(ids.resource);
  const intruder = harness.stack(synth((stack) => {
    new CfnResource(stack, 'Intruder', { type: 'Custom::DeploymentScript', properties: { ...properties, Parameters: '{"drop":"everything"}' } });
  }, 'Intruder'));
  const created = await intruder.create();

  const { reason } = failedCreate(created, 'Intruder');
  // The Provider framework adds where its log is.
  expect(reason).toMatch(/^Deployment script Intruder did not run: refused, /);
  expect(reason.split('\n')[0]).toBe(`Deployment script Intruder did not run: refused, the request comes from the stack ${intruder.stackId}, ` +
    `and this provider serves only ${owner.stackId}.`);
  expect(harness.lambda.invocationsOf(functionName)).toHaveLength(1);
  expect(runs.summary()).toEqual(['Migrate Create']);
  await owner.delete();
});

test('DescribeStacks throttled a few times: the status is read again, and each script runs once where it must', async () => {
  const runs = new RunLog();
  const stack = harness.stack(synth((stack) => {
    recorder(stack, 'Cleanup', runs, { trigger: ScriptTrigger.BEFORE_DELETE });
    recorder(stack, 'Deploy', runs, { trigger: ScriptTrigger.AFTER_DEPLOY });
  }, 'Throttled'));
  const throttle = () => harness.aws.failDescribeStacks({ status: 400, code: 'Throttling', message: 'Rate exceeded' }, 4);
  const runtimeLogs = () => harness.lambda.invocations.filter((i) => i.logicalId?.startsWith('DeploymentScriptProviderRuntime')).map((i) => i.log).join('\n');

  // More refusals than the SDK's own attempts: only the runtime's reading again gets through them.
  throttle();
  const created = await stack.create();
  expect(created.status).toBe('CREATE_COMPLETE');
  expect(runs.summary()).toEqual(['Deploy Create']);
  expect(runtimeLogs()).toMatch(/could not read the stack status: Throttling: Rate exceeded: retrying in \d+ ms/);

  throttle();
  const deleted = await stack.delete();
  expect(deleted.status).toBe('DELETE_COMPLETE');
  expect(runs.summary()).toEqual(['Deploy Create', 'Cleanup Delete']);
  expect(runtimeLogs()).toMatch(/decision: Delete before:delete .*status=DELETE_IN_PROGRESS -> run/);
});
