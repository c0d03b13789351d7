/**
 * The AWS clients of the command line, configured to fail fast and to say why: the SDK's standard credential,
 * region and endpoint resolution (`--profile`, `--region`, the environment, `AWS_ENDPOINT_URL_*`), a short
 * connection timeout, at most 2 attempts for reads and exactly 1 for Invoke (a script is not run twice because
 * an answer was slow), and every error turned into one clear sentence.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SSMClient } from '@aws-sdk/client-ssm';
import { CliError } from './errors';

/** How long to wait for a TCP connection: an unreachable endpoint fails in seconds, not minutes. */
export const CONNECT_TIMEOUT_MS = 3000;
/**
 * How long one attempt of a read may take, whole: an endpoint that accepts the connection and never answers fails
 * in READ_ATTEMPTS × READ_TIMEOUT_MS (and the SDK's short back-off between them), not minutes.
 */
export const READ_TIMEOUT_MS = 5000;
/** Attempts per read: one retry, for a dropped connection or a throttled call. */
export const READ_ATTEMPTS = 2;

export interface AwsOptions {
  readonly profile?: string;
  readonly region?: string;
}

/** The region of a stack ARN, so that `--stack <arn>` needs no `--region`. */
export function regionOfArn(stack: string): string | undefined {
  const match = /^arn:[^:]+:cloudformation:([^:]+):/.exec(stack);
  return match?.[1];
}

/** What a call does, for messages: the IAM action and the resource it acts on. */
export interface CallDescription {
  /** The IAM action, e.g. `cloudformation:ListStackResources`. */
  readonly action: string;
  /** What it acts on, e.g. `stack my-stack`. */
  readonly on: string;
}

type Client = CloudFormationClient | LambdaClient | SSMClient | ECSClient | CloudWatchLogsClient;

interface Sendable<Output> {
  send(command: any): Promise<Output>;
}

export class Aws {
  private cfn?: CloudFormationClient;
  private ssmClient?: SSMClient;
  private ecsClient?: ECSClient;
  private logsClient?: CloudWatchLogsClient;
  private readonly clients: Client[] = [];
  /** The endpoint each service was last called at (the SDK resolves it; messages name it). */
  private readonly endpoints = new Map<Client, string>();

  constructor(private readonly options: AwsOptions) {}

  get cloudformation(): CloudFormationClient {
    return this.cfn ??= this.track(new CloudFormationClient(this.config(READ_TIMEOUT_MS, READ_ATTEMPTS)));
  }

  get ssm(): SSMClient {
    return this.ssmClient ??= this.track(new SSMClient(this.config(READ_TIMEOUT_MS, READ_ATTEMPTS)));
  }

  /** ECS: RunTask is idempotent by its client token, so it is retried like a read. */
  get ecs(): ECSClient {
    return this.ecsClient ??= this.track(new ECSClient(this.config(READ_TIMEOUT_MS, READ_ATTEMPTS)));
  }

  get logs(): CloudWatchLogsClient {
    return this.logsClient ??= this.track(new CloudWatchLogsClient(this.config(READ_TIMEOUT_MS, READ_ATTEMPTS)));
  }

  /** A Lambda client for one invocation that may take `timeoutMs`: one attempt only. */
  lambda(timeoutMs: number): LambdaClient {
    return this.track(new LambdaClient(this.config(timeoutMs, 1)));
  }

  /** The region the clients use, or `undefined` when none is configured. */
  async region(): Promise<string | undefined> {
    try {
      return await this.cloudformation.config.region();
    } catch {
      return undefined;
    }
  }

  /**
   * Sends a command; turns any error into a `CliError` that says what failed and what to do. `expected` may
   * handle an error first: return a value to use instead, throw, or return `undefined` to fall through.
   */
  async call<Output>(client: Sendable<Output> & Client, command: unknown, what: CallDescription,
    expected?: (error: AwsError) => Output | undefined): Promise<Output> {
    try {
      return await client.send(command);
    } catch (raw) {
      const error = raw as AwsError;
      const handled = expected?.(error);
      if (handled !== undefined) return handled;
      throw await this.explain(error, what, client);
    }
  }

  /** Closes the clients' connections, so that the process can exit at once. */
  destroy(): void {
    for (const client of this.clients) client.destroy();
  }

  private config(requestTimeout: number, maxAttempts: number) {
    return {
      region: this.options.region,
      profile: this.options.profile,
      maxAttempts,
      // socketTimeout: silence on an open connection (an Invoke is silent while the script runs);
      // requestTimeout: the whole request.
      requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, socketTimeout: requestTimeout, requestTimeout, throwOnRequestTimeout: true },
    };
  }

  private track<C extends Client>(client: C): C {
    this.clients.push(client);
    // The clients' middleware stacks differ in their input types only; this one reads the request, whatever it is.
    (client.middlewareStack as CloudFormationClient['middlewareStack']).add((next) => async (args) => {
      const request = args.request as { protocol?: string; hostname?: string; port?: number; path?: string } | undefined;
      if (request?.hostname) this.endpoints.set(client, `${request.protocol ?? 'https:'}//${request.hostname}${request.port ? `:${request.port}` : ''}`);
      return next(args);
    }, { step: 'finalizeRequest', name: 'cdkDeploymentScriptEndpoint' });
    return client;
  }

  private async explain(error: AwsError, what: CallDescription, client: Client): Promise<CliError> {
    const name = error?.name ?? 'Error';
    const code = error?.Code ?? error?.code ?? name;
    const message = String(error?.message ?? error);
    const service = client.config.serviceId;

    if (name === 'CredentialsProviderError' || name === 'TokenProviderError' || /Could not load credentials/i.test(message)) {
      const profile = this.options.profile ?? process.env.AWS_PROFILE;
      if (profile && !profileExists(profile)) {
        return new CliError(`no AWS credentials: profile ${profile} is not in ${configFile()} nor in ${credentialsFile()}. ` +
          'Check --profile (or AWS_PROFILE), or create it (aws configure --profile, aws configure sso).');
      }
      return new CliError(`no AWS credentials${profile ? ` for profile ${profile}` : ''}: set AWS_PROFILE or pass --profile, set AWS_ACCESS_KEY_ID and ` +
        `AWS_SECRET_ACCESS_KEY, or sign in (aws sso login, aws configure). The SDK said: ${message}`);
    }
    if (/Region is missing/i.test(message)) {
      return new CliError('no AWS region: pass --region, set AWS_REGION, or give your profile a region (or pass the stack\'s ARN as --stack).');
    }
    const region = await this.region();
    if (isNetworkError(error)) {
      const endpoint = this.endpoints.get(client);
      return new CliError(`cannot reach ${service}${endpoint ? ` at ${endpoint}` : ''}${region ? ` (${region})` : ''}: ${networkReason(error)}. ` +
        'Check your network connection and proxy, --region, and AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_<SERVICE> if you set them.');
    }
    if (/^(AccessDenied|AccessDeniedException|UnauthorizedOperation|UnauthorizedAccess|AuthorizationError)$/.test(code)) {
      return new CliError(`access denied: your AWS identity may not ${what.action} on ${what.on}${region ? ` in ${region}` : ''}. ` +
        `Grant it, or use another --profile. AWS said: ${message}`);
    }
    if (/^(InvalidClientTokenId|UnrecognizedClientException|SignatureDoesNotMatch|InvalidSignatureException|ExpiredToken|ExpiredTokenException|InvalidAccessKeyId)$/.test(code)) {
      return new CliError(`AWS rejected your credentials (${code}: ${message}). They may have expired: refresh them (aws sso login), or use another --profile.`);
    }
    const status = error?.$metadata?.httpStatusCode;
    return new CliError(`${what.action} on ${what.on} failed: ${code}: ${message}${status ? ` (HTTP ${status})` : ''}`);
  }
}

export interface AwsError extends Error {
  readonly Code?: string;
  readonly code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly cause?: unknown;
}

function configFile(): string {
  return process.env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config');
}

function credentialsFile(): string {
  return process.env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aws', 'credentials');
}

/** Whether a profile is declared in the shared config or credentials file (as the SDK reads them). */
function profileExists(profile: string): boolean {
  const sections = (file: string) => {
    try {
      return [...readFileSync(file, 'utf8').matchAll(/^\s*\[([^\]]+)\]/gm)].map((m) => m[1].trim());
    } catch {
      return [];
    }
  };
  return sections(configFile()).some((s) => s === profile || s.replace(/^profile\s+/, '') === profile) || sections(credentialsFile()).includes(profile);
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED']);

function isNetworkError(error: AwsError): boolean {
  if (error?.$metadata?.httpStatusCode) return false;
  const code = (error as { code?: string })?.code;
  return (code !== undefined && NETWORK_CODES.has(code)) || error?.name === 'TimeoutError' || /socket hang up|connect E/i.test(String(error?.message));
}

function networkReason(error: AwsError): string {
  const code = (error as { code?: string })?.code;
  const message = String(error?.message);
  if (code === 'ECONNREFUSED') return 'connection refused (ECONNREFUSED)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `the host name does not resolve (${code})`;
  if (/did not establish a connection/.test(message) || (code === 'ETIMEDOUT' && !/exceeded the configured/.test(message))) {
    return `no connection within ${CONNECT_TIMEOUT_MS / 1000} seconds`;
  }
  if (error?.name === 'TimeoutError') return `no answer in time (${message.replace(/^@smithy\/node-http-handler - (\[ERROR\] )?/, '')})`;
  return `${code ?? error?.name}: ${message}`;
}
