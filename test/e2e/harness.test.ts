/**
 * The harness's Lambda, checked against what the runtime relies on: invoked with the real
 * `@aws-sdk/client-lambda` through the fake endpoint, a function answers as Lambda's Invoke does (JSON result;
 * `X-Amz-Function-Error` and the Node.js and Python runtimes' error payloads; the last 4 KB of the log with
 * START/END/REPORT and the runtime's line prefixes; `Sandbox.Timedout` at the timeout, the process killed;
 * the client context in the handler's context), and calls to services the harness does not emulate are caught.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { Harness } from './harness';
import { tempDir } from './support';

jest.setTimeout(60_000);

let harness: Harness;
let client: LambdaClient;
beforeAll(async () => {
  harness = await Harness.start(); // no stack deployed here: the runtime bundle does not matter
  client = new LambdaClient({
    region: 'us-east-1',
    endpoint: harness.aws.url,
    credentials: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake' },
    maxAttempts: 1,
  });
}, 15 * 60_000);
afterAll(async () => {
  client?.destroy();
  await harness?.close();
});

/** Registers a function whose code is `files`, written to a fresh directory (outside the project, as Lambda's). */
function deploy(name: string, runtime: string, handler: string, files: Record<string, string>, timeoutSeconds = 10): void {
  const dir = tempDir('fn-');
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
  harness.lambda.register({
    functionName: name,
    functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    region: 'us-east-1',
    handler,
    runtime,
    timeoutSeconds,
    memorySize: 128,
    environment: { GREETING: 'hello' },
    codeDirectory: dir,
    logGroupName: `/aws/lambda/${name}`,
  });
}

async function invoke(name: string, payload: unknown, custom?: unknown) {
  const out = await client.send(new InvokeCommand({
    FunctionName: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    Payload: Buffer.from(JSON.stringify(payload)),
    LogType: 'Tail',
    ClientContext: custom === undefined ? undefined : Buffer.from(JSON.stringify({ custom })).toString('base64'),
  }));
  return {
    out,
    payload: JSON.parse(Buffer.from(out.Payload!).toString('utf8')),
    log: Buffer.from(out.LogResult ?? '', 'base64').toString('utf8'),
  };
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

test('Node.js: the handler\'s result, its log with the runtime\'s prefixes, and the client context in the context', async () => {
  deploy('node-ok', 'nodejs22.x', 'index.handler', {
    'index.js': `exports.handler = async (event, context) => {
      console.log('got', JSON.stringify(event));
      console.warn('two\\nlines');
      return { sum: event.a + event.b, custom: context.clientContext.custom, name: context.functionName,
        env: process.env.GREETING, region: process.env.AWS_REGION, remaining: context.getRemainingTimeInMillis() };
    };`,
  });

  const { out, payload, log } = await invoke('node-ok', { a: 1, b: 2 }, { requestType: 'Create' });

  expect(out.FunctionError).toBeUndefined();
  expect(payload).toEqual({ sum: 3, custom: { requestType: 'Create' }, name: 'node-ok', env: 'hello', region: 'us-east-1', remaining: expect.any(Number) });
  expect(payload.remaining).toBeGreaterThan(5000);
  const requestId = out.$metadata.requestId!;
  expect(log).toMatch(new RegExp(`^START RequestId: ${requestId} Version: \\$LATEST\n`));
  expect(log).toMatch(new RegExp(`\n\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\t${requestId}\tINFO\tgot {"a":1,"b":2}\n`));
  expect(log).toContain(`\t${requestId}\tWARN\ttwo\rlines\n`);
  expect(log).toMatch(new RegExp(`\nEND RequestId: ${requestId}\nREPORT RequestId: ${requestId}\tDuration: [\\d.]+ ms\tBilled Duration: \\d+ ms\tMemory Size: 128 MB\tMax Memory Used: \\d+ MB\t\n$`));
});

test('Node.js: a thrown error is Unhandled with the runtime\'s payload and its Invoke Error log line', async () => {
  deploy('node-throws', 'nodejs22.x', 'index.handler', {
    'index.js': 'exports.handler = async () => { const e = new TypeError("bad input"); throw e; };',
  });

  const { out, payload, log } = await invoke('node-throws', {});

  expect(out.FunctionError).toBe('Unhandled');
  expect(payload).toEqual({ errorType: 'TypeError', errorMessage: 'bad input', trace: expect.arrayContaining(['TypeError: bad input']) });
  expect(log).toMatch(new RegExp(`\t${UUID}\tERROR\tInvoke Error \t\\{"errorType":"TypeError","errorMessage":"bad input","stack":\\["TypeError: bad input",`));
});

test('a timeout kills the invocation and answers Sandbox.Timedout', async () => {
  const marker = join(tempDir('marker-'), 'after-sleep');
  deploy('node-slow', 'nodejs22.x', 'index.handler', {
    'index.js': `exports.handler = async () => {
      console.log('sleeping');
      await new Promise((r) => setTimeout(r, 3000));
      require('fs').writeFileSync(${JSON.stringify(marker)}, 'x');
    };`,
  }, 1);

  const started = Date.now();
  const { out, payload, log } = await invoke('node-slow', {});

  expect(Date.now() - started).toBeLessThan(2500);
  expect(out.FunctionError).toBe('Unhandled');
  expect(payload).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${out.$metadata.requestId} Error: Task timed out after 1.00 seconds` });
  expect(log).toMatch(/\tINFO\tsleeping\n.* Task timed out after 1\.00 seconds\nEND RequestId: .*\nREPORT RequestId: .*\tStatus: timeout\t\n$/);
  await new Promise((r) => setTimeout(r, 2500));
  expect(existsSync(marker)).toBe(false);
});

test('LogResult is the last 4 KB of the log, cut in bytes', async () => {
  deploy('node-chatty', 'nodejs22.x', 'index.handler', {
    'index.js': 'exports.handler = async () => { for (let i = 0; i < 500; i++) console.log(`line ${i} ✅`); console.log("the end"); };',
  });

  const { out, log } = await invoke('node-chatty', {});

  expect(Buffer.from(out.LogResult!, 'base64').length).toBe(4096);
  expect(log).not.toContain('START RequestId');
  expect(log).toMatch(/\tINFO\tthe end\nEND RequestId: [^\n]+\nREPORT RequestId: [^\n]+\n$/);
});

test('Python: the result, the client context, and the runtime\'s error payload and log', async () => {
  deploy('py', 'python3.13', 'app.handler', {
    'app.py': [
      'import logging',
      'logging.getLogger().setLevel(logging.INFO)',
      'def handler(event, context):',
      '    logging.info("event %s", event)',
      '    if event.get("fail"):',
      '        raise KeyError("missing")',
      '    return {"custom": context.client_context.custom, "request": context.aws_request_id, "left": context.get_remaining_time_in_millis() > 0}',
    ].join('\n'),
  });

  const ok = await invoke('py', { fail: false }, { trigger: 'after:deploy' });
  expect(ok.payload).toEqual({ custom: { trigger: 'after:deploy' }, request: ok.out.$metadata.requestId, left: true });
  expect(ok.log).toMatch(new RegExp(`\n\\[INFO\\]\t\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\t${ok.out.$metadata.requestId}\tevent \\{'fail': False\\}\n`));

  const failed = await invoke('py', { fail: true });
  expect(failed.out.FunctionError).toBe('Unhandled');
  expect(failed.payload).toEqual({
    errorMessage: "'missing'",
    errorType: 'KeyError',
    requestId: failed.out.$metadata.requestId,
    stackTrace: [expect.stringMatching(/^ {2}File ".*app\.py", line 6, in handler\n {4}raise KeyError\("missing"\)\n$/)],
  });
  expect(failed.log).toContain("[ERROR] KeyError: 'missing'\rTraceback (most recent call last):\r");
});

test('an unknown function is ResourceNotFoundException; a call to a service the harness does not emulate is caught', async () => {
  await expect(invoke('nobody', {})).rejects.toMatchObject({ name: 'ResourceNotFoundException' });

  deploy('node-s3', 'nodejs22.x', 'index.handler', {
    'index.js': `exports.handler = async () => {
      const response = await fetch(process.env.AWS_ENDPOINT_URL + '/my-bucket/key', { method: 'PUT', body: 'x' });
      return response.status;
    };`,
  });
  const { payload } = await invoke('node-s3', {});
  expect(payload).toBe(501);
  expect(harness.unexpectedRequests).toEqual([expect.objectContaining({ method: 'PUT', url: '/my-bucket/key' })]);
  harness.unexpectedRequests.length = 0; // expected here: do not fail close()
});
