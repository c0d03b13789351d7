/** Custom resource requests and Lambda contexts for driving the runtime handler in tests. */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import {
  ENV_PROVIDER_STACK_ID,
  PROP_FUNCTION_NAME,
  PROP_LOG_GROUP_NAME,
  PROP_PARAMETERS,
  PROP_RUN_POLICY,
  PROP_RUN_TOKEN,
  PROP_TIMEOUT_SECONDS,
  PROP_TRIGGER,
  RESOURCE_TYPE,
  RUN_POLICY_ON_STACK_CHANGE,
  RUNTIME_TIMEOUT_SECONDS,
  TRIGGER_AFTER_DEPLOY,
} from '../../lambda-runtime/shared/consts';

export const STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/my-stack/5b7c2d10-a1b2-11ee-8c90-0242ac120002';
export const SCRIPT_FUNCTION = 'my-stack-MigrateScriptFn-AbCdEf123456';
/** Another stack of the account, whose custom resources may name a provider of STACK_ID's as their service token. */
export const OTHER_STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/other-stack/7d9e4f20-b2c3-11ee-9d01-0242ac120003';

/** The environment the providers give their runtime functions: they serve STACK_ID's stack. */
export const RUNTIME_ENV: Readonly<Record<string, string>> = { [ENV_PROVIDER_STACK_ID]: STACK_ID };

/** Gives this process the runtime functions' environment for the tests of the file (or describe block) that calls it. */
export function useRuntimeEnv(): void {
  const saved = Object.fromEntries(Object.keys(RUNTIME_ENV).map((key) => [key, process.env[key]]));
  beforeAll(() => Object.assign(process.env, RUNTIME_ENV));
  afterAll(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
}
/** A secret-bearing presigned URL: it must never be logged. */
export const RESPONSE_URL_SECRET = 'X-Amz-Signature=c0ffee5ecre7c0ffee5ecre7c0ffee5ecre7';
export const RESPONSE_URL =
  'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3Aaws%3Acloudformation%3Aus-east-1%3A123456789012%3Astack/my-stack/5b7c2d10%7CMigrate%7C0f5a?' +
  `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20240101T000000Z&X-Amz-Expires=7200&X-Amz-Credential=AKIAEXAMPLE%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&${RESPONSE_URL_SECRET}`;

export interface EventOptions {
  readonly trigger?: string;
  readonly runPolicy?: string;
  /** The `Parameters` property; `null` leaves it out. */
  readonly parameters?: string | null;
  readonly logicalResourceId?: string;
  readonly physicalResourceId?: string;
  readonly stackId?: string;
  readonly functionName?: string;
  readonly timeoutSeconds?: string;
  /** The script's own log group; `null` leaves the property out (the function logs to Lambda's own group). */
  readonly logGroupName?: string | null;
}

export function cfnEvent(requestType: 'Create' | 'Update' | 'Delete', options: EventOptions = {}): CloudFormationCustomResourceEvent {
  const logicalResourceId = options.logicalResourceId ?? 'Migrate';
  const functionName = options.functionName ?? SCRIPT_FUNCTION;
  const properties = {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:my-stack-ProviderframeworkonEvent-XyZ',
    [PROP_FUNCTION_NAME]: functionName,
    [PROP_TRIGGER]: options.trigger ?? TRIGGER_AFTER_DEPLOY,
    ...(options.parameters === null ? {} : { [PROP_PARAMETERS]: options.parameters ?? '{}' }),
    [PROP_RUN_POLICY]: options.runPolicy ?? RUN_POLICY_ON_STACK_CHANGE,
    [PROP_RUN_TOKEN]: 'c4f3b2a1',
    ...(options.logGroupName === null ? {} : { [PROP_LOG_GROUP_NAME]: options.logGroupName ?? `/aws/lambda/${functionName}` }),
    [PROP_TIMEOUT_SECONDS]: options.timeoutSeconds ?? '300',
  };
  const common = {
    ServiceToken: properties.ServiceToken,
    ResponseURL: RESPONSE_URL,
    StackId: options.stackId ?? STACK_ID,
    RequestId: '0f5a6b7c-1d2e-4f30-8a9b-0c1d2e3f4a5b',
    LogicalResourceId: logicalResourceId,
    ResourceType: RESOURCE_TYPE,
    ResourceProperties: properties,
  };
  const physicalResourceId = options.physicalResourceId ?? logicalResourceId;
  switch (requestType) {
    case 'Create':
      return { ...common, RequestType: 'Create' };
    case 'Update':
      return { ...common, RequestType: 'Update', PhysicalResourceId: physicalResourceId, OldResourceProperties: { ...properties, [PROP_RUN_TOKEN]: 'older' } };
    case 'Delete':
      return { ...common, RequestType: 'Delete', PhysicalResourceId: physicalResourceId };
  }
}

/** A clock whose sleeps return at once and move time forward. */
export class FakeClock {
  time = 1_700_000_000_000;
  readonly sleeps: number[] = [];
  readonly now = () => this.time;
  readonly sleep = async (ms: number) => {
    this.sleeps.push(ms);
    this.time += ms;
  };
}

/** A Lambda context whose remaining time counts down with `clock` (or real time). */
export function lambdaContext(clock?: FakeClock, remainingMs = RUNTIME_TIMEOUT_SECONDS * 1000) {
  const now = clock ? clock.now : Date.now;
  const start = now();
  return { getRemainingTimeInMillis: () => remainingMs - (now() - start) };
}

/** Captures everything written through `console` until `restore()`. */
export function captureConsole(): { readonly text: () => string; readonly restore: () => void } {
  const lines: string[] = [];
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const spies = methods.map((method) =>
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push(args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? String(a.stack) : JSON.stringify(a))).join(' '));
    }),
  );
  return { text: () => lines.join('\n'), restore: () => spies.forEach((spy) => spy.mockRestore()) };
}

/**
 * `captureConsole` around each test of the file (or describe block) that calls it, checking after each that whatever
 * the test did, the presigned ResponseURL never reached the log.
 */
export function captureConsoleOfEachTest(): { readonly text: () => string } {
  let output: ReturnType<typeof captureConsole>;
  beforeEach(() => {
    output = captureConsole();
  });
  afterEach(() => {
    output.restore();
    expect(output.text()).not.toContain(RESPONSE_URL_SECRET);
  });
  return { text: () => output.text() };
}

/** The error the promise rejects with; fails the test when it resolves. */
export async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the handler to fail');
}
