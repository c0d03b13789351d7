/**
 * Reading deployment scripts out of a CloudFormation template (deployed, or synthesized in cdk.out): which
 * resources are scripts, how a user names one, and what the intrinsic functions in their properties come to.
 */
import {
  PROP_FUNCTION_NAME,
  PROP_RUN_POLICY,
  PROP_TASK_DEFINITION,
  PROP_TIMEOUT_SECONDS,
  PROP_TRIGGER,
  RESOURCE_TYPE,
  TASK_RESOURCE_TYPE,
} from '../lambda-runtime/shared/consts';
import { CliError } from './errors';

export interface TemplateResource {
  readonly Type?: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

export interface Template {
  readonly Resources?: Record<string, TemplateResource>;
  readonly Parameters?: Record<string, { readonly Type?: string; readonly NoEcho?: boolean | string }>;
}

/** What runs a script: a Lambda function (`DeploymentScript`) or a container task on Fargate (`DeploymentTask`). */
export type ScriptKind = 'script' | 'task';

/** A deployment script or container task, as its template declares it. */
export interface ScriptDefinition {
  /** The logical id of its `Custom::DeploymentScript` or `Custom::DeploymentTask` resource. */
  readonly logicalId: string;
  readonly kind: ScriptKind;
  /**
   * How users name it: its construct path within the stack (`migrate`, `Api/migrate`), from the `aws:cdk:path`
   * metadata; the logical id when the template has none.
   */
  readonly id: string;
  readonly trigger: string;
  readonly runPolicy?: string;
  /** The custom resource's properties, unresolved. */
  readonly properties: Record<string, unknown>;
  /** The logical id of its function, when `ScriptFunctionName` refers to one of the template. */
  readonly functionLogicalId?: string;
  /** A task's: the logical id of its task definition, when `TaskDefinition` refers to one of the template. */
  readonly taskDefinitionLogicalId?: string;
  /** The `TimeoutSeconds` property, when literal. */
  readonly timeoutSeconds?: number;
}

/** The deployment scripts and container tasks of a template, in template order. */
export function findScripts(template: Template): ScriptDefinition[] {
  const resources = template.Resources ?? {};
  const prefix = stackPathPrefix(resources);
  return Object.entries(resources)
    .filter(([, resource]) => resource?.Type === RESOURCE_TYPE || resource?.Type === TASK_RESOURCE_TYPE)
    .map(([logicalId, resource]) => {
      const properties = resource.Properties ?? {};
      const path = resource.Metadata?.['aws:cdk:path'];
      const id = typeof path === 'string' && path.startsWith(prefix)
        ? path.slice(prefix.length).replace(/\/Default\/Default$/, '') || logicalId
        : logicalId;
      const fn = properties[PROP_FUNCTION_NAME];
      const functionLogicalId = refTarget(fn) ?? getAttTarget(fn);
      const timeout = Number(properties[PROP_TIMEOUT_SECONDS]);
      const taskDefinition = refTarget(properties[PROP_TASK_DEFINITION]);
      return {
        logicalId,
        kind: resource.Type === TASK_RESOURCE_TYPE ? 'task' as const : 'script' as const,
        id,
        trigger: typeof properties[PROP_TRIGGER] === 'string' ? properties[PROP_TRIGGER] as string : '?',
        runPolicy: typeof properties[PROP_RUN_POLICY] === 'string' ? properties[PROP_RUN_POLICY] as string : undefined,
        properties,
        functionLogicalId: functionLogicalId && resources[functionLogicalId] ? functionLogicalId : undefined,
        taskDefinitionLogicalId: taskDefinition && resources[taskDefinition] ? taskDefinition : undefined,
        timeoutSeconds: Number.isFinite(timeout) && timeout > 0 ? timeout : undefined,
      };
    });
}

/**
 * The construct path of the stack, with a trailing `/`: what every resource's `aws:cdk:path` starts with. The
 * provider of the scripts sits at the stack's root, so the common prefix is the stack's path.
 */
function stackPathPrefix(resources: Record<string, TemplateResource>): string {
  const paths = Object.values(resources)
    .map((resource) => resource?.Metadata?.['aws:cdk:path'])
    .filter((path): path is string => typeof path === 'string')
    .map((path) => path.split('/'));
  if (paths.length === 0) return '';
  let common = paths[0].slice(0, -1);
  for (const path of paths.slice(1)) {
    let n = 0;
    while (n < common.length && n < path.length - 1 && common[n] === path[n]) n++;
    common = common.slice(0, n);
  }
  // A stack with one construct only: its path minus the construct's own parts is still the stack's path.
  return common.length ? common.join('/') + '/' : '';
}

/**
 * The script named `wanted`: by logical id, by id (construct path within the stack), or by the end of its id
 * (`migrate` for `Api/migrate`) when only one ends so. Throws, listing the scripts there are, when none or
 * several match.
 */
export function selectScript(scripts: readonly ScriptDefinition[], wanted: string, where: string): ScriptDefinition {
  const exact = scripts.filter((s) => s.logicalId === wanted || s.id === wanted);
  const found = exact.length ? exact : scripts.filter((s) => s.id.endsWith(`/${wanted}`));
  if (found.length === 1) return found[0];
  if (found.length > 1) {
    throw new CliError(`script '${wanted}' is ambiguous in ${where}: it could be ${found.map((s) => `${s.id} (${s.logicalId})`).join(', ')}. Give its full id or its logical id.`);
  }
  if (scripts.length === 0) throw new CliError(`no deployment script named '${wanted}' in ${where}: it has no deployment scripts.`);
  throw new CliError(`no deployment script named '${wanted}' in ${where}. Its scripts: ${scripts.map(describeId).join(', ')}.`);
}

function describeId(script: ScriptDefinition): string {
  return script.id === script.logicalId ? script.id : `${script.id} (${script.logicalId})`;
}

export function refTarget(value: unknown): string | undefined {
  const ref = isObject(value) && Object.keys(value).length === 1 ? value.Ref : undefined;
  return typeof ref === 'string' ? ref : undefined;
}

function getAttTarget(value: unknown): string | undefined {
  const att = isObject(value) && Object.keys(value).length === 1 ? value['Fn::GetAtt'] : undefined;
  const target = Array.isArray(att) ? att[0] : typeof att === 'string' ? att.split('.')[0] : undefined;
  return typeof target === 'string' ? target : undefined;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The key of the part that stands for a dynamic reference found inside literal text (see `parameterParts`). */
const DYNAMIC_REFERENCE = '{{resolve}}';

/** What intrinsic functions can be resolved to, where the command runs. */
export interface Resolver {
  /**
   * The value of `Ref` to a pseudo parameter (`AWS::Region`), a template parameter or a resource; `undefined` when
   * unknown.
   */
  ref(name: string): string | undefined;
  /** The value of `Fn::ImportValue` of an export (another stack's output), when known. */
  importValue?(name: string): string | undefined;
}

/** The names of the exports a value imports with `Fn::ImportValue` of a literal name (as AWS CDK writes it). */
export function importedNames(value: unknown): string[] {
  const found = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (isObject(v)) {
      const name = Object.keys(v).length === 1 ? v['Fn::ImportValue'] : undefined;
      if (typeof name === 'string') found.add(name);
      else Object.values(v).forEach(visit);
    }
  };
  visit(value);
  return [...found];
}

/**
 * A property value resolved to a string, as CloudFormation would: literals, `Ref` and `Fn::ImportValue` the resolver
 * knows, and `Fn::Join` of those. `undefined` when any part is only known after deployment (other references, `Fn::GetAtt`,
 * imports, …) or is a dynamic reference (`{{resolve:…}}`), which CloudFormation resolves at deploy time.
 */
export function resolveString(value: unknown, resolver: Resolver): string | undefined {
  if (typeof value === 'string') return value.includes('{{resolve:') ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const ref = refTarget(value);
  if (ref !== undefined) return resolver.ref(ref);
  const imported = isObject(value) && Object.keys(value).length === 1 ? value['Fn::ImportValue'] : undefined;
  if (imported !== undefined) return typeof imported === 'string' ? resolver.importValue?.(imported) : undefined;
  const join = joinOf(value);
  if (join) {
    const parts = join.parts.map((part) => resolveString(part, resolver));
    return parts.every((part): part is string => part !== undefined) ? parts.join(join.separator) : undefined;
  }
  return undefined;
}

function joinOf(value: unknown): { separator: string; parts: unknown[] } | undefined {
  const join = isObject(value) && Object.keys(value).length === 1 ? value['Fn::Join'] : undefined;
  if (!Array.isArray(join) || join.length !== 2 || typeof join[0] !== 'string' || !Array.isArray(join[1])) return undefined;
  return { separator: join[0], parts: join[1] };
}

/** A short description of an unresolved value, for messages: `Ref MyBucket`, `Fn::GetAtt Db.Endpoint.Address`. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const reference = /\{\{resolve:([^:}]+)[^}]*\}\}/.exec(value);
    return reference ? `a dynamic reference to ${reference[1]} (${ellipsis(reference[0], 80)})` : ellipsis(value, 80);
  }
  const ref = refTarget(value);
  if (ref !== undefined) return `Ref ${ref}`;
  const att = isObject(value) ? value['Fn::GetAtt'] : undefined;
  if (Array.isArray(att)) return `Fn::GetAtt ${att.join('.')}`;
  const join = joinOf(value);
  if (join) {
    const unresolved = join.parts.filter((part) => typeof part !== 'string').map(describeValue);
    const literal = join.parts.filter((part): part is string => typeof part === 'string').join('');
    const secret = /\{\{resolve:([^:}]+)/.exec(literal);
    if (secret) return `a dynamic reference to ${secret[1]}, joined with ${unresolved.join(', ') || 'text'}`;
    return unresolved.length ? `text joined with ${unresolved.join(', ')}` : 'text';
  }
  if (isObject(value) && typeof value[DYNAMIC_REFERENCE] === 'string') return describeValue(value[DYNAMIC_REFERENCE]);
  if (isObject(value)) {
    const [key] = Object.keys(value);
    if (key !== undefined) return `${key} ${ellipsis(JSON.stringify(value[key]), 60)}`;
  }
  return ellipsis(JSON.stringify(value), 80);
}

function ellipsis(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

/**
 * The parts of a `Parameters` property: literal text and values resolved at deploy time, flattened. A dynamic
 * reference inside literal text (`{{resolve:ssm:/name}}`, which CloudFormation resolves) is a part of its own.
 */
function parameterParts(property: unknown): unknown[] | undefined {
  if (property === undefined) return ['{}'];
  const join = joinOf(property);
  if (typeof property !== 'string' && (!join || join.separator !== '')) return undefined;
  const parts = typeof property === 'string' ? [property] : join!.parts.flatMap((part) => {
    const inner = joinOf(part);
    return inner && inner.separator === '' ? parameterParts(part) ?? [part] : [part];
  });
  return parts.flatMap((part) => typeof part === 'string' ? splitDynamicReferences(part) : [part]);
}

/** `a{{resolve:ssm:/x}}b` → `['a', { '{{resolve}}': '{{resolve:ssm:/x}}' }, 'b']`: the reference stays unresolved. */
function splitDynamicReferences(text: string): unknown[] {
  return text.split(/(\{\{resolve:[^}]*\}\})/).filter((piece) => piece !== '')
    .map((piece) => piece.startsWith('{{resolve:') ? { [DYNAMIC_REFERENCE]: piece } : piece);
}


/**
 * Whether `recorded` (the `Parameters` a deployment sent) can be what the template's `Parameters` property
 * resolved to: its literal text, in order, with a value in place of each part only known at deploy time — the
 * content of a JSON string when the part is inside one (most are: names, ARNs, URLs), anything otherwise. A
 * record that does not match is stale: a later deployment could not record its parameters.
 */
export function parametersMatch(property: unknown, recorded: string, resolver: Resolver): boolean {
  const parts = parameterParts(property);
  if (!parts) return true; // not a shape this library writes: nothing to check against
  let pattern = '';
  let inString = false;
  for (const part of parts) {
    const text = typeof part === 'string' ? part : resolvePseudo(part, resolver);
    if (text === undefined) {
      // Each wildcard stops at what ends its value, so the match stays linear.
      pattern += inString ? '(?:[^"\\\\]|\\\\.)*' : '[\\s\\S]*?';
    } else {
      pattern += text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      if (typeof part === 'string') inString = stringStateAfter(text, inString);
    }
  }
  return new RegExp(`^${pattern}$`).test(recorded);
}

/** Only pseudo parameters: a resource's `Ref` is not always its physical id, so it is left unknown. */
function resolvePseudo(value: unknown, resolver: Resolver): string | undefined {
  const ref = refTarget(value);
  return ref?.startsWith('AWS::') ? resolver.ref(ref) : undefined;
}

/** Marks a value only known at deploy time inside the parameters of a script run locally. */
const MARKER = (n: number) => `@@cdk-deployment-script:unresolved:${n}@@`;
const MARKER_PATTERN = /@@cdk-deployment-script:unresolved:(\d+)@@/g;

export interface LocalParameters {
  /** The parameters, with a marker wherever a value is only known after deployment. */
  readonly value: unknown;
  /** What each marker stands for. */
  readonly unresolved: readonly string[];
}

/**
 * The parameters a script would get from the template's `Parameters` property, with what can be resolved on
 * this machine resolved, and markers for the rest (see `unresolvedPaths`).
 */
export function localParameters(property: unknown, resolver: Resolver, where: string): LocalParameters {
  const parts = parameterParts(property);
  if (!parts) throw new CliError(`the Parameters of ${where} are ${describeValue(property)}, not a JSON document: pass them with --params-file.`);
  const unresolved: string[] = [];
  let text = '';
  let inString = false;
  for (const part of parts) {
    const resolved = resolveString(part, resolver);
    if (typeof part === 'string' || resolved !== undefined) {
      const literal = typeof part === 'string' ? part : resolved!;
      text += literal;
      if (typeof part === 'string') inString = stringStateAfter(literal, inString);
      continue;
    }
    const marker = MARKER(unresolved.length);
    unresolved.push(describeValue(part));
    text += inString ? marker : JSON.stringify(marker);
  }
  try {
    return { value: JSON.parse(text), unresolved };
  } catch (error) {
    throw new CliError(`the Parameters of ${where} are not valid JSON once resolved here (${(error as Error).message}): pass them with --params-file.`);
  }
}

/** Whether the JSON text is inside a string after `text`, given it was (`inString`) before. */
function stringStateAfter(text: string, inString: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString && c === '\\') i++;
    else if (c === '"') inString = !inString;
  }
  return inString;
}

/** The paths (`a.b.0`) of the values that still hold a marker, each with what it stands for. */
export function unresolvedPaths(value: unknown, unresolved: readonly string[]): Array<{ path: string; what: string }> {
  const found: Array<{ path: string; what: string }> = [];
  const visit = (v: unknown, path: string[]): void => {
    if (typeof v === 'string') {
      const markers = [...v.matchAll(MARKER_PATTERN)].map((m) => unresolved[Number(m[1])]);
      if (markers.length) found.push({ path: path.join('.') || '(the whole event)', what: markers.join(', ') });
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => visit(item, [...path, String(i)]));
    } else if (isObject(v)) {
      for (const [key, item] of Object.entries(v)) visit(item, [...path, key.replace(/\./g, '\\.')]);
    }
  };
  visit(value, []);
  return found;
}
