/**
 * Cloud assemblies (cdk.out) on this machine: their stacks, and the deployment scripts in them, for `list --local`
 * and `run --local`. Nested assemblies (stages) are read too.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError } from './errors';
import { findScripts, type Resolver, type ScriptDefinition, selectScript, type Template } from './template';

/** A stack of a cloud assembly. */
export interface AssemblyStack {
  readonly artifactId: string;
  readonly stackName: string;
  /** The stack's construct path (`Stage/Stack`), as `cdk` shows it. */
  readonly displayName: string;
  /** The directory of the (possibly nested) assembly the stack belongs to. */
  readonly dir: string;
  readonly template: Template;
  readonly account?: string;
  readonly region?: string;
}

/** Reads the stacks of a cloud assembly, and of the assemblies nested in it (stages). */
export function readAssembly(app: string): AssemblyStack[] {
  const dir = resolve(app);
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) {
    throw new CliError(`${app} is not a cloud assembly (no manifest.json in ${dir}): synthesize the app first (cdk synth), or give its output directory with --app.`);
  }
  const stacks: AssemblyStack[] = [];
  const visit = (assemblyDir: string) => {
    const manifest = readJson(join(assemblyDir, 'manifest.json')) as { artifacts?: Record<string, any> };
    for (const [artifactId, artifact] of Object.entries(manifest.artifacts ?? {})) {
      if (artifact?.type === 'cdk:cloud-assembly' && typeof artifact.properties?.directoryName === 'string') {
        visit(join(assemblyDir, artifact.properties.directoryName));
      }
      if (artifact?.type !== 'aws:cloudformation:stack' || typeof artifact.properties?.templateFile !== 'string') continue;
      const [, account, region] = /^aws:\/\/([^/]*)\/(.*)$/.exec(artifact.environment ?? '') ?? [];
      stacks.push({
        artifactId,
        stackName: artifact.properties.stackName ?? artifactId,
        displayName: artifact.displayName ?? artifactId,
        dir: assemblyDir,
        template: readJson(join(assemblyDir, artifact.properties.templateFile)) as Template,
        account: account && account !== 'unknown-account' ? account : undefined,
        region: region && region !== 'unknown-region' ? region : undefined,
      });
    }
  };
  visit(dir);
  return stacks;
}

export function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** The script named `wanted`, in the stack `stack` if given, else in whichever stack has it. */
export function findLocalScript(stacks: AssemblyStack[], wanted: string, stackName: string | undefined, app: string): { stack: AssemblyStack; script: ScriptDefinition } {
  const candidates = selectStacks(stacks, stackName, app);
  if (candidates.length === 1) {
    return { stack: candidates[0], script: selectScript(findScripts(candidates[0].template), wanted, `stack ${candidates[0].displayName} of ${app}`) };
  }
  const found: Array<{ stack: AssemblyStack; script: ScriptDefinition }> = [];
  for (const stack of candidates) {
    try {
      found.push({ stack, script: selectScript(findScripts(stack.template), wanted, stack.displayName) });
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
    }
  }
  if (found.length === 1) return found[0];
  if (found.length > 1) {
    throw new CliError(`script '${wanted}' is in several stacks of ${app}: ${found.map((f) => f.stack.displayName).join(', ')}. Pick one with --stack.`);
  }
  const all = candidates.flatMap((stack) => findScripts(stack.template).map((s) => `${s.id} (${stack.displayName})`));
  throw new CliError(`no deployment script named '${wanted}' in ${app}. ${all.length ? `Its scripts: ${all.join(', ')}.` : 'It has no deployment scripts.'}`);
}

export function selectStacks(stacks: AssemblyStack[], name: string | undefined, app: string): AssemblyStack[] {
  if (stacks.length === 0) throw new CliError(`${app} has no stacks.`);
  if (name === undefined) return stacks;
  const found = stacks.filter((s) => s.stackName === name || s.artifactId === name || s.displayName === name);
  if (found.length === 0) throw new CliError(`no stack named '${name}' in ${app}. Its stacks: ${stacks.map((s) => s.displayName).join(', ')}.`);
  return found;
}

/** Pseudo parameters known on this machine: the stack's environment (or --region), its name, the partition. */
export function localResolver(stack: AssemblyStack, region: string | undefined): Resolver {
  const partition = region?.startsWith('cn-') ? 'aws-cn' : region?.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  const pseudo: Record<string, string | undefined> = {
    'AWS::Region': region,
    'AWS::AccountId': stack.account,
    'AWS::Partition': partition,
    'AWS::URLSuffix': partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
    'AWS::StackName': stack.stackName,
  };
  return { ref: (name) => pseudo[name] };
}

/** The region a local run resolves `AWS::Region` to and gives the script: --region, the stack's, the environment's. */
export function localRegion(options: { region?: string }, stack: AssemblyStack): string | undefined {
  return options.region ?? stack.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
}
