import { MAX_REASON_BYTES, MAX_RESULT_BYTES } from '../../lambda-runtime/shared/consts';
import { resultToData } from '../../lambda-runtime/script/result';

describe('resultToData', () => {
  test('an object\'s top-level values become attributes: strings as they are, the rest as JSON', () => {
    const payload = JSON.stringify({ url: 'https://x', count: 3, ok: true, none: null, list: ['a', 1], nested: { k: 'v' }, empty: '' });
    expect(resultToData(payload, 'Seed').data).toEqual({
      url: 'https://x',
      count: '3',
      ok: 'true',
      none: 'null',
      list: '["a",1]',
      nested: '{"k":"v"}',
      empty: '',
    });
  });

  test.each([
    ['nothing', ''],
    ['null (a function without a return value)', 'null'],
    ['a string', '"done"'],
    ['a number', '42'],
    ['an array', '[1,2]'],
    ['an empty object', '{}'],
    ['a payload that is not JSON', 'not json'],
  ])('%s gives no attributes', (_what, payload) => {
    const result = resultToData(payload, 'Seed');
    expect(result.data).toBeUndefined();
    expect(result.note).toMatch(/no attributes/);
  });

  test('a result as large as allowed is accepted', () => {
    const data = { a: 'x'.repeat(MAX_RESULT_BYTES - '{"a":""}'.length) };
    expect(Buffer.byteLength(JSON.stringify(data))).toBe(MAX_RESULT_BYTES);
    expect(resultToData(JSON.stringify(data), 'Seed').data).toEqual(data);
  });

  test('a result too large for CloudFormation fails with the keys, their sizes and what to do', () => {
    const payload = JSON.stringify({ small: 'ok', big: 'é'.repeat(1000), other: Array.from({ length: 100 }, (_, i) => i) });
    expect(() => resultToData(payload, 'Seed')).toThrow(
      /^Deployment script Seed returned 3 attribute\(s\) taking 2\d{3} bytes as JSON; at most 2000 fit.*4096 bytes\. Largest: big \(2\d{3} bytes\), other \(\d+ bytes\), small \(\d+ bytes\)\. Return less: store large results elsewhere/,
    );
  });

  test('the size error stays within the reason limit whatever the keys', () => {
    const value = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`${'k'.repeat(300)}${i}`, 'v']));
    let message = '';
    try {
      resultToData(JSON.stringify(value), 'Seed');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Deployment script Seed returned 500 attribute/);
    expect(Buffer.byteLength(JSON.stringify(message))).toBeLessThanOrEqual(MAX_REASON_BYTES);
  });
});
