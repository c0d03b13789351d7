import { MAX_REASON_BYTES } from '../../lambda-runtime/shared/consts';
import { buildFailureReason, cleanLogTail, logsConsoleUrl, reportableError, type ScriptFailure } from '../../lambda-runtime/shared/reason';
import { jsonBytes, keepHead, keepLastLines, keepTail, sanitize } from '../../lambda-runtime/shared/text';

const CN_STACK = 'arn:aws-cn:cloudformation:cn-north-1:123456789012:stack/my-stack/5b7c2d10-a1b2-11ee-8c90-0242ac120002';
const REQUEST_ID = '8f1e2d3c-4b5a-4c6d-9e8f-7a6b5c4d3e2f';
const GROUP = '/aws/lambda/my-stack-MigrateScriptFn-AbCdEf123456';
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const CONTROL_EXCEPT_NL_TAB = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

const reasonBytes = (reason: string) => Buffer.byteLength(JSON.stringify(reason), 'utf8');
const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');

function failure(overrides: Partial<ScriptFailure> = {}): ScriptFailure {
  return {
    logicalResourceId: 'Migrate',
    stackId: CN_STACK,
    errorType: 'MigrationError',
    errorMessage: 'relation "users" already exists',
    logGroupName: GROUP,
    scriptRequestId: REQUEST_ID,
    timeoutSeconds: 300,
    ...overrides,
  };
}

/** A 3 MB log of the worst kind: colours, hyperlinks, emoji, CJK, combining marks, controls, CRLF. */
function hugeLog(): { raw: Buffer; lastLine: string } {
  const lines: string[] = [];
  const ts = '2024-05-01T12:00:00.000Z';
  for (let i = 0, size = 0; size < 1_000_000; i++) {
    const line = `${ts}\t${REQUEST_ID}\tINFO\t\x1b[1;32m✔ migration ${i}\x1b[0m 数据库迁移 🚀👩‍💻🇯🇵 cafe\u0301 \x1b]8;;https://example.com\x07link\x1b]8;;\x07 \x1b(B\x07bell\x00nul\r\n`;
    lines.push(line);
    size += line.length;
  }
  const lastLine = 'FINAL: 完了 ✅ e\u0301 👍🏽';
  // The tail starts inside a line and inside an emoji's UTF-8 bytes, as Lambda's byte cut may.
  const body = Buffer.from(`PARTIAL-FIRST-LINE 🚀 tail\n${lines.join('')}\x1b[31m${ts}\t${REQUEST_ID}\tERROR\t${lastLine}\x1b[0m\nEND RequestId: ${REQUEST_ID}\nREPORT RequestId: ${REQUEST_ID}\tDuration: 1.00 ms\t\n`);
  const raw = Buffer.concat([body, body, body]).subarray(2); // ~3 MB, starting mid-character
  return { raw, lastLine };
}

describe('buildFailureReason', () => {
  test('a huge multi-byte coloured log and a 100 KB error message fit, keeping what matters', () => {
    const { raw, lastLine } = hugeLog();
    expect(raw.length).toBeGreaterThan(3_000_000);
    const errorMessage = 'relation "users" already exists — 関係は既に存在します 💥 ' + 'é\u0301🇫🇷x'.repeat(100_000 / 8);
    const reason = buildFailureReason(failure({ errorMessage, logResult: b64(raw) }));

    expect(reasonBytes(reason)).toBeLessThanOrEqual(MAX_REASON_BYTES);
    expect(reasonBytes(reason)).toBeGreaterThan(MAX_REASON_BYTES - 200); // the room is used, not wasted
    const lines = reason.split('\n');
    expect(lines[0]).toMatch(/^Deployment script Migrate failed: MigrationError: relation "users" already exists — 関係は既に存在します 💥 /);
    expect(lines[0]).toMatch(/…$/);
    expect(reason).toContain(`ERROR\t${lastLine}`);
    expect(lines.at(-3)).toBe(`ERROR\t${lastLine}`);
    expect(reason).toContain('Last log lines:\n…\n');
    expect(reason).not.toContain('PARTIAL-FIRST-LINE');
    expect(reason).not.toContain('REPORT RequestId');
    expect(reason).not.toContain(REQUEST_ID + '\t'); // runtime line prefixes are dropped
    expect(reason).toMatch(/INFO\t✔ migration \d+ 数据库迁移 🚀👩‍💻🇯🇵 cafe\u0301 link bellnul\n/);
    expect(reason).not.toContain('\x1b');
    expect(reason).not.toMatch(CONTROL_EXCEPT_NL_TAB);
    expect(reason).not.toMatch(LONE_SURROGATE);
    expect(reason).not.toContain('\ufffd');
    expect(lines.at(-2)).toBe(`Full log: ${GROUP}`);
    expect(lines.at(-1)).toBe(
      'https://console.amazonaws.cn/cloudwatch/home?region=cn-north-1#logsV2:log-groups/log-group/' +
      '$252Faws$252Flambda$252Fmy-stack-MigrateScriptFn-AbCdEf123456' +
      `/log-events$3FfilterPattern$3D$2522${REQUEST_ID}$2522`,
    );
  });

  test('a short failure is reported whole', () => {
    const log = `START RequestId: ${REQUEST_ID} Version: $LATEST\n2024-05-01T12:00:00.000Z\t${REQUEST_ID}\tINFO\tconnecting\n` +
      `2024-05-01T12:00:01.000Z\t${REQUEST_ID}\tERROR\tboom\nEND RequestId: ${REQUEST_ID}\nREPORT RequestId: ${REQUEST_ID}\tDuration: 3.00 ms\t\n`;
    const reason = buildFailureReason(failure({ logResult: b64(log), stackId: CN_STACK.replace('aws-cn', 'aws').replace('cn-north-1', 'eu-west-1') }));
    expect(reason).toBe([
      'Deployment script Migrate failed: MigrationError: relation "users" already exists',
      'Last log lines:',
      'INFO\tconnecting',
      'ERROR\tboom',
      `Full log: ${GROUP}`,
      'https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Faws$252Flambda$252Fmy-stack-MigrateScriptFn-AbCdEf123456' +
      `/log-events$3FfilterPattern$3D$2522${REQUEST_ID}$2522`,
    ].join('\n'));
  });

  test('a timeout says so, with the timeout and the fix', () => {
    const reason = buildFailureReason(failure({ errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${REQUEST_ID} Error: Task timed out after 300.00 seconds` }));
    expect(reason.split('\n')[0]).toMatch(/^Deployment script Migrate failed: Sandbox.Timedout: timed out after 300 seconds \(its timeout\)\. Raise the script's `timeout` \(at most 14 minutes\), or move long-running work elsewhere/);
  });

  test('an older runtime\'s timeout, without a configured timeout, takes the seconds from the message', () => {
    const reason = buildFailureReason(failure({ errorType: '', errorMessage: '2024-05-01T12:00:03.010Z 8f1e Task timed out after 3.01 seconds', timeoutSeconds: undefined }));
    expect(reason).toMatch(/failed: Error: timed out after 3 seconds \(its timeout\)/);
  });

  test('a huge error message keeps its head and the location lines, with no log', () => {
    const reason = buildFailureReason(failure({ errorMessage: 'x'.repeat(100_000) }));
    expect(reasonBytes(reason)).toBeLessThanOrEqual(MAX_REASON_BYTES);
    expect(reasonBytes(reason)).toBeGreaterThan(MAX_REASON_BYTES - 10);
    expect(reason).toMatch(/^Deployment script Migrate failed: MigrationError: xxx+…\nFull log: /);
  });

  test('a long log with a short message gives the log all the room', () => {
    const log = Array.from({ length: 200 }, (_, i) => `line ${i} ${'-'.repeat(40)}`).join('\n') + '\n';
    const reason = buildFailureReason(failure({ logResult: b64(log) }));
    expect(reasonBytes(reason)).toBeGreaterThan(MAX_REASON_BYTES - 80);
    expect(reason).toContain('failed: MigrationError: relation "users" already exists\nLast log lines:\n…\n');
    expect(reason).toContain(`line 199 ${'-'.repeat(40)}\nFull log:`);
  });

  test('the log group and request id are encoded as the CloudWatch console expects', () => {
    expect(logsConsoleUrl('aws-us-gov', 'us-gov-west-1', '/custom/my group+1', 'abc')).toBe(
      'https://console.amazonaws-us-gov.com/cloudwatch/home?region=us-gov-west-1#logsV2:log-groups/log-group/$252Fcustom$252Fmy$2520group$252B1/log-events$3FfilterPattern$3D$2522abc$2522',
    );
    expect(logsConsoleUrl('aws', 'us-east-1', '/g')).toBe('https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Fg');
    expect(logsConsoleUrl('aws-iso', 'us-iso-east-1', '/g')).toBeUndefined();
  });

  test('an unknown partition still names the log group', () => {
    const reason = buildFailureReason(failure({ stackId: 'arn:aws-iso:cloudformation:us-iso-east-1:123456789012:stack/s/1' }));
    expect(reason.split('\n').at(-1)).toBe(`Full log: ${GROUP}`);
  });

  test('whatever the budget, a cut never splits a character or exceeds it', () => {
    const { raw } = hugeLog();
    const logResult = b64(raw.subarray(raw.length - 4096));
    const errorMessage = '👩‍👩‍👧‍👦 e\u0301\u0302 🇯🇵 中文 '.repeat(400);
    for (let max = 700; max <= 2600; max += 37) {
      const reason = buildFailureReason(failure({ errorMessage, logResult }), max);
      expect(reasonBytes(reason)).toBeLessThanOrEqual(max);
      expect(reason).not.toMatch(LONE_SURROGATE);
      expect(reason).not.toContain('\ufffd');
      expect(reason).not.toMatch(/^\p{M}|\n\p{M}|…\p{M}|\u200d…/u); // no mark cut from its character
    }
  });
});

describe('a reason with nothing but text', () => {
  // Lambda's Node runtime reports an error as JSON: the script's colours and hyperlinks arrive written out.
  const COLOURED = '\x1b[31mconnection failed\x1b[0m: see \x1b]8;;https://docs.example.com/e42\x07the docs\x1b]8;;\x07 (\x1b]8;;https://x\x1b\\st\x1b]8;;\x1b\\)';
  const report = (message: string) => `2024-05-01T12:00:00.000Z\t${REQUEST_ID}\tERROR\tInvoke Error \t${JSON.stringify({ errorType: 'Error', errorMessage: message, stack: [`Error: ${message}`, '    at x (/var/task/index.js:1:1)'] })}`;

  test.each([
    ['raw', COLOURED],
    ['JSON-escaped', JSON.stringify(COLOURED).slice(1, -1)],
    ['JSON-escaped twice', JSON.stringify(JSON.stringify(COLOURED)).slice(1, -1)],
    ['as Python prints it', COLOURED.replace(/\x1b/g, '\\x1b').replace(/\x07/g, '\\x07')],
    ['octal', COLOURED.replace(/\x1b/g, '\\033')],
  ])('escape sequences %s are stripped, hyperlinks keep their text', (_form, message) => {
    const [first] = buildFailureReason(failure({ errorMessage: message })).split('\n');
    expect(first).toMatch(/^Deployment script Migrate failed: MigrationError: (?:\\")?connection failed: see the docs \(st\)(?:\\")?$/);
  });

  test('a log of JSON lines (Lambda\'s JSON log format, the runtime\'s error report cut in its middle) holds no escape or remains of one', () => {
    const message = `${COLOURED} ${'数据 🚀 e\u0301 '.repeat(2000)}\x1b[1;31mEND\x1b[0m`;
    const jsonLines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ level: 'INFO', message: `\x1b[32mstep ${i}\x1b[0m \x1b]8;;https://x/${i}\x07link\x1b]8;;\x07` }));
    for (const log of [report(message), jsonLines.join('\n')]) {
      const bytes = Buffer.from(`${log}\nEND RequestId: ${REQUEST_ID}\n`);
      // Every cut Lambda's 4 KB tail may make, a byte at a time through an escape sequence and a character.
      for (let cut = 0; cut < 24; cut++) {
        const tail = bytes.subarray(bytes.length - 4096 - cut);
        const reason = buildFailureReason(failure({ errorMessage: message, logResult: b64(tail) }));
        expect(reason).not.toMatch(/\x1b|\\u001b|\\x1b|\\u0007|\[\d+(?:;\d+)*m|\]8;;|\ufffd/);
        expect(reason).not.toMatch(LONE_SURROGATE);
        expect(reasonBytes(reason)).toBeLessThanOrEqual(MAX_REASON_BYTES);
      }
    }
  });

  test('what is left of a sequence at the start of a cut tail goes', () => {
    for (const start of ['b[0m', '01b[31m', '\\u001b[0m', '1b[1;35m', 'tps://x/3\\u0007']) {
      expect(cleanLogTail(b64(`${start}the rest of it`.padEnd(4200, ' ') + 'END-OF-IT\n'))).toEqual([`…the rest of it${' '.repeat(4200 - 14 - start.length)}END-OF-IT`]);
    }
  });

  test('credentials in the message and the log are redacted before the cuts, so no part of one is left', () => {
    const secret = 'hunter2';
    const message = `could not connect to postgresql://app:${secret}@db.example.com:5432/app (password=${secret}) ${'x'.repeat(10_000)}`;
    const log = [report(message), `INFO\tretrying with {"password":"${secret}"} and jdbc:postgresql://db:5432/app;password=${secret};`].join('\n');
    for (let max = 400; max <= MAX_REASON_BYTES; max += 7) {
      const reason = buildFailureReason(failure({ errorMessage: message, logResult: b64(log) }), max);
      expect(reason).not.toMatch(/hunter|unter2|ter2|r2@/);
      expect(reasonBytes(reason)).toBeLessThanOrEqual(max);
    }
    const reason = buildFailureReason(failure({ errorMessage: message, logResult: b64(log) }));
    expect(reason).toContain('postgresql://app:***@db.example.com:5432/app (password=***)');
    expect(reason).toContain('{"password":"***"} and jdbc:postgresql://db:5432/app;password=***;');
  });

  test('a reason thrown by the runtime itself is cleaned too', () => {
    const error = reportableError(`Deployment script Migrate did not run: \x1b[31mpostgres://u:hunter2@h\x1b[0m`);
    expect(error.message).toBe('Deployment script Migrate did not run: postgres://u:***@h');
    expect(error.stack).toBe('Error: Deployment script Migrate did not run: postgres://u:***@h');
  });
});

describe('cleanLogTail', () => {
  test('keeps a whole small log\'s first line, drops platform lines and blank lines', () => {
    const log = 'START RequestId: r Version: $LATEST\nINIT_START Runtime Version: nodejs:24\nfirst\n\n  \nsecond\r\nthird\rfourth\nEND RequestId: r\nREPORT RequestId: r\tDuration: 1 ms\n';
    expect(cleanLogTail(b64(log))).toEqual(['first', 'second', 'third', 'fourth']);
  });

  test('drops the first line of a full 4 KB tail, which the cut made partial', () => {
    const log = 'partial line\n' + 'x'.repeat(4100) + '\nlast\n';
    expect(cleanLogTail(b64(log))).toEqual(['x'.repeat(4100), 'last']);
  });

  test('keeps the end of a tail that is one partial line', () => {
    const lines = cleanLogTail(b64(Buffer.from('🚀'.repeat(1100)).subarray(1)));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^…🚀+$/u);
  });

  test('keeps the end of a huge last line when the cut leaves nothing else', () => {
    const log = 'x'.repeat(5000) + 'END-OF-IT\nEND RequestId: r\nREPORT RequestId: r\tDuration: 1 ms\n';
    expect(cleanLogTail(b64(log))).toEqual([`…${'x'.repeat(5000)}END-OF-IT`]);
  });

  test('drops Lambda\'s JSON-format platform events', () => {
    const log = '{"time":"2024-05-01T12:00:00.000Z","type":"platform.start","record":{}}\n{"level":"INFO","message":"hi"}\n';
    expect(cleanLogTail(b64(log))).toEqual(['{"level":"INFO","message":"hi"}']);
  });
});

describe('text helpers', () => {
  test('sanitize strips CSI, OSC, charset and lone escapes and control characters, keeps tabs and newlines', () => {
    expect(sanitize('\x1b[38;5;196mred\x1b[0m\t\x1b]0;title\x07ok\x1b]8;;http://x\x1b\\\x1b(Bz\x1b7\x1b\n\x9b1mc1\x00\x7f\x85')).toBe('red\tokz\nc1');
    expect(sanitize('a\ud800b\udc00c😀')).toBe('a\ufffdb\ufffdc😀');
  });

  test('an unterminated OSC does not swallow the following lines', () => {
    expect(sanitize('\x1b]8;;http://x\nnext')).toBe('\nnext');
  });

  test('jsonBytes counts as CloudFormation does', () => {
    for (const s of ['', 'abc', '"\\', '\n\t\x01', 'é', '中', '😀', '\u2028']) {
      expect(jsonBytes(s)).toBe(Buffer.byteLength(JSON.stringify(s)) - 2);
    }
  });

  test('keepHead and keepTail cut between characters, not inside them', () => {
    expect(keepHead('ab😀cd', 6)).toBe('ab…'); // 😀 needs 4 bytes, … 3
    expect(keepHead('ab😀cdef', 9)).toBe('ab😀…');
    expect(keepHead('abcde\u0301fgh', 9)).toBe('abcd…'); // é goes whole or stays whole
    expect(keepHead('ab👩‍💻', 12)).toBe('ab…'); // never end on a joiner
    expect(keepTail('ab😀cd', 7)).toBe('…cd');
    expect(keepTail('xyab😀cd', 9)).toBe('…😀cd');
    expect(keepTail('abe\u0301\u0302cd', 8)).toBe('…cd');
    expect(keepHead('short', 5)).toBe('short');
    expect(keepHead('short', 2)).toBe('');
  });

  test('keepLastLines keeps the last whole lines and marks the cut', () => {
    expect(keepLastLines(['one', 'two', 'three'], 100)).toEqual(['one', 'two', 'three']);
    expect(keepLastLines(['one', 'two', 'three'], 14)).toEqual(['…', 'three']);
    expect(keepLastLines(['a very long last line'], 12)).toEqual(['…st line']);
  });
});

describe('reportableError', () => {
  test('has a one-line stack and a message within the limit', () => {
    const error = reportableError('first line\nsecond line\n' + '🚀'.repeat(5000));
    expect(error.stack).toBe('Error: first line');
    expect(reasonBytes(error.message)).toBeLessThanOrEqual(MAX_REASON_BYTES);
    expect(error.message).toMatch(/^first line\nsecond line\n🚀+…$/u);
  });
});
