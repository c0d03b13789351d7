/**
 * The e2e harness: plays CloudFormation's part for the deployment scripts of a synthesized cloud assembly,
 * through the real code paths.
 *
 * CloudFormation's custom resource requests go to aws-cdk-lib's Provider framework function as shipped
 * (`framework.onEvent` from its asset in cdk.out), which invokes this library's runtime (the bundled
 * `assets/runtime` as copied into cdk.out), which invokes the user's bundled script: each function runs in
 * its own child process as Lambda would run it (see lambda.ts), and their real AWS SDK clients reach the
 * harness's loopback endpoints:
 *
 * - `AWS_ENDPOINT_URL_LAMBDA`, `AWS_ENDPOINT_URL_CLOUDFORMATION`, `AWS_ENDPOINT_URL_SSM`: `FakeAws` (Invoke runs
 *   the function; DescribeStacks answers the stack's current status; SSM keeps parameters);
 * - `AWS_ENDPOINT_URL_SFN`: the Provider framework's waiter, played (step-functions.ts);
 * - `AWS_ENDPOINT_URL_ECS`, `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`: `FakeAws.ecs` (test/support/fake-ecs.ts), with the task
 *   definitions the stacks create and the containers `Harness.containers` simulates;
 * - `AWS_ENDPOINT_URL_SECRETS_MANAGER`: GetSecretValue from the harness's secrets;
 * - `AWS_ENDPOINT_URL`: any other service, a server that answers every request with an error and records it,
 *   so that `close()` fails the tests that made one;
 * - the ResponseURL: HTTPS on 127.0.0.1:443 (see response-server.ts).
 *
 * @example
 * const harness = await Harness.start();
 * const stack = harness.stack(app.synth(), 'MyStack');
 * const created = await stack.create();
 * expect(created.status).toBe('CREATE_COMPLETE');
 * await harness.close();
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeAws } from '../../support/fake-aws';
import { readStack, type AssemblyStack } from './assembly';
import { DeployedStack, SecretStore, type ResourceHook, type ResourceHookEvent, type ResourceHookResult } from './cloudformation';
import type { ContainerBehaviour } from '../../support/fake-ecs';
import { LambdaEmulator } from './lambda';
import { ResponseServer } from './response-server';
import { secretsManagerRoute } from './secrets-manager';
import { StepFunctionsEmulator } from './step-functions';

export interface HarnessOptions {
  /** The region of environment-agnostic stacks. @default 'us-east-1' */
  readonly region?: string;
  /** The account of environment-agnostic stacks. @default '123456789012' */
  readonly account?: string;
  /** Secrets that exist before the deployment, by name: strings, or objects stored as JSON. */
  readonly secrets?: Record<string, string | object>;
  /** SSM parameters that exist before the deployment. The CDK bootstrap version is there already. */
  readonly ssmParameters?: Record<string, string>;
  /** Called for every resource the harness does not run itself (all but the served custom resources). */
  readonly onResource?: ResourceHook;
  /**
   * Which custom resources go to their function for real; the others succeed without running.
   *
   * @default - the deployment scripts and tasks (`Custom::DeploymentScript`, `Custom::DeploymentTask`)
   */
  readonly serveCustomResource?: (resourceType: string, logicalId: string) => boolean;
  /**
   * Real milliseconds that count as one second of a custom resource's `ServiceTimeout` while CloudFormation waits for
   * its answer: e.g. 10 gives up on a function that hangs after 7.2 s for a `ServiceTimeout` of 720. A wait that no
   * function can end any more passes at once whatever the scale (see `DeployedStack`'s `awaitAnswer`).
   *
   * @default 1000 (real time)
   */
  readonly serviceTimeoutScale?: number;
}

/** A request to a service the harness does not emulate. */
export interface UnexpectedRequest {
  readonly method: string;
  readonly url: string;
  readonly target?: string;
  readonly authorization?: string;
}

export class Harness {
  static async start(options: HarnessOptions = {}): Promise<Harness> {
    const directory = mkdtempSync(join(tmpdir(), 'e2e-harness-'));
    const aws = await FakeAws.start({ region: options.region ?? 'us-east-1' });
    const unexpected = await startCatchAll();
    const responses = await ResponseServer.start({ directory });
    return new Harness(options, directory, aws, unexpected, responses);
  }

  readonly lambda: LambdaEmulator;
  /** The Provider framework's waiters, as they ran. */
  readonly stepFunctions: StepFunctionsEmulator;
  readonly secrets = new SecretStore();
  /** Requests to services the harness does not emulate. */
  readonly unexpectedRequests: UnexpectedRequest[];
  /** Called for every resource the harness does not run itself; replaceable between deployments. */
  onResource?: ResourceHook;
  /** See `HarnessOptions.serviceTimeoutScale`; replaceable between deployments. */
  serviceTimeoutScale?: number;
  private readonly urlMappings: Array<[string, string]> = [];
  private readonly stacks: DeployedStack[] = [];

  private constructor(
    private readonly options: HarnessOptions,
    readonly directory: string,
    readonly aws: FakeAws,
    private readonly catchAll: { server: Server; url: string; requests: UnexpectedRequest[] },
    readonly responses: ResponseServer,
  ) {
    this.unexpectedRequests = catchAll.requests;
    this.onResource = options.onResource;
    this.serviceTimeoutScale = options.serviceTimeoutScale;
    this.aws.setParameter('/cdk-bootstrap/hnb659fds/version', '30');
    for (const [name, value] of Object.entries(options.ssmParameters ?? {})) this.aws.setParameter(name, value);
    for (const [name, value] of Object.entries(options.secrets ?? {})) {
      this.secrets.set(`arn:aws:secretsmanager:${options.region ?? 'us-east-1'}:${options.account ?? '123456789012'}:secret:${name}-AbCdEf`, name, typeof value === 'string' ? value : JSON.stringify(value));
    }
    this.lambda = new LambdaEmulator({
      workDirectory: join(directory, 'lambda'),
      region: () => options.region ?? 'us-east-1',
      baseEnvironment: () => this.functionEnvironment(),
    });
    this.aws.setScript('*', this.lambda.behaviour);
    this.stepFunctions = new StepFunctionsEmulator(this.lambda);
    this.aws.addRoute(this.stepFunctions.route);
    this.aws.addRoute(secretsManagerRoute(this.secrets));
    this.aws.ecs.useClock(() => this.lambda.clock.now());
    this.aws.ecs.secrets((valueFrom) => {
      // `<secret ARN>[:<json key>:<version stage>:<version id>]`, as ECS's `secrets` take it
      const [arn, key] = /^(arn:[^:]*:secretsmanager:[^:]*:[^:]*:secret:[^:]+)(?::([^:]*))?/.exec(valueFrom)?.slice(1) ?? [valueFrom];
      const value = this.secrets.get(arn) ?? this.aws.parameter(valueFrom.replace(/^arn:[^:]*:ssm:[^:]*:[^:]*:parameter/, ''))?.value;
      if (value === undefined || !key) return value;
      const picked = JSON.parse(value)[key];
      return picked === undefined ? undefined : String(picked);
    });
  }

  /**
   * Simulates the containers of the tasks the stacks run: from each run (its image, command and environment, the
   * run's `DEPLOYMENT_SCRIPT_*` variables included) the plan of the task (exit code, log, duration, failure to start).
   */
  containers(behaviour: ContainerBehaviour): void {
    this.aws.ecs.container(behaviour);
  }

  /**
   * A stack of a cloud assembly, not yet deployed: `create()` it, `update()` it with another version,
   * `delete()` it. `source`: `app.synth()`'s result, a cdk.out directory, or a stack already read.
   */
  stack(source: string | { readonly directory: string } | AssemblyStack, name?: string, options: { stackName?: string } = {}): DeployedStack {
    const assemblyStack = typeof source === 'object' && 'template' in source ? source : readStack(source, name);
    const stack = new DeployedStack({
      aws: this.aws,
      lambda: this.lambda,
      responses: this.responses,
      secrets: this.secrets,
      defaults: { region: this.options.region ?? 'us-east-1', account: this.options.account ?? '123456789012' },
      directory: this.directory,
      ssmParameter: (parameterName) => this.aws.parameter(parameterName)?.value,
      setSsmParameter: (parameterName, value) => this.aws.setParameter(parameterName, value),
      rewriteUrls: (value) => this.urlMappings.reduce((v, [from, to]) => v.split(from).join(to), value),
      stepFunctions: this.stepFunctions,
      serves: this.options.serveCustomResource ?? ((type) => type === 'Custom::DeploymentScript' || type === 'Custom::DeploymentTask'),
      onResource: async (event: ResourceHookEvent): Promise<void | ResourceHookResult> => this.onResource?.(event),
      serviceTimeoutScale: () => this.serviceTimeoutScale,
    }, assemblyStack, options);
    this.stacks.push(stack);
    return stack;
  }

  /**
   * Sends what functions would send to `from` (the start of a URL, e.g. an API's endpoint) to `to` instead:
   * applied to the functions' environment variables and the custom resources' properties as they are
   * resolved. Lambda reaches the deployed API; the harness points the script at a local stand-in.
   */
  mapUrl(from: string, to: string): void {
    this.urlMappings.push([from, to]);
  }

  /** The value of a secret (by ARN or name), as the harness's Secrets Manager keeps it. */
  secret(id: string): string | undefined {
    return this.secrets.get(id);
  }

  /** Stops the servers. Throws if a function called a service the harness does not emulate. */
  async close(): Promise<void> {
    this.lambda.close();
    await this.responses.close();
    await this.aws.close();
    this.catchAll.server.closeAllConnections();
    await new Promise<void>((resolve) => this.catchAll.server.close(() => resolve()));
    rmSync(this.directory, { recursive: true, force: true });
    if (this.unexpectedRequests.length > 0) {
      throw new Error(`functions called services the harness does not emulate:\n${this.unexpectedRequests.map((r) => `  ${r.method} ${r.url} ${r.target ?? ''} ${r.authorization ?? ''}`).join('\n')}`);
    }
  }

  /** What every function gets besides Lambda's own variables. */
  private functionEnvironment(): Record<string, string> {
    const nowhere = join(this.directory, 'no-such-file');
    return {
      AWS_ACCESS_KEY_ID: 'ASIAFAKEFAKEFAKEFAKE',
      AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key',
      AWS_SESSION_TOKEN: 'fake-session-token',
      AWS_ENDPOINT_URL: this.catchAll.url,
      AWS_ENDPOINT_URL_LAMBDA: this.aws.url,
      AWS_ENDPOINT_URL_CLOUDFORMATION: this.aws.url,
      AWS_ENDPOINT_URL_SSM: this.aws.url,
      AWS_ENDPOINT_URL_SFN: this.aws.url,
      AWS_ENDPOINT_URL_ECS: this.aws.url,
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: this.aws.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: this.aws.url,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: nowhere,
      AWS_SHARED_CREDENTIALS_FILE: nowhere,
      NODE_EXTRA_CA_CERTS: this.responses.caFile,
    };
  }
}

/** A server for every service the harness does not emulate: it records the request and fails it loudly. */
async function startCatchAll(): Promise<{ server: Server; url: string; requests: UnexpectedRequest[] }> {
  const requests: UnexpectedRequest[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const header = (name: string) => {
        const value = req.headers[name];
        return Array.isArray(value) ? value[0] : value;
      };
      requests.push({ method: req.method ?? '', url: req.url ?? '', target: header('x-amz-target'), authorization: /Credential=[^,]*/.exec(header('authorization') ?? '')?.[0] });
      const message = `the e2e harness does not emulate this service (${req.method} ${req.url} ${header('x-amz-target') ?? ''})`;
      res.writeHead(501, { 'content-type': 'application/json', 'x-amzn-ErrorType': 'HarnessUnexpectedService' }).end(JSON.stringify({ __type: 'HarnessUnexpectedService', message, Message: message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}
