/**
 * The imitation of ECS that `run --local` runs a container task in: the container of its task definition, read from
 * the template (image, command, environment, secrets), run with the run's context and parameters in its environment
 * (as RunTask's overrides give them, lambda-runtime/shared/task-run.ts) by a local container engine, docker or
 * podman. Without one, the command prints what it would run, secrets masked, for the user to run by hand.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { type AssemblyStack, readJson } from './assembly';
import { CliError } from './errors';
import { describeValue, isObject, type Resolver, resolveString, type ScriptDefinition } from './template';

/** A task's container, as its task definition in the template declares it. */
export interface LocalContainer {
  readonly name: string;
  /** The image to run: a registry image, or a local tag built from the app's Docker image asset. */
  readonly image: string;
  /** The asset's directory, when the image is built from one (`ContainerImage.fromAsset`). */
  readonly buildDir?: string;
  readonly command?: readonly string[];
  readonly entryPoint?: readonly string[];
  readonly environment: ReadonlyMap<string, string>;
  /** Variables only known after deployment, with what they refer to. */
  readonly unresolved: ReadonlyMap<string, string>;
  /** The names of the task's secrets (ECS `Secrets`): read from Secrets Manager or SSM at start. */
  readonly secrets: readonly string[];
}

export function localContainer(stack: AssemblyStack, script: ScriptDefinition, resolver: Resolver): LocalContainer {
  const definition = script.taskDefinitionLogicalId ? stack.template.Resources?.[script.taskDefinitionLogicalId] : undefined;
  if (!definition || definition.Type !== 'AWS::ECS::TaskDefinition') {
    throw new CliError(`task ${script.id} of ${stack.displayName}: its TaskDefinition (${describeValue(script.properties.TaskDefinition)}) is not a task definition of the template: run --local runs the tasks this app defines.`);
  }
  const wanted = typeof script.properties.ContainerName === 'string' ? script.properties.ContainerName : undefined;
  const containers = Array.isArray(definition.Properties?.ContainerDefinitions) ? definition.Properties!.ContainerDefinitions as Array<Record<string, unknown>> : [];
  const container = containers.find((c) => c.Name === wanted) ?? containers[0];
  if (!container) throw new CliError(`task ${script.id}: its task definition ${script.taskDefinitionLogicalId} has no container.`);
  const environment = new Map<string, string>();
  const unresolved = new Map<string, string>();
  for (const variable of Array.isArray(container.Environment) ? container.Environment : []) {
    if (!isObject(variable) || typeof variable.Name !== 'string') continue;
    const value = resolveString(variable.Value, resolver);
    if (value === undefined) unresolved.set(variable.Name, describeValue(variable.Value));
    else environment.set(variable.Name, value);
  }
  const secrets = (Array.isArray(container.Secrets) ? container.Secrets : []).filter(isObject).map((s) => String(s.Name));
  const strings = (value: unknown) => (Array.isArray(value) && value.every((v) => typeof v === 'string') ? value as string[] : undefined);
  const literal = resolveString(container.Image, resolver);
  const asset = literal === undefined ? dockerAssetOf(stack.dir, container.Image) : undefined;
  if (literal === undefined && !asset) {
    throw new CliError(`task ${script.id}: its image (${describeValue(container.Image)}) is not a registry image nor a Docker image asset of the app: run it deployed (run --stack).`);
  }
  return {
    name: String(container.Name ?? 'task'),
    image: literal ?? `cdk-deployment-script-local:${asset!.hash.slice(0, 32)}`,
    buildDir: asset?.dir,
    command: strings(container.Command),
    entryPoint: strings(container.EntryPoint),
    environment,
    unresolved,
    secrets,
  };
}

/** The Docker image asset an image URI refers to (its tag is the asset's hash), from the assembly's asset manifests. */
function dockerAssetOf(dir: string, image: unknown): { hash: string; dir: string } | undefined {
  const text = JSON.stringify(image);
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.assets.json'))) {
    const manifest = readJson(join(dir, file)) as { dockerImages?: Record<string, { source?: { directory?: string } }> };
    for (const [hash, asset] of Object.entries(manifest.dockerImages ?? {})) {
      if (text.includes(hash) && asset.source?.directory) return { hash, dir: resolve(dirname(join(dir, file)), asset.source.directory) };
    }
  }
  return undefined;
}

/**
 * docker or podman: the first on PATH whose engine answers (`version` reaches the daemon or podman's machine). A
 * client without an engine (docker installed, its daemon not running) is no engine: `why` says so.
 */
export function containerEngine(env: NodeJS.ProcessEnv = process.env): { engine?: string; why: string } {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  const reasons: string[] = [];
  for (const engine of ['docker', 'podman']) {
    if (!dirs.some((dir) => existsSync(join(dir, engine)))) continue;
    const probe = spawnSync(engine, ['version', '--format', '{{.Server.Version}}'], { env, encoding: 'utf8', timeout: 10_000 });
    if (probe.status === 0) return { engine, why: '' };
    reasons.push(`${engine} is on PATH, but its engine does not answer (${(probe.stderr || probe.error?.message || `exit ${probe.status}`).trim().split('\n')[0]})`);
  }
  return { why: reasons.length ? reasons.join('; ') : 'neither docker nor podman is on PATH' };
}

/** Names whose values are not shown: the task's secrets, and what looks like a credential. */
const SECRET_NAME = /SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|PRIVATE|_KEY$|^AWS_ACCESS_KEY_ID$/i;
/** A connection string may hold credentials, and is shown only when it plainly holds none. */
const CONNECTION_STRING_NAME = /CONNECTION_STRING/i;
/** `scheme://host[:port][/path]` (a JDBC URL too): no user, password, query or `;key=value` pair to hold a secret. */
const URL_WITHOUT_CREDENTIALS = /^(?:jdbc:)?[a-z][\w+.-]*:\/\/[\w.-]+(?::\d+)?(?:\/[\w.-]*)*$/i;

export function maskedValue(name: string, value: string, secrets: readonly string[]): string {
  if (secrets.includes(name) || SECRET_NAME.test(name) || value.includes('{{resolve:')) return '****';
  if (CONNECTION_STRING_NAME.test(name) && !URL_WITHOUT_CREDENTIALS.test(value)) return '****';
  return value;
}

/** The engine's arguments for one run: the environment by name only (`-e NAME`), so that no value is in argv. */
export function runArguments(container: LocalContainer, environment: ReadonlyMap<string, string>): string[] {
  return [
    'run', '--rm', '--init', '--name', `cdk-deployment-script-${process.pid}`,
    ...(process.stdin.isTTY ? ['-i'] : []),
    ...[...environment.keys()].flatMap((name) => ['-e', name]),
    ...(container.entryPoint ? ['--entrypoint', container.entryPoint[0]] : []),
    container.image,
    ...(container.entryPoint ? container.entryPoint.slice(1) : []),
    ...(container.command ?? []),
  ];
}

/**
 * Builds the image from its asset, when it is one; then runs it. Resolves to the container's exit code, and whether
 * Ctrl-C stopped it.
 */
export async function runContainer(engine: string, container: LocalContainer, environment: ReadonlyMap<string, string>,
  callerEnv: NodeJS.ProcessEnv): Promise<{ code: number; interrupted: boolean }> {
  if (container.buildDir) {
    const built = spawnSync(engine, ['build', '-t', container.image, container.buildDir], { stdio: ['ignore', 2, 2] });
    if (built.status !== 0) throw new CliError(`${engine} build of ${container.buildDir} failed (exit ${built.status ?? built.signal}).`);
  }
  const env = { ...callerEnv, ...Object.fromEntries(environment) };
  return new Promise((resolveCode, reject) => {
    const child = spawn(engine, runArguments(container, environment), { env, stdio: ['inherit', 2, 2] });
    let wasInterrupted = false;
    const interrupted = () => {
      wasInterrupted = true;
      child.kill('SIGINT');
    };
    process.on('SIGINT', interrupted);
    child.on('error', (error) => reject(new CliError(`cannot start ${engine}: ${error.message}`)));
    child.on('close', (code, signal) => {
      process.removeListener('SIGINT', interrupted);
      resolveCode({ code: code ?? (signal ? 128 + 15 : 1), interrupted: wasInterrupted });
    });
  });
}

/**
 * What a run would be, for a user without a container engine: one shell command, secrets masked. A secret not given
 * (ECS reads it when the task starts) has its place, masked, for the user to fill.
 */
export function describeRun(container: LocalContainer, environment: ReadonlyMap<string, string>): string {
  const quote = (text: string) => (/^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);
  const secretsToGive = container.secrets.filter((name) => !environment.has(name));
  const lines = [
    ...(container.buildDir ? [`docker build -t ${container.image} ${quote(container.buildDir)}`] : []),
    'docker run --rm \\',
    ...[...environment].map(([name, value]) => `  -e ${name}=${quote(maskedValue(name, value, container.secrets))} \\`),
    ...secretsToGive.map((name) => `  -e ${name}='****' \\`),
    ...(container.entryPoint ? [`  --entrypoint ${quote(container.entryPoint[0])} \\`] : []),
    `  ${[container.image, ...(container.entryPoint?.slice(1) ?? []), ...(container.command ?? [])].map(quote).join(' ')}`,
  ];
  return lines.join('\n');
}
