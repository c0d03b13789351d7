/**
 * The harness's Lambda with `keepWarm`, as Lambda keeps a sandbox between invocations: a Node.js function's module
 * is loaded once and its process takes the next invocation, each invocation's log holds only its own lines, a busy
 * process is not shared (a concurrent invocation gets another), and a process that timed out, was killed or belongs
 * to a function since updated never serves again. Also the faults every process can get: `kill`, `hang`, `revive`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Harness } from './harness';
import { tempDir } from './support';

jest.setTimeout(60_000);

let harness: Harness;
beforeAll(async () => {
  harness = await Harness.start(); // no stack deployed here: the runtime bundle does not matter
  harness.lambda.keepWarm = true;
}, 15 * 60_000);
afterAll(async () => {
  await harness?.close();
});

/** A function that counts its invocations in its module and answers with its process id; `wait` ms before answering. */
const COUNTER = `
let count = 0;
exports.handler = async (event) => {
  count++;
  console.log('invocation', count, event.label);
  if (event.wait) await new Promise((resolve) => setTimeout(resolve, event.wait));
  return { count, pid: process.pid, now: Date.now() };
};
`;

function deploy(name: string, code = COUNTER, timeoutSeconds = 10): void {
  const dir = tempDir('fn-');
  writeFileSync(join(dir, 'index.js'), code);
  harness.lambda.register({
    functionName: name,
    functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    region: 'us-east-1',
    handler: 'index.handler',
    runtime: 'nodejs22.x',
    timeoutSeconds,
    memorySize: 128,
    environment: {},
    codeDirectory: dir,
    logGroupName: `/aws/lambda/${name}`,
  });
}

async function invoke(name: string, event: Record<string, unknown> = {}) {
  const invocation = await harness.lambda.invoke(name, JSON.stringify(event));
  return { invocation, answer: invocation.functionError ? undefined : JSON.parse(invocation.response) };
}

test('a warm process takes the next invocation: the module stays loaded, each log holds its own lines', async () => {
  deploy('warm-counter');
  const first = await invoke('warm-counter', { label: 'first' });
  const second = await invoke('warm-counter', { label: 'second' });
  expect([first.answer.count, second.answer.count]).toEqual([1, 2]);
  expect(second.answer.pid).toBe(first.answer.pid);
  expect(first.invocation.log).toContain('invocation 1 first');
  expect(second.invocation.log).toContain('invocation 2 second');
  expect(second.invocation.log).not.toContain('first');
  expect(second.invocation.log).toMatch(new RegExp(`^START RequestId: ${second.invocation.requestId} `));
  // The harness's clock, moved on between the two, is what the warm process sees too.
  harness.lambda.clock.skip(3_600_000);
  const third = await invoke('warm-counter');
  expect(third.answer.count).toBe(3);
  expect(third.answer.now - Date.now()).toBeGreaterThan(3_500_000);
});

test('a concurrent invocation gets another process; an update of the function starts afresh', async () => {
  deploy('warm-concurrent');
  const [a, b] = await Promise.all([invoke('warm-concurrent', { wait: 300 }), invoke('warm-concurrent', { wait: 300 })]);
  expect(a.answer.pid).not.toBe(b.answer.pid);
  expect([a.answer.count, b.answer.count]).toEqual([1, 1]);
  const c = await invoke('warm-concurrent');
  expect(c.answer.count).toBe(2);
  deploy('warm-concurrent');
  expect((await invoke('warm-concurrent')).answer.count).toBe(1);
});

test('a process that timed out or was killed does not serve again', async () => {
  deploy('warm-timeout', COUNTER, 1);
  expect((await invoke('warm-timeout')).answer.count).toBe(1);
  const timedOut = await invoke('warm-timeout', { wait: 5000 });
  expect(timedOut.invocation.timedOut).toBe(true);
  expect((await invoke('warm-timeout')).answer.count).toBe(1);

  harness.lambda.kill('warm-timeout', 1);
  const killed = await invoke('warm-timeout');
  expect(killed.invocation.errorType()).toBe('Runtime.ExitError');
  expect(killed.invocation.response).toContain('signal: killed');
  expect((await invoke('warm-timeout')).answer.count).toBe(1);
});

test('hang stops the process until its timeout; revive ends the fault', async () => {
  deploy('warm-hang', COUNTER, 1);
  harness.lambda.hang('warm-hang');
  const hung = await invoke('warm-hang');
  expect(hung.invocation.timedOut).toBe(true);
  expect(hung.invocation.response).toContain('Task timed out after 1.00 seconds');
  harness.lambda.revive('warm-hang');
  expect((await invoke('warm-hang')).answer.count).toBe(1);
});

test('a handler that throws keeps its process; one that calls back answers too', async () => {
  deploy('warm-throws', `let n = 0; exports.handler = async () => { n++; if (n === 1) throw new Error('first fails'); return n; };`);
  const failed = await invoke('warm-throws');
  expect(failed.invocation.errorType()).toBe('Error');
  expect((await invoke('warm-throws')).answer).toBe(2);

  deploy('warm-callback', `let n = 0; exports.handler = (event, context, callback) => { n++; setTimeout(() => callback(null, n), 10); };`);
  expect((await invoke('warm-callback')).answer).toBe(1);
  expect((await invoke('warm-callback')).answer).toBe(2);
});
