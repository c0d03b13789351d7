/**
 * Reads a synthesized cloud assembly (`app.synth()`'s output or a `cdk.out` directory, nested stage
 * assemblies included) the way the CDK CLI does before it deploys: the stacks, their templates and, through
 * each stack's asset manifest, where the code behind every `Code.S3Key` lives in the assembly.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** A CloudFormation template, as JSON. */
export interface Template {
  readonly Parameters?: Record<string, { Type: string; Default?: unknown; [key: string]: unknown }>;
  readonly Conditions?: Record<string, unknown>;
  readonly Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  readonly Resources: Record<string, TemplateResource>;
  readonly Outputs?: Record<string, { Value: unknown; [key: string]: unknown }>;
  readonly [key: string]: unknown;
}

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
  readonly Condition?: string;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly Metadata?: Record<string, unknown>;
}

/** One stack of an assembly, ready to be played. */
export interface AssemblyStack {
  /** The artifact id (the stack's id in the assembly). */
  readonly artifactId: string;
  /** The name CloudFormation knows the stack by. */
  readonly stackName: string;
  /** The stack's account and region; `undefined` for an environment-agnostic stack. */
  readonly account?: string;
  readonly region?: string;
  readonly template: Template;
  /** The directory of the (possibly nested) assembly that holds the stack. */
  readonly assemblyDirectory: string;
  /** The path of the stack in its assembly tree, e.g. `assembly-Pipeline-Prod/PipelineProdData1807B1DB`. */
  readonly path: string;
  /** The local directory (or file) of an asset, by its S3 object key (`Code.S3Key`). */
  assetByObjectKey(objectKey: string): string | undefined;
}

interface Manifest {
  readonly artifacts?: Record<string, {
    readonly type: string;
    readonly environment?: string;
    readonly properties?: Record<string, any>;
    readonly dependencies?: string[];
    readonly displayName?: string;
  }>;
}

interface AssetManifest {
  readonly files?: Record<string, {
    readonly source: { readonly path?: string; readonly packaging?: 'file' | 'zip' };
    readonly destinations: Record<string, { readonly objectKey: string; readonly bucketName: string }>;
  }>;
}

/** A cloud assembly on disk. */
export class CloudAssemblyReader {
  /** `source`: a directory, or anything with a `directory` (the `CloudAssembly` that `app.synth()` returns). */
  static read(source: string | { readonly directory: string }): CloudAssemblyReader {
    return new CloudAssemblyReader(resolve(typeof source === 'string' ? source : source.directory), '');
  }

  /** Every stack, those of nested assemblies (CDK Pipelines' stages) included. */
  readonly stacks: AssemblyStack[] = [];

  private constructor(readonly directory: string, prefix: string) {
    const manifestFile = join(directory, 'manifest.json');
    if (!existsSync(manifestFile)) throw new Error(`${directory} is not a cloud assembly: it has no manifest.json`);
    const manifest: Manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    const artifacts = manifest.artifacts ?? {};
    for (const [id, artifact] of Object.entries(artifacts)) {
      if (artifact.type === 'cdk:cloud-assembly') {
        const nested = new CloudAssemblyReader(join(directory, artifact.properties!.directoryName), `${prefix}${artifact.properties!.directoryName}/`);
        this.stacks.push(...nested.stacks);
        continue;
      }
      if (artifact.type !== 'aws:cloudformation:stack') continue;
      const props = artifact.properties ?? {};
      const template: Template = JSON.parse(readFileSync(join(directory, props.templateFile), 'utf8'));
      const env = /^aws:\/\/([^/]+)\/(.+)$/.exec(artifact.environment ?? '');
      const known = (value: string | undefined) => (value && !value.startsWith('unknown-') ? value : undefined);
      const assets = new Map<string, string>();
      for (const dependency of artifact.dependencies ?? []) {
        const assetArtifact = artifacts[dependency];
        if (assetArtifact?.type !== 'cdk:asset-manifest') continue;
        const manifestPath = join(directory, assetArtifact.properties!.file);
        const assetManifest: AssetManifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
        for (const file of Object.values(assetManifest.files ?? {})) {
          if (!file.source.path) continue; // an executable asset: not something a function can run from
          for (const destination of Object.values(file.destinations)) {
            assets.set(destination.objectKey, resolve(dirname(manifestPath), file.source.path));
          }
        }
      }
      this.stacks.push({
        artifactId: id,
        stackName: props.stackName ?? id,
        account: known(env?.[1]),
        region: known(env?.[2]),
        template,
        assemblyDirectory: directory,
        path: `${prefix}${id}`,
        assetByObjectKey: (key) => assets.get(key),
      });
    }
  }

  /** The stack with this name, artifact id or assembly path. Throws if there is none, or more than one. */
  stack(name: string): AssemblyStack {
    const found = this.stacks.filter((s) => s.stackName === name || s.artifactId === name || s.path === name);
    if (found.length !== 1) {
      throw new Error(`${found.length === 0 ? 'no' : 'more than one'} stack '${name}' in ${this.directory}; stacks: ${this.stacks.map((s) => s.path).join(', ')}`);
    }
    return found[0];
  }
}

/** A stack of a cloud assembly; `name` may be left out when the assembly has one stack. */
export function readStack(source: string | { readonly directory: string }, name?: string): AssemblyStack {
  const assembly = CloudAssemblyReader.read(source);
  if (name !== undefined) return assembly.stack(name);
  if (assembly.stacks.length !== 1) throw new Error(`the assembly has ${assembly.stacks.length} stacks (${assembly.stacks.map((s) => s.path).join(', ')}): name one`);
  return assembly.stacks[0];
}

/**
 * The directory Lambda would run an asset from: an asset directory as it is, a `.zip` asset extracted (as
 * Lambda extracts the deployment package).
 */
export function codeDirectory(assetPath: string, workDirectory: string): string {
  if (statSync(assetPath).isDirectory()) return assetPath;
  if (!assetPath.endsWith('.zip')) throw new Error(`asset ${assetPath} is a file, not a .zip Lambda can run`);
  const out = mkdtempSync(join(workDirectory, 'code-'));
  execFileSync('python3', ['-m', 'zipfile', '-e', assetPath, out]);
  return out;
}
