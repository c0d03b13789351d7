/**
 * A script's failure pushed through aws-cdk-lib's own Provider framework code, as shipped: what CloudFormation
 * finally receives must be a valid response under its 4096-byte limit, whatever the script printed.
 */
import { join } from 'node:path';
import { ENV_PROVIDER_STACK_ID, MAX_RESULT_BYTES, TRIGGER_AFTER_DEPLOY } from '../../lambda-runtime/shared/consts';
import { createHandler } from '../../lambda-runtime/script/index';
import { captureConsole, cfnEvent, FakeClock, lambdaContext, RESPONSE_URL_SECRET } from '../support/events';
import { FakeAws, outcome } from '../support/fake-aws';

// The framework's outbound module loads the Step Functions client at require time; this package does not
// install it, and the framework only uses it with an isComplete handler.
jest.mock('@aws-sdk/client-sfn', () => ({ SFN: class {} }), { virtual: true });

const RUNTIME_DIR = join(__dirname, '../../node_modules/aws-cdk-lib/custom-resources/lib/provider-framework/runtime');
/* eslint-disable @typescript-eslint/no-require-imports */
const framework: { onEvent(event: unknown): Promise<void> } = require(join(RUNTIME_DIR, 'framework.js'));
const outbound: Record<string, unknown> = require(join(RUNTIME_DIR, 'outbound.js'));
const frameworkConsts: Record<string, string> = require(join(RUNTIME_DIR, 'consts.js'));
/* eslint-enable @typescript-eslint/no-require-imports */

const PARTITION = 'aws-us-gov';
const REGION = 'us-gov-west-1';
const STACK_ID = `arn:${PARTITION}:cloudformation:${REGION}:123456789012:stack/${'S'.repeat(128)}/5b7c2d10-a1b2-11ee-8c90-0242ac120002`;
const SCRIPT_FUNCTION = 'F'.repeat(64);
const RUNTIME_FUNCTION_ARN = `arn:${PARTITION}:lambda:${REGION}:123456789012:function:${'R'.repeat(64)}`;
const LOGICAL_ID = 'L'.repeat(255);

const fake = FakeAws.forTestFile({ region: REGION });
let responses: Array<{ options: { method?: string; headers?: Record<string, unknown> }; body: string }>;

beforeEach(() => {
  responses = [];
  process.env[frameworkConsts.USER_ON_EVENT_FUNCTION_ARN_ENV] = RUNTIME_FUNCTION_ARN;
  process.env[ENV_PROVIDER_STACK_ID] = STACK_ID; // the runtime serves this stack
  delete process.env[frameworkConsts.USER_IS_COMPLETE_FUNCTION_ARN_ENV];

  // Lambda's Node runtime, in process: a returned value becomes the payload; a thrown error becomes
  // FunctionError 'Unhandled' with {errorType, errorMessage, trace: stack.split('\n')}.
  const handler = createHandler({ sleep: new FakeClock().sleep });
  outbound.invokeFunction = async (request: { FunctionName: string; Payload: string }) => {
    expect(request.FunctionName).toBe(RUNTIME_FUNCTION_ARN);
    try {
      const result = await handler(JSON.parse(request.Payload), lambdaContext());
      return { StatusCode: 200, Payload: Buffer.from(JSON.stringify(result ?? null)) };
    } catch (e) {
      const error = e as Error;
      const payload = { errorType: error.name, errorMessage: error.message, trace: String(error.stack).split('\n') };
      return { StatusCode: 200, FunctionError: 'Unhandled', Payload: Buffer.from(JSON.stringify(payload)) };
    }
  };
  outbound.httpRequest = async (options: { method?: string; headers?: Record<string, unknown> }, body: string) => {
    responses.push({ options, body });
  };
});

const LAST_LINE = 'LAST LINE: rolled back 回滚 ✅';

/** A log full of colour, hyperlinks and multi-byte characters, far beyond Lambda's 4 KB tail. */
const HUGE_LOG = [
  ...Array.from({ length: 3000 }, (_, i) => `\x1b[1;35m◆ 步骤 ${i} 👩‍👩‍👧‍👦 e\u0301\u0302 🇯🇵 \x1b]8;;https://x\x07link\x1b]8;;\x07\x1b[0m`),
  LAST_LINE,
];
function failingScript(messageRepeats: number) {
  const message = `Migration failed — 迁移失败 💥 ${'ü🔥'.repeat(messageRepeats)}`;
  // As Node reports it: the stack starts with the message.
  const trace = [`ScriptError: ${message}`, '    at migrate (/var/task/index.js:7:11)', '    at handler (/var/task/index.js:1:1)'];
  return outcome.throws('ScriptError', message, HUGE_LOG, trace);
}

async function onEvent(event: ReturnType<typeof cfnEvent>) {
  const output = captureConsole();
  try {
    await framework.onEvent(event);
  } finally {
    output.restore();
  }
  expect(output.text()).not.toContain(RESPONSE_URL_SECRET);
  expect(responses).toHaveLength(1);
  const [{ options, body }] = responses;
  expect(options.method).toBe('PUT');
  expect(options.headers?.['content-length']).toBe(Buffer.byteLength(body, 'utf8'));
  return { body, response: JSON.parse(body) };
}

// A message of 1 KB leaves room in the 4 KB log tail for the script's own last lines; one of 100 KB fills the
// tail with the runtime's report of it, whose end is then the last log line.
test.each([
  ['Create', 'a 1 KB message', 170],
  ['Update', 'a 1 KB message', 170],
  ['Create', 'a 100 KB message', 17_000],
  ['Update', 'a 100 KB message', 17_000],
] as const)('a failed %s with %s reaches CloudFormation whole and under 4096 bytes', async (requestType, _what, repeats) => {
  fake.setStack(STACK_ID, `${requestType.toUpperCase()}_IN_PROGRESS`).setScript(SCRIPT_FUNCTION, failingScript(repeats));
  const event = cfnEvent(requestType, {
    stackId: STACK_ID,
    logicalResourceId: LOGICAL_ID,
    physicalResourceId: LOGICAL_ID,
    functionName: SCRIPT_FUNCTION,
    trigger: TRIGGER_AFTER_DEPLOY,
  });

  const { body, response } = await onEvent(event);

  expect(Buffer.byteLength(body, 'utf8')).toBeLessThan(4096);
  expect(response.Status).toBe('FAILED');
  expect(response.LogicalResourceId).toBe(LOGICAL_ID);
  expect(response.StackId).toBe(STACK_ID);
  const reason: string = response.Reason;
  expect(reason).toMatch(new RegExp(`^Deployment script ${LOGICAL_ID} failed: ScriptError: Migration failed — 迁移失败 💥 ${repeats < 1000 ? '(ü🔥)+' : '[ü🔥]+…'}\\n`, 'u'));
  if (repeats < 1000) {
    expect(reason).toContain(`INFO\t${LAST_LINE}\nERROR\tInvoke Error: ScriptError (message above)\n    at migrate (/var/task/index.js:7:11)\n    at handler (/var/task/index.js:1:1)\nFull log:`);
  } else {
    expect(reason).toMatch(/\n…[ü🔥]+","    at migrate \(\/var\/task\/index\.js:7:11\)","    at handler \(\/var\/task\/index\.js:1:1\)"\]\}\nFull log:/u);
  }
  expect(reason).toContain(`\nFull log: /aws/lambda/${SCRIPT_FUNCTION}\nhttps://console.amazonaws-us-gov.com/cloudwatch/home?region=${REGION}#logsV2:`);
  // The framework's own line, once; the message is not repeated by a stack trace.
  expect(reason).toMatch(new RegExp(`\\n\\nLogs: /aws/lambda/${'R'.repeat(64)}\\n$`));
  expect(reason.split('Deployment script').length - 1).toBe(1);
  expect(reason.split('Migration failed').length - 1).toBe(1);
  expect(reason).not.toContain('\x1b');
  expect(reason).not.toContain('\ufffd');
});

test('a successful script\'s attributes reach CloudFormation', async () => {
  fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns({ userId: 'u-1', count: 2 }));
  const { response } = await onEvent(cfnEvent('Create', { stackId: STACK_ID, functionName: SCRIPT_FUNCTION }));
  expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'Migrate', Data: { userId: 'u-1', count: '2' } });
});

test('the rollback of a failed update answers CloudFormation with the stored attributes, under 4096 bytes', async () => {
  // The longest names there are, and the largest result there may be: all of it reaches CloudFormation.
  const result = { big: 'x'.repeat(MAX_RESULT_BYTES - 12) };
  fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns(result));
  const ids = { stackId: STACK_ID, logicalResourceId: LOGICAL_ID, physicalResourceId: LOGICAL_ID, functionName: SCRIPT_FUNCTION };
  expect((await onEvent(cfnEvent('Create', ids))).response).toMatchObject({ Status: 'SUCCESS', Data: result });
  expect(fake.parameterNames()).toHaveLength(1);

  responses = [];
  fake.setStack(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS');
  const { body, response } = await onEvent(cfnEvent('Update', ids));

  expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: LOGICAL_ID, Data: result });
  expect(Buffer.byteLength(body, 'utf8')).toBeLessThan(4096);
  expect(fake.invocations).toHaveLength(1);
});
