/**
 * Running the built command line (bin/cdk-deployment-script.js) as a user would, in a child process with the
 * real AWS SDK, against the loopback fake of test/support/fake-aws.ts; and a small app, synthesized for real,
 * whose template the fake serves as a deployed stack's.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DeploymentScript, RunPolicy, ScriptTrigger } from '../../lib';
import type { FakeAws, FakeStackResource } from '../support/fake-aws';
import { ECHO_SCRIPT, PYTHON_SCRIPT_DIR } from '../support/template';

export const ROOT = join(__dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'cdk-deployment-script.js');

/**
 * Builds the command line as the build does (scripts/bundle-cli.mjs) when bin/ is missing or older than its
 * sources, so that the tests never run a stale bundle.
 */
export function ensureBin(): void {
  const newest = Math.max(
    ...['cli', 'lambda-runtime'].flatMap((dir) => files(join(ROOT, dir))).map((file) => statSync(file).mtimeMs),
    statSync(join(ROOT, 'scripts', 'bundle-cli.mjs')).mtimeMs,
  );
  let built = 0;
  try {
    built = statSync(BIN).mtimeMs;
  } catch {
    // not built yet
  }
  if (built < newest) execFileSync(process.execPath, [join(ROOT, 'scripts', 'bundle-cli.mjs')], { stdio: 'inherit' });
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? files(path) : /\.(ts|cjs|py)$/.test(entry.name) ? [path] : [];
  });
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** How long the command took. */
  readonly ms: number;
}

/** Where the SDK finds no configuration, credentials or instance metadata: nothing of this machine leaks in. */
export function isolatedEnv(): Record<string, string> {
  const nowhere = join(tmpdir(), 'cdk-deployment-script-cli-test-no-such-file');
  return {
    PATH: process.env.PATH ?? '',
    HOME: mkdtempSync(join(tmpdir(), 'cli-home-')),
    AWS_CONFIG_FILE: nowhere,
    AWS_SHARED_CREDENTIALS_FILE: nowhere,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/** `isolatedEnv()` with `changes` (a variable `undefined` is removed). */
function cliEnv(changes: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = { ...isolatedEnv() };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Runs `node bin/cdk-deployment-script.js …args`, with `env` only (on top of `isolatedEnv()`). */
export function runCli(args: readonly string[], options: { env?: Record<string, string | undefined>; input?: string; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const env = cliEnv(options.env);
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd: options.cwd ?? ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms: Date.now() - start });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A command started in the background, to talk to while it runs (`--watch`, Ctrl-C). */
export interface RunningCli {
  /** Resolves once `pattern` has appeared `times` times in what the command wrote to `stream`; rejects if it ends first. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, times?: number): Promise<void>;
  /** Sends a signal (Ctrl-C is SIGINT). */
  signal(signal: NodeJS.Signals): void;
  /** Resolves once the command has ended. */
  readonly done: Promise<CliResult>;
}

/** Starts `node bin/cdk-deployment-script.js …args` as `runCli` does, without waiting for it to end. */
export function startCli(args: readonly string[], options: { env?: Record<string, string | undefined>; cwd?: string; timeoutMs?: number } = {}): RunningCli {
  const start = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { env: cliEnv(options.env), cwd: options.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const text = { stdout: '', stderr: '' };
  const waiters: Array<() => void> = [];
  const notify = () => waiters.splice(0).forEach((check) => check());
  child.stdout.on('data', (chunk: Buffer) => { text.stdout += chunk.toString('utf8'); notify(); });
  child.stderr.on('data', (chunk: Buffer) => { text.stderr += chunk.toString('utf8'); notify(); });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  let ended = false;
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      ended = true;
      notify();
      resolve({ code, stdout: text.stdout, stderr: text.stderr, ms: Date.now() - start });
    });
  });
  return {
    done,
    signal: (signal) => child.kill(signal),
    waitFor: (stream, pattern, times = 1) => new Promise<void>((resolve, reject) => {
      const check = () => {
        const count = [...text[stream].matchAll(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g'))].length;
        if (count >= times) return resolve();
        if (ended) return reject(new Error(`the command ended before ${stream} showed ${pattern} ${times} time(s):\n${text.stderr}${text.stdout}`));
        waiters.push(check);
      };
      check();
    }),
  };
}

export const STACK_NAME = 'CliStack';
export const STACK_ID = `arn:aws:cloudformation:us-east-1:123456789012:stack/${STACK_NAME}/5b7c2d10-a1b2-11ee-8c90-0242ac120002`;

/**
 * A small app with four scripts, synthesized into `outdir` as `cdk synth` would (asset and path metadata on):
 * - `migrate`: Node.js (test/fixtures/scripts/echo.ts, bundled with esbuild), after:deploy, parameters and a
 *   variable that refer to a bucket, a literal variable;
 * - `check`: Python (test/fixtures/python), before:delete;
 * - `Api/seed`: inline Node.js code, nested in a construct, run once;
 * - `fail`, `slow`: inline Node.js code that throws, and that outlives its 2 second timeout.
 */
export function synthApp(outdir: string, options: { assetMetadata?: boolean } = {}): { template: any; stackName: string } {
  const app = new App({
    outdir,
    context: { 'aws:cdk:enable-asset-metadata': options.assetMetadata ?? true, 'aws:cdk:enable-path-metadata': true },
  });
  const stack = new Stack(app, STACK_NAME);
  const bucket = new s3.Bucket(stack, 'Data');
  new DeploymentScript(stack, 'migrate', {
    trigger: ScriptTrigger.AFTER_DEPLOY,
    entry: ECHO_SCRIPT,
    timeout: Duration.seconds(30),
    parameters: { bucket: bucket.bucketName, region: stack.region, batch: 100, dryRun: false, tables: ['users', 'orders'], db: { host: 'db.internal', port: 5432 } },
    environment: { LOG_LEVEL: 'debug', BUCKET: bucket.bucketName },
  });
  new DeploymentScript(stack, 'check', {
    trigger: ScriptTrigger.BEFORE_DELETE,
    code: lambda.Code.fromAsset(PYTHON_SCRIPT_DIR),
    handler: 'script.handler',
    runtime: lambda.Runtime.PYTHON_3_13,
    parameters: { table: 'users' },
  });
  new DeploymentScript(new Construct(stack, 'Api'), 'seed', {
    trigger: ScriptTrigger.AFTER_DEPLOY,
    runPolicy: RunPolicy.ONCE,
    code: lambda.Code.fromInline('exports.handler = async (event, context) => ({ seeded: event.count, remaining: context.getRemainingTimeInMillis() > 0 });'),
    handler: 'index.handler',
    runtime: lambda.Runtime.NODEJS_22_X,
    parameters: { count: 3 },
  });
  new DeploymentScript(stack, 'fail', {
    trigger: ScriptTrigger.AFTER_DEPLOY,
    code: lambda.Code.fromInline([
      'class MigrationError extends Error { constructor(m) { super(m); this.name = "MigrationError"; } }',
      'exports.handler = async () => { console.log("applying 0042_users"); throw new MigrationError(\'relation "users" already exists\'); };',
    ].join('\n')),
    handler: 'index.handler',
    runtime: lambda.Runtime.NODEJS_22_X,
  });
  new DeploymentScript(stack, 'slow', {
    trigger: ScriptTrigger.AFTER_DEPLOY,
    code: lambda.Code.fromInline('exports.handler = async () => { console.log("working"); await new Promise((r) => setTimeout(r, 60000)); };'),
    handler: 'index.handler',
    runtime: lambda.Runtime.NODEJS_22_X,
    timeout: Duration.seconds(2),
  });
  app.synth();
  return { template: JSON.parse(readFileSync(join(outdir, `${STACK_NAME}.template.json`), 'utf8')), stackName: STACK_NAME };
}

/** A synthesized template, deployed into the fake: the stack, its resources with physical ids, its template. */
export class DeployedApp {
  constructor(readonly fake: FakeAws, readonly template: any, readonly region = 'us-east-1') {}

  /** The physical id of a resource: a function's name, a script's logical id (as the runtime answers on Create). */
  physicalId(logicalId: string): string {
    const type = this.template.Resources[logicalId].Type;
    if (type === 'AWS::Lambda::Function') return `${STACK_NAME}-${logicalId.slice(0, 24)}-AbCdEf123456`;
    if (type === 'Custom::DeploymentScript' || type === 'Custom::DeploymentTask') return logicalId;
    return `${logicalId.toLowerCase()}-phys`;
  }

  /** The logical id of a script's function. */
  functionOf(scriptLogicalId: string): string {
    return this.template.Resources[scriptLogicalId].Properties.ScriptFunctionName.Ref;
  }

  /** Declares the stack, its resources (all `status` unless overridden) and its template. */
  deploy(options: { stackStatus?: string; status?: string; overrides?: Record<string, Partial<FakeStackResource> | null> } = {}): this {
    const resources = Object.entries(this.template.Resources as Record<string, { Type: string }>)
      .filter(([logicalId]) => options.overrides?.[logicalId] !== null)
      .map(([logicalId, resource]) => ({
        logicalId,
        physicalId: this.physicalId(logicalId),
        type: resource.Type,
        status: options.status ?? 'UPDATE_COMPLETE',
        ...(options.overrides?.[logicalId] ?? {}),
      }));
    this.fake.setStack(STACK_ID, options.stackStatus ?? 'UPDATE_COMPLETE').setStackResources(STACK_ID, resources, { pageSize: 7 }).setTemplate(STACK_ID, this.template);
    return this;
  }

  /** What the `Parameters` of a script resolved to at deployment: references become physical ids and made-up attributes. */
  resolvedParameters(scriptLogicalId: string): string {
    const resolve = (value: any): string => {
      if (typeof value === 'string') return value;
      if (value.Ref === 'AWS::Region') return this.region;
      if (value.Ref) return this.physicalId(value.Ref);
      if (value['Fn::GetAtt']) return `${this.physicalId(value['Fn::GetAtt'][0])}.${value['Fn::GetAtt'][1]}`;
      if (value['Fn::Join']) return value['Fn::Join'][1].map(resolve).join(value['Fn::Join'][0]);
      throw new Error(`cannot resolve ${JSON.stringify(value)}`);
    };
    return resolve(this.template.Resources[scriptLogicalId].Properties.Parameters);
  }

  /** Stores the record the runtime keeps for a script (see lambda-runtime/shared/stored-result.ts). */
  record(scriptLogicalId: string, record: object = { v: 1, data: {}, parameters: this.resolvedParameters(scriptLogicalId) },
    type: 'String' | 'SecureString' = 'String'): this {
    this.fake.setParameter(`/cdk-deployment-script/${STACK_NAME}/${scriptLogicalId}`, JSON.stringify(record), type);
    return this;
  }
}
