/**
 * A stand-in for the AWS endpoints the deployment-script runtime and command line talk to, on a loopback
 * port. It speaks the real wire protocols, so the real SDK v3 clients are tested unmodified:
 *
 * - Lambda Invoke: REST-JSON, `POST /2015-03-31/functions/{name}/invocations`.
 * - CloudFormation DescribeStacks: the query protocol (form-encoded request, XML response), which the
 *   installed `@aws-sdk/client-cloudformation` uses (`AwsQueryProtocol`).
 * - CloudFormation ListStackResources (paged) and GetTemplate, the same way (`setStackResources`, `setTemplate`),
 *   for the command line.
 * - SSM GetParameter, PutParameter, DeleteParameter: AWS JSON 1.1 (`POST /`, `X-Amz-Target:
 *   AmazonSSM.<operation>`, errors as `{"__type": code, "message": …}`), on parameters kept in memory.
 *
 * - ECS RunTask, DescribeTasks, StopTask and CloudWatch Logs GetLogEvents: AWS JSON 1.1, in `fake.ecs`
 *   (test/support/fake-ecs.ts).
 *
 * Point clients at it with `fake.env()` (child processes) or `fake.useEnv()` (this process).
 *
 * @example
 * const fake = await FakeAws.start();
 * const restore = fake.useEnv();
 * fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS').setScript('my-script', outcome.returns({ id: 42 }));
 * // … run the code under test, then:
 * expect(fake.invocations[0].event()).toEqual({ n: 1 });
 * restore();
 * await fake.close();
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeEcs } from './fake-ecs';

/** A script's own log: lines it printed (formatted as Lambda's Node runtime does), or raw log text. */
export type ScriptLog = readonly string[] | { readonly raw: string };

/** How Lambda answers one Invoke. */
export type LambdaOutcome =
  /** The script returned: `payload` is the response body exactly. */
  | { readonly kind: 'result'; readonly payload: string; readonly log?: ScriptLog }
  /** The script threw (or returned an error): `X-Amz-Function-Error` is set. */
  | { readonly kind: 'error'; readonly errorType: string; readonly errorMessage: string; readonly trace?: readonly string[]; readonly functionError?: 'Unhandled' | 'Handled'; readonly log?: ScriptLog }
  /** The script ran into its timeout. */
  | { readonly kind: 'timeout'; readonly seconds: number; readonly log?: ScriptLog }
  /** Lambda itself refused the request (the script did not run). */
  | { readonly kind: 'service-error'; readonly status: number; readonly code: string; readonly message: string }
  /**
   * Lambda's answer exactly as an emulator produced it (test/e2e/harness runs the function for real): the
   * payload, `X-Amz-Function-Error` if the function failed, and the invocation's whole log from `START` to
   * `REPORT`, whose last 4 KB `LogType: Tail` returns.
   */
  | { readonly kind: 'emulated'; readonly payload: string | Buffer; readonly functionError?: string; readonly invocationLog: string | Buffer };

/** Builders for `LambdaOutcome`s. */
export const outcome = {
  /** The script returned `value` (`undefined` is sent as `null`, as Lambda's Node runtime does). */
  returns: (value?: unknown, log?: ScriptLog): LambdaOutcome => ({ kind: 'result', payload: JSON.stringify(value ?? null), log }),
  returnsRaw: (payload: string, log?: ScriptLog): LambdaOutcome => ({ kind: 'result', payload, log }),
  throws: (errorType: string, errorMessage: string, log?: ScriptLog, trace?: readonly string[]): LambdaOutcome =>
    ({ kind: 'error', errorType, errorMessage, log, trace }),
  timesOut: (seconds: number, log?: ScriptLog): LambdaOutcome => ({ kind: 'timeout', seconds, log }),
  accessDenied: (message = 'User: arn:aws:sts::123456789012:assumed-role/provider-role/provider is not authorized to perform: lambda:InvokeFunction on resource: script because no identity-based policy allows the lambda:InvokeFunction action'): LambdaOutcome =>
    ({ kind: 'service-error', status: 403, code: 'AccessDeniedException', message }),
  throttled: (): LambdaOutcome => ({ kind: 'service-error', status: 429, code: 'TooManyRequestsException', message: 'Rate Exceeded.' }),
  serviceError: (status: number, code: string, message: string): LambdaOutcome => ({ kind: 'service-error', status, code, message }),
  /** What a Lambda emulator answered, sent as it is. */
  emulated: (payload: string | Buffer, invocationLog: string | Buffer, functionError?: string): LambdaOutcome =>
    ({ kind: 'emulated', payload, invocationLog, functionError }),
};

/** An outcome, a sequence of outcomes (one per invocation, the last repeats) or a function of the invocation. */
export type ScriptBehaviour = LambdaOutcome | readonly LambdaOutcome[] | ((invocation: RecordedInvocation) => LambdaOutcome | Promise<LambdaOutcome>);

export interface RecordedRequest {
  readonly method: string;
  /** Path and query, as received. */
  readonly url: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
  /** The service named by the SigV4 credential scope (`lambda`, `cloudformation`, `ssm`), if signed. */
  readonly signingService?: string;
}

export interface RecordedInvocation {
  /** The function name, ARN or partial ARN as the caller gave it. */
  readonly functionName: string;
  readonly qualifier?: string;
  readonly invocationType: string;
  readonly logType?: string;
  /** The payload bytes exactly as received. */
  readonly payload: Buffer;
  /** `X-Amz-Client-Context` as received (base64). */
  readonly clientContextRaw?: string;
  /** The client context, decoded from base64 JSON. */
  readonly clientContext?: unknown;
  /** The request id Lambda gave this invocation (`x-amzn-RequestId`). */
  readonly requestId: string;
  /** The payload parsed as JSON: the script's event. */
  event(): unknown;
}

export interface DescribeStacksCall {
  readonly stackName: string;
  readonly version?: string;
}

export type SsmOperation = 'GetParameter' | 'PutParameter' | 'DeleteParameter';

export interface SsmCall {
  readonly operation: SsmOperation;
  /** The request body, parsed. */
  readonly input: Record<string, unknown>;
}

export interface StoredParameter {
  readonly value: string;
  readonly type: string;
  readonly tier: string;
  readonly description?: string;
  readonly version: number;
}

export interface FakeAwsError {
  /** @default 400 */
  readonly status?: number;
  readonly code: string;
  readonly message: string;
}

export interface FakeResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

export interface FakeAwsOptions {
  /** @default 'us-east-1' */
  readonly region?: string;
  /** How much of the log Invoke returns with `LogType: Tail`. @default 4096, as Lambda */
  readonly logTailBytes?: number;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const CFN_XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';
const SSM_TARGET = /^AmazonSSM\.(\w+)$/;
const AMZ_JSON_1_1 = 'application/x-amz-json-1.1';
/** SSM's rules for a parameter name: characters, the reserved prefixes, at most 15 levels. */
const SSM_NAME = /^\/?[a-zA-Z0-9_.\-/]+$/;

export class FakeAws {
  static async start(options: FakeAwsOptions = {}): Promise<FakeAws> {
    const fake = new FakeAws(options);
    await fake.listen();
    return fake;
  }

  /**
   * The fake of one test file, with its hooks: started before the file's tests with `process.env` pointing at it
   * (`useEnv`), reset before each test, closed after the last. Call it at the top of the file; hooks the file
   * registers after it run after the reset.
   */
  static forTestFile(options: FakeAwsOptions = {}): FakeAws {
    const fake = new FakeAws(options);
    let restoreEnv = () => {};
    beforeAll(async () => {
      await fake.listen();
      restoreEnv = fake.useEnv();
    });
    beforeEach(() => fake.reset());
    afterAll(async () => {
      restoreEnv();
      await fake.close();
    });
    return fake;
  }

  readonly region: string;
  /** ECS and CloudWatch Logs, for container tasks. */
  readonly ecs = new FakeEcs(() => this.region);
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];
  /** Every Invoke received (including refused ones), in order. */
  readonly invocations: RecordedInvocation[] = [];
  readonly describeStacksCalls: DescribeStacksCall[] = [];
  /** Every SSM request received (including failed ones), in order. */
  readonly ssmCalls: SsmCall[] = [];

  private readonly server: Server;
  private readonly logTailBytes: number;
  private readonly scripts = new Map<string, { behaviour: ScriptBehaviour; calls: number }>();
  private readonly stacks = new Map<string, { stackId: string; stackName: string; status: string }>();
  private describeStacksError?: { status: number; code: string; message: string; times: number };
  private readonly parameters = new Map<string, StoredParameter>();
  private readonly ssmErrors = new Map<string, Required<FakeAwsError> & { times: number }>();
  private readonly routes: Array<(request: RecordedRequest) => FakeResponse | undefined | Promise<FakeResponse | undefined>> = [];

  /** Every CloudFormation request received (any action, including failed ones), in order. */
  readonly cloudFormationCalls: CloudFormationCall[] = [];
  private readonly stackResources = new Map<string, { resources: FakeStackResource[]; pageSize: number }>();
  private readonly templates = new Map<string, string>();
  private readonly cloudFormationErrors = new Map<string, Required<FakeAwsError>>();

  private constructor(options: FakeAwsOptions) {
    this.region = options.region ?? 'us-east-1';
    this.logTailBytes = options.logTailBytes ?? 4096;
    this.server = createServer((req, res) => {
      this.receive(req, res).catch((error) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error?.stack ?? error));
      });
    });
  }

  /** The endpoint URL, e.g. `http://127.0.0.1:40123`. */
  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Environment for an SDK v3 process that talks only to this fake, with static fake credentials. */
  env(): Record<string, string> {
    const nowhere = join(tmpdir(), 'fake-aws-no-such-file');
    return {
      AWS_ENDPOINT_URL: this.url, // any other service goes here too (and fails) rather than to AWS
      AWS_ENDPOINT_URL_LAMBDA: this.url,
      AWS_ENDPOINT_URL_CLOUDFORMATION: this.url,
      AWS_ENDPOINT_URL_SSM: this.url,
      AWS_ENDPOINT_URL_ECS: this.url,
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: this.url,
      AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
      AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key',
      AWS_REGION: this.region,
      AWS_DEFAULT_REGION: this.region,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: nowhere,
      AWS_SHARED_CREDENTIALS_FILE: nowhere,
    };
  }

  /** Applies `env()` to `process.env` (and hides profile and session settings); returns a function that restores it. */
  useEnv(): () => void {
    const changes: Record<string, string | undefined> = { ...this.env(), AWS_PROFILE: undefined, AWS_SESSION_TOKEN: undefined };
    const saved = Object.fromEntries(Object.keys(changes).map((key) => [key, process.env[key]]));
    const apply = (values: Record<string, string | undefined>) => {
      for (const [key, value] of Object.entries(values)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    };
    apply(changes);
    return () => apply(saved);
  }

  /** How the function answers Invoke. `name` is a function name or ARN; `'*'` answers for any function. */
  setScript(name: string, behaviour: ScriptBehaviour): this {
    this.scripts.set(name === '*' ? '*' : functionKey(name), { behaviour, calls: 0 });
    return this;
  }

  /** Declares a stack (by its ARN) and its status. */
  setStack(stackId: string, status: string): this {
    this.stacks.set(stackId, { stackId, stackName: stackId.split('/')[1] ?? stackId, status });
    return this;
  }

  /** Makes DescribeStacks fail `times` times (until called with `undefined`), e.g. throttled a few times. */
  failDescribeStacks(error: { status?: number; code: string; message: string } | undefined, times = Infinity): this {
    this.describeStacksError = error && { status: error.status ?? 400, ...error, times };
    return this;
  }

  /** Stores an SSM parameter (a String, standard tier), as if put before. */
  setParameter(name: string, value: string, type: 'String' | 'SecureString' = 'String'): this {
    this.parameters.set(name, { value, type, tier: 'Standard', version: (this.parameters.get(name)?.version ?? 0) + 1 });
    return this;
  }

  /** A stored SSM parameter, or `undefined`. */
  parameter(name: string): StoredParameter | undefined {
    return this.parameters.get(name);
  }

  /** The names of the stored SSM parameters. */
  parameterNames(): string[] {
    return [...this.parameters.keys()];
  }

  /** Makes an SSM operation (`'*'`: every one) fail `times` times (until called with `undefined`). */
  failSsm(operation: SsmOperation | '*', error: FakeAwsError | undefined, times = Infinity): this {
    if (error) this.ssmErrors.set(operation, { status: 400, ...error, times });
    else this.ssmErrors.delete(operation);
    return this;
  }

  /** The SSM calls of one operation. */
  ssmCallsOf(operation: SsmOperation): SsmCall[] {
    return this.ssmCalls.filter((call) => call.operation === operation);
  }

  /** Answers other requests (first route that returns a response wins; routes run before the built-in ones). */
  addRoute(route: (request: RecordedRequest) => FakeResponse | undefined | Promise<FakeResponse | undefined>): this {
    this.routes.push(route);
    return this;
  }

  invocationsOf(name: string): RecordedInvocation[] {
    const key = functionKey(name);
    return this.invocations.filter((invocation) => functionKey(invocation.functionName) === key);
  }

  /**
   * The resources of a declared stack (by its ARN), as ListStackResources lists them, `pageSize` at a time
   * (the real service pages by 100).
   */
  setStackResources(stackId: string, resources: readonly FakeStackResource[], options: { pageSize?: number } = {}): this {
    this.stackResources.set(stackId, { resources: [...resources], pageSize: options.pageSize ?? 100 });
    return this;
  }

  /** The template of a declared stack (by its ARN), as GetTemplate returns it: an object is sent as JSON. */
  setTemplate(stackId: string, template: object | string): this {
    this.templates.set(stackId, typeof template === 'string' ? template : JSON.stringify(template, null, 1));
    return this;
  }

  /** Makes a CloudFormation action (ListStackResources, GetTemplate) fail (until called with `undefined`). */
  failCloudFormation(action: 'ListStackResources' | 'GetTemplate', error: FakeAwsError | undefined): this {
    if (error) this.cloudFormationErrors.set(action, { status: 400, ...error });
    else this.cloudFormationErrors.delete(action);
    return this;
  }

  /** Forgets recorded requests, scripts, stacks, parameters, failures and routes. */
  reset(): void {
    this.requests.length = 0;
    this.invocations.length = 0;
    this.describeStacksCalls.length = 0;
    this.ssmCalls.length = 0;
    this.parameters.clear();
    this.ssmErrors.clear();
    this.scripts.clear();
    this.stacks.clear();
    this.routes.length = 0;
    this.ecs.reset();
    this.describeStacksError = undefined;
    this.cloudFormationCalls.length = 0;
    this.stackResources.clear();
    this.templates.clear();
    this.cloudFormationErrors.clear();
  }

  private async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const authorization = header(req.headers.authorization);
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body: Buffer.concat(chunks),
      signingService: /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization ?? '')?.[1],
    };
    this.requests.push(request);

    let response: FakeResponse | undefined;
    for (const route of this.routes) {
      response = await route(request);
      if (response) break;
    }
    const path = request.url.split('?')[0];
    if (!response && request.method === 'POST' && INVOKE_PATH.test(path)) response = await this.invoke(request);
    if (!response && request.method === 'POST' && path === '/' && isForm(request)) response = this.cloudformation(request);
    if (!response && request.method === 'POST' && path === '/' && SSM_TARGET.test(header(request.headers['x-amz-target']) ?? '')) response = this.ssm(request);
    if (!response && FakeEcs.handles(request)) response = this.ecs.handle(request);
    response ??= jsonError(404, 'UnknownOperationException', `fake-aws does not implement ${request.method} ${request.url}`);

    res.writeHead(response.status, { 'x-amzn-RequestId': randomUUID(), ...response.headers });
    res.end(response.body ?? '');
  }

  private async invoke(request: RecordedRequest): Promise<FakeResponse> {
    const functionName = decodeURIComponent(INVOKE_PATH.exec(request.url.split('?')[0])![1]);
    const qualifier = new URLSearchParams(request.url.split('?')[1] ?? '').get('Qualifier') ?? undefined;
    const clientContextRaw = header(request.headers['x-amz-client-context']);
    const requestId = randomUUID();
    const invocation: RecordedInvocation = {
      functionName,
      qualifier,
      invocationType: header(request.headers['x-amz-invocation-type']) ?? 'RequestResponse',
      logType: header(request.headers['x-amz-log-type']),
      payload: request.body,
      clientContextRaw,
      clientContext: clientContextRaw === undefined ? undefined : JSON.parse(Buffer.from(clientContextRaw, 'base64').toString('utf8')),
      requestId,
      event: () => JSON.parse(request.body.toString('utf8')),
    };
    this.invocations.push(invocation);

    const script = this.scripts.get(functionKey(functionName)) ?? this.scripts.get('*');
    if (!script) {
      return jsonError(404, 'ResourceNotFoundException', `Function not found: arn:aws:lambda:${this.region}:123456789012:function:${functionName}`);
    }
    const { behaviour } = script;
    const result = typeof behaviour === 'function'
      ? await behaviour(invocation)
      : isOutcomeList(behaviour) ? behaviour[Math.min(script.calls, behaviour.length - 1)] : behaviour;
    script.calls++;

    if (result.kind === 'service-error') return jsonError(result.status, result.code, result.message);
    if (invocation.invocationType === 'Event') return { status: 202 };
    if (invocation.invocationType === 'DryRun') return { status: 204 };
    if (result.kind === 'emulated') return this.emulatedResponse(invocation, result);

    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amzn-RequestId': requestId, 'X-Amz-Executed-Version': '$LATEST' };
    let payload: string;
    let extraLog = '';
    let status = '';
    if (result.kind === 'result') {
      payload = result.payload;
    } else if (result.kind === 'error') {
      headers['X-Amz-Function-Error'] = result.functionError ?? 'Unhandled';
      const trace = result.trace ?? [`${result.errorType}: ${result.errorMessage}`, '    at Runtime.handler (file:///var/task/index.mjs:3:9)'];
      payload = JSON.stringify({ errorType: result.errorType, errorMessage: result.errorMessage, trace });
      extraLog = `${timestamp()}\t${requestId}\tERROR\tInvoke Error \t${JSON.stringify({ errorType: result.errorType, errorMessage: result.errorMessage, stack: trace })}\n`;
    } else {
      headers['X-Amz-Function-Error'] = 'Unhandled';
      const message = `RequestId: ${requestId} Error: Task timed out after ${result.seconds.toFixed(2)} seconds`;
      payload = JSON.stringify({ errorType: 'Sandbox.Timedout', errorMessage: message });
      extraLog = `${timestamp()} ${requestId} Task timed out after ${result.seconds.toFixed(2)} seconds\n`;
      status = '\tStatus: timeout';
    }
    if (invocation.logType === 'Tail') {
      const log = Buffer.from(
        `START RequestId: ${requestId} Version: $LATEST\n` +
        formatLog(result.log, requestId) + extraLog +
        `END RequestId: ${requestId}\n` +
        `REPORT RequestId: ${requestId}\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB${status}\t\n`,
        'utf8',
      );
      // Lambda cuts bytes, not characters: the tail may start inside a line or a UTF-8 sequence.
      headers['X-Amz-Log-Result'] = log.subarray(Math.max(0, log.length - this.logTailBytes)).toString('base64');
    }
    return { status: 200, headers, body: payload };
  }

  /** The Invoke response for an emulated run: its payload, function error and log tail, as Lambda sends them. */
  private emulatedResponse(invocation: RecordedInvocation, result: Extract<LambdaOutcome, { kind: 'emulated' }>): FakeResponse {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amzn-RequestId': invocation.requestId, 'X-Amz-Executed-Version': '$LATEST' };
    if (result.functionError) headers['X-Amz-Function-Error'] = result.functionError;
    if (invocation.logType === 'Tail') {
      const log = Buffer.isBuffer(result.invocationLog) ? result.invocationLog : Buffer.from(result.invocationLog, 'utf8');
      // Lambda cuts bytes, not characters: the tail may start inside a line or a UTF-8 sequence.
      headers['X-Amz-Log-Result'] = log.subarray(Math.max(0, log.length - this.logTailBytes)).toString('base64');
    }
    return { status: 200, headers, body: result.payload };
  }

  private cloudformation(request: RecordedRequest): FakeResponse {
    const params = new URLSearchParams(request.body.toString('utf8'));
    const action = params.get('Action');
    this.cloudFormationCalls.push({ action: action ?? '', input: Object.fromEntries(params) });
    const listedOrTemplate = this.stackResourcesOrTemplate(action, params);
    if (listedOrTemplate) return listedOrTemplate;
    if (action !== 'DescribeStacks') return xmlError(400, 'InvalidAction', `fake-aws does not implement ${action}`);
    const stackName = params.get('StackName') ?? '';
    this.describeStacksCalls.push({ stackName, version: params.get('Version') ?? undefined });
    if (this.describeStacksError && this.describeStacksError.times > 0) {
      this.describeStacksError.times--;
      const { status, code, message } = this.describeStacksError;
      return xmlError(status, code, message);
    }
    const stack = this.stacks.get(stackName) ?? [...this.stacks.values()].find((s) => s.stackName === stackName);
    if (!stack) return xmlError(400, 'ValidationError', `Stack with id ${stackName} does not exist`);
    const body =
      `<DescribeStacksResponse xmlns="${CFN_XMLNS}"><DescribeStacksResult><Stacks><member>` +
      `<StackId>${xml(stack.stackId)}</StackId><StackName>${xml(stack.stackName)}</StackName>` +
      `<CreationTime>2024-01-01T00:00:00.000Z</CreationTime><StackStatus>${xml(stack.status)}</StackStatus>` +
      `</member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></DescribeStacksResponse>`;
    return { status: 200, headers: { 'content-type': 'text/xml' }, body };
  }

  /** ListStackResources and GetTemplate, in the query protocol; `undefined` for other actions. */
  private stackResourcesOrTemplate(action: string | null, params: URLSearchParams): FakeResponse | undefined {
    if (action !== 'ListStackResources' && action !== 'GetTemplate') return undefined;
    const failure = this.cloudFormationErrors.get(action);
    if (failure) return xmlError(failure.status, failure.code, failure.message);
    const stackName = params.get('StackName') ?? '';
    const stack = this.stacks.get(stackName) ?? [...this.stacks.values()].find((s) => s.stackName === stackName);
    if (!stack) return xmlError(400, 'ValidationError', `Stack with id ${stackName} does not exist`);
    const metadata = `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>`;
    if (action === 'GetTemplate') {
      const template = this.templates.get(stack.stackId) ?? '{"Resources":{}}';
      const body = `<GetTemplateResponse xmlns="${CFN_XMLNS}"><GetTemplateResult><TemplateBody>${xml(template)}</TemplateBody>` +
        `<StagesAvailable><member>Original</member><member>Processed</member></StagesAvailable></GetTemplateResult>${metadata}</GetTemplateResponse>`;
      return { status: 200, headers: { 'content-type': 'text/xml' }, body };
    }
    const { resources, pageSize } = this.stackResources.get(stack.stackId) ?? { resources: [], pageSize: 100 };
    const start = Number(params.get('NextToken') ?? 0);
    const page = resources.slice(start, start + pageSize);
    const members = page.map((r) =>
      '<member>' +
      `<LogicalResourceId>${xml(r.logicalId)}</LogicalResourceId>` +
      (r.physicalId !== undefined ? `<PhysicalResourceId>${xml(r.physicalId)}</PhysicalResourceId>` : '') +
      `<ResourceType>${xml(r.type)}</ResourceType>` +
      `<LastUpdatedTimestamp>${r.lastUpdated ?? '2024-01-01T12:00:00.000Z'}</LastUpdatedTimestamp>` +
      `<ResourceStatus>${xml(r.status ?? 'CREATE_COMPLETE')}</ResourceStatus>` +
      (r.reason !== undefined ? `<ResourceStatusReason>${xml(r.reason)}</ResourceStatusReason>` : '') +
      '<DriftInformation><StackResourceDriftStatus>NOT_CHECKED</StackResourceDriftStatus></DriftInformation>' +
      '</member>').join('');
    const next = start + pageSize < resources.length ? `<NextToken>${start + pageSize}</NextToken>` : '';
    const body = `<ListStackResourcesResponse xmlns="${CFN_XMLNS}"><ListStackResourcesResult><StackResourceSummaries>${members}</StackResourceSummaries>` +
      `${next}</ListStackResourcesResult>${metadata}</ListStackResourcesResponse>`;
    return { status: 200, headers: { 'content-type': 'text/xml' }, body };
  }

  private ssm(request: RecordedRequest): FakeResponse {
    const target = header(request.headers['x-amz-target']) ?? '';
    const operation = SSM_TARGET.exec(target)![1];
    if (header(request.headers['content-type']) !== AMZ_JSON_1_1) {
      return ssmError(400, 'SerializationException', `expected Content-Type ${AMZ_JSON_1_1}`);
    }
    if (operation !== 'GetParameter' && operation !== 'PutParameter' && operation !== 'DeleteParameter') {
      return ssmError(400, 'UnknownOperationException', `fake-aws does not implement ${target}`);
    }
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(request.body.toString('utf8'));
    } catch {
      return ssmError(400, 'SerializationException', 'the request body is not JSON');
    }
    this.ssmCalls.push({ operation, input });
    const failure = [this.ssmErrors.get(operation), this.ssmErrors.get('*')].find((f) => f && f.times > 0);
    if (failure) {
      failure.times--;
      return ssmError(failure.status, failure.code, failure.message);
    }

    const name = typeof input.Name === 'string' ? input.Name : '';
    const arn = `arn:aws:ssm:${this.region}:123456789012:parameter${name.startsWith('/') ? '' : '/'}${name}`;
    const invalid = validateParameterName(name, arn);
    if (invalid) return ssmError(400, 'ValidationException', invalid);
    const stored = this.parameters.get(name);

    if (operation === 'GetParameter') {
      if (!stored) return ssmError(400, 'ParameterNotFound', '');
      // As SSM does: a SecureString comes back as its ciphertext unless the caller asks to decrypt it.
      const value = stored.type === 'SecureString' && input.WithDecryption !== true
        ? Buffer.from(`AQICAH${createHash('sha256').update(stored.value).digest('hex')}`).toString('base64') : stored.value;
      return ssmJson({
        Parameter: { Name: name, Type: stored.type, Value: value, Version: stored.version, LastModifiedDate: 1_704_067_200, ARN: arn, DataType: 'text' },
      });
    }
    if (operation === 'DeleteParameter') {
      if (!stored) return ssmError(400, 'ParameterNotFound', '');
      this.parameters.delete(name);
      return ssmJson({});
    }
    // PutParameter
    const value = input.Value;
    const tier = input.Tier ?? 'Standard';
    if (typeof value !== 'string' || value.length === 0) return ssmError(400, 'ValidationException', '1 validation error detected: Value at \'value\' failed to satisfy constraint: Member must have length greater than or equal to 1');
    if (tier !== 'Standard' && tier !== 'Advanced' && tier !== 'Intelligent-Tiering') return ssmError(400, 'ValidationException', `invalid Tier ${String(tier)}`);
    if (tier === 'Standard' && Buffer.byteLength(value, 'utf8') > 4096) return ssmError(400, 'ValidationException', 'Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier.');
    if (input.Overwrite && input.Tags) return ssmError(400, 'ValidationException', 'Invalid request: tags and overwrite can\'t be used together.');
    if (stored && !input.Overwrite) return ssmError(400, 'ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');
    const type = input.Type ?? stored?.type;
    if (type !== 'String' && type !== 'StringList' && type !== 'SecureString') return ssmError(400, 'ValidationException', 'A parameter type is required when you create a parameter.');
    const version = (stored?.version ?? 0) + 1;
    const description = typeof input.Description === 'string' ? input.Description : stored?.description;
    this.parameters.set(name, { value, type, tier, description, version });
    return ssmJson({ Version: version, Tier: tier });
  }
}

/** Why SSM would reject a parameter name, or `undefined`. At most 1011 characters count, with the ARN's start. */
function validateParameterName(name: string, arn: string): string | undefined {
  if (arn.length > 1011) return `Parameter name: ${name} is too long: at most 1011 characters, including the ARN before it.`;
  if (!SSM_NAME.test(name)) return `Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Got: ${name}`;
  if (/^\/?(aws|ssm)/i.test(name)) return `No access to reserved parameter name: ${name}.`;
  if (name.split('/').filter(Boolean).length > 15) return 'Parameter name hierarchies are limited to 15 levels.';
  if (name.includes('//')) return `Parameter name: ${name} is invalid: empty level.`;
  return undefined;
}

/** The key a function is known by: its name, whether given as a name, an ARN or a partial ARN. */
function functionKey(nameOrArn: string): string {
  const afterFunction = /(?:^|:)function:(.+)$/.exec(nameOrArn)?.[1] ?? nameOrArn;
  return afterFunction.split(':')[0];
}

function isForm(request: RecordedRequest): boolean {
  return (header(request.headers['content-type']) ?? '').startsWith('application/x-www-form-urlencoded');
}

function isOutcomeList(behaviour: ScriptBehaviour): behaviour is readonly LambdaOutcome[] {
  return Array.isArray(behaviour);
}

function formatLog(log: ScriptLog | undefined, requestId: string): string {
  if (!log) return '';
  if ('raw' in log) return log.raw;
  return (log as readonly string[]).map((line) => `${timestamp()}\t${requestId}\tINFO\t${line}\n`).join('');
}

function timestamp(): string {
  return new Date().toISOString();
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A REST-JSON error as Lambda sends it: the code in `x-amzn-ErrorType`, the message in the body. */
function jsonError(status: number, code: string, message: string): FakeResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-ErrorType': code },
    body: JSON.stringify({ Type: 'User', Message: message }),
  };
}

/** A query-protocol error as CloudFormation sends it. */
function xmlError(status: number, code: string, message: string): FakeResponse {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  return {
    status,
    headers: { 'content-type': 'text/xml' },
    body: `<ErrorResponse xmlns="${CFN_XMLNS}"><Error><Type>${type}</Type><Code>${xml(code)}</Code><Message>${xml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  };
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** An AWS JSON 1.1 response, as SSM sends it. */
function ssmJson(body: unknown): FakeResponse {
  return { status: 200, headers: { 'content-type': AMZ_JSON_1_1 }, body: JSON.stringify(body) };
}

/** An AWS JSON 1.1 error, as SSM sends it: the code in `__type`. */
function ssmError(status: number, code: string, message: string): FakeResponse {
  return { status, headers: { 'content-type': AMZ_JSON_1_1 }, body: JSON.stringify({ __type: code, message }) };
}

/** A resource of a stack, as ListStackResources lists it (see `setStackResources`). */
export interface FakeStackResource {
  readonly logicalId: string;
  /** Absent while it is being created. */
  readonly physicalId?: string;
  readonly type: string;
  /** @default 'CREATE_COMPLETE' */
  readonly status?: string;
  readonly reason?: string;
  /** ISO 8601. @default '2024-01-01T12:00:00.000Z' */
  readonly lastUpdated?: string;
}

export interface CloudFormationCall {
  readonly action: string;
  /** The form-encoded request, decoded. */
  readonly input: Record<string, string>;
}
