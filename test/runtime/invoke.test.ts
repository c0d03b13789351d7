import { CLIENT_CONTEXT_KEY } from '../../lambda-runtime/shared/consts';
import { retryDelayMs } from '../../lambda-runtime/shared/request';
import { encodeClientContext, MAX_CLIENT_CONTEXT_BYTES } from '../../lambda-runtime/shared/invoke';

describe('encodeClientContext', () => {
  const context = {
    trigger: 'after:deploy',
    requestType: 'Update',
    stackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/s/5b7c2d10-a1b2-11ee-8c90-0242ac120002',
    stackName: 's',
    logicalResourceId: 'Migrate',
    physicalResourceId: 'Migrate',
    region: 'us-east-1',
  };

  test('is base64 JSON under the custom key', () => {
    expect(JSON.parse(Buffer.from(encodeClientContext(context), 'base64').toString('utf8'))).toEqual({ [CLIENT_CONTEXT_KEY]: context });
  });

  test('the largest values CloudFormation allows fit Lambda\'s limit whole', () => {
    const largest = {
      ...context,
      trigger: 'before:delete',
      stackId: `arn:aws-us-gov:cloudformation:us-gov-west-1:123456789012:stack/${'S'.repeat(128)}/5b7c2d10-a1b2-11ee-8c90-0242ac120002`,
      stackName: 'S'.repeat(128),
      logicalResourceId: 'L'.repeat(255),
      physicalResourceId: 'P'.repeat(1024),
      region: 'us-gov-west-1',
    };
    const encoded = encodeClientContext(largest);
    expect(encoded.length).toBeLessThanOrEqual(MAX_CLIENT_CONTEXT_BYTES);
    expect(JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'))[CLIENT_CONTEXT_KEY]).toEqual(largest);
  });

  test('anything larger is cut to what identifies the run', () => {
    const encoded = encodeClientContext({ ...context, physicalResourceId: 'P'.repeat(5000) });
    expect(encoded.length).toBeLessThanOrEqual(MAX_CLIENT_CONTEXT_BYTES);
    expect(Object.keys(JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'))[CLIENT_CONTEXT_KEY]).sort())
      .toEqual(['logicalResourceId', 'region', 'requestType', 'stackId', 'trigger']);
  });
});

test('retry waits grow and are capped', () => {
  expect([1, 2, 3, 4, 5, 6].map(retryDelayMs)).toEqual([1000, 2000, 4000, 5000, 5000, 5000]);
});
