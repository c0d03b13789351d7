import { createHash } from 'crypto';
import { CfnElement, CfnResource, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** What the analysis needs to know of one deployment script (a Lambda script or a container task) of the stack. */
export interface ScriptEntry {
  /** The class, for messages: `DeploymentScript`, `DeploymentTask`. */
  readonly kind: string;
  /** The script's custom resource. */
  readonly resource: CfnResource;
  /** The script's construct: everything under it is the script's own (function, role, policy, log group). */
  readonly scope: IConstruct;
  /** The custom resources of the scripts this one runs after. */
  readonly runAfter: () => CfnResource[];
  /** The custom resource's properties with its service token, without the run token (derived from this analysis). */
  readonly properties: () => { [key: string]: any };
}

/**
 * What a stack's deployment scripts learn from the stack's finished template: which resources each must
 * depend on to run after everything else, and the hashes behind the re-run policies.
 */
export interface StackAnalysis {
  /**
   * Hash of the stack's template without CDK metadata, the resources under `excludeFromHash` and the scripts'
   * run tokens (the scripts' other properties count).
   */
  readonly stackHash: string;
  /** Logical ids a script's custom resource must list in `DependsOn`, minimal and sorted. */
  dependsOn(script: CfnResource): string[];
  /** Hash of the script's own resources (code and configuration), without its custom resource. */
  scriptHash(script: CfnResource): string;
  /** Dependency cycles involving scripts, as messages. */
  readonly errors: string[];
  /** The message about a dependency cycle involving this script, if there is one. */
  errorOf(script: CfnResource): string | undefined;
}

/**
 * Analyses the stack's resolved template. Runs while the template is being resolved (from Lazy values) or
 * validated, when every resource exists and every reference is known.
 *
 * A script must run after every resource, yet a resource that uses the script's result (or is ordered before
 * it) must come after the script. So a script depends on every resource that does not depend on it,
 * directly or through others. Scripts are taken one after the other, each seeing the dependencies given to
 * the scripts before it, which keeps the graph acyclic. Only the sources of that set are listed: the rest
 * follow through the sources' own dependencies, which keeps `DependsOn` short on large stacks.
 */
export function analyzeStack(stack: Stack, scripts: ScriptEntry[], excludeFromHash: IConstruct[]): StackAnalysis {
  const scriptByResource = new Map(scripts.map((s) => [s.resource, s]));
  const logicalIdOf = (el: CfnElement): string => stack.resolve(el.logicalId);
  const excluded = new Set(excludeFromHash.flatMap((scope) => scope.node.findAll()));

  const elements = stack.node.findAll()
    .filter((c): c is CfnElement => CfnElement.isCfnElement(c) && c.stack === stack);

  const fragments: Array<[string, string]> = [];
  const edges = new Map<string, Set<string>>();
  const candidates = new Set<string>();
  const bodies = new Map<string, any>();

  for (const el of elements) {
    if (el instanceof CfnResource && scriptByResource.has(el)) { continue; }
    const fragment = stack.resolve((el as any)._toCloudFormation());
    const id = logicalIdOf(el);
    const isMetadata = el instanceof CfnResource && el.cfnResourceType === 'AWS::CDK::Metadata';
    if (!isMetadata && !excluded.has(el)) {
      fragments.push([id, JSON.stringify(fragment)]);
    }
    if (el instanceof CfnResource) {
      const body = fragment?.Resources?.[id] ?? {};
      bodies.set(id, body);
      // A resource with a condition may not exist: CloudFormation rejects a DependsOn on it.
      if (!isMetadata && !el.cfnOptions.condition) { candidates.add(id); }
    }
  }
  const scriptIds = new Map<CfnResource, string>();
  for (const script of scripts) { scriptIds.set(script.resource, logicalIdOf(script.resource)); }
  const known = new Set([...bodies.keys(), ...scriptIds.values()]);
  for (const [id, body] of bodies) { edges.set(id, new Set()); collectReferences(body, known, edges.get(id)!); }

  const explicit = new Map<string, Set<string>>();
  for (const script of scripts) {
    const id = scriptIds.get(script.resource)!;
    const ordered = new Set<string>([
      ...script.runAfter().map((other) => scriptIds.get(other) ?? logicalIdOf(other)),
      ...script.resource.obtainDependencies()
        .filter((dep): dep is CfnResource => dep instanceof CfnResource && dep.stack === stack).map(logicalIdOf),
    ]);
    ordered.delete(id);
    explicit.set(id, ordered);
    const out = new Set<string>(ordered);
    const properties = stack.resolve(script.properties());
    collectReferences(properties, known, out);
    // The scripts' own definitions are part of the rest of the stack too (their run tokens are what is computed).
    fragments.push([id, JSON.stringify(properties)]);
    out.delete(id);
    edges.set(id, out);
  }

  const errors = new Map<string, string>();
  const dependsOn = new Map<string, string[]>();
  for (const script of scripts) {
    const id = scriptIds.get(script.resource)!;
    const cycle = findCycle(id, edges);
    if (cycle) {
      errors.set(id, `${script.kind} ${script.scope.node.path}: its resources depend on each other in a cycle (${cycle.join(' -> ')}). `
        + 'Remove one of these dependencies: a resource ordered before the script, or used by it, cannot also use its result or be ordered after it.');
      dependsOn.set(id, []);
      continue;
    }
    const reachesScript = reverseReach(id, edges);
    const after = [...candidates].filter((c) => !reachesScript.has(c));
    const afterSet = new Set(after);
    const hasPredecessorInSet = new Set<string>();
    for (const c of after) {
      for (const target of edges.get(c) ?? []) { if (afterSet.has(target)) { hasPredecessorInSet.add(target); } }
    }
    const implied = forwardReach(edges.get(id) ?? new Set(), edges);
    const sources = after.filter((c) => !hasPredecessorInSet.has(c) && !implied.has(c));
    const list = [...new Set([...sources, ...explicit.get(id)!])].sort();
    dependsOn.set(id, list);
    for (const target of sources) { edges.get(id)!.add(target); }
  }

  fragments.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const stackHash = sha256(JSON.stringify(fragments));

  return {
    stackHash,
    errors: [...errors.values()],
    errorOf: (resource) => errors.get(scriptIds.get(resource) ?? logicalIdOf(resource)),
    dependsOn: (resource) => dependsOn.get(scriptIds.get(resource) ?? logicalIdOf(resource)) ?? [],
    scriptHash: (resource) => {
      const script = scriptByResource.get(resource);
      if (!script) { throw new Error(`${resource.node.path} is not a deployment script of ${stack.node.path}`); }
      const own = script.scope.node.findAll()
        .filter((c): c is CfnElement => CfnElement.isCfnElement(c) && c !== resource && c.stack === stack)
        .map((el) => JSON.stringify(stack.resolve((el as any)._toCloudFormation())))
        .sort();
      return sha256(JSON.stringify(own));
    },
  };
}

/**
 * Adds to `out` the logical ids of the resources that `value` (a resolved resource body) refers to with
 * `Ref`, `Fn::GetAtt`, `Fn::Sub` or `DependsOn`.
 */
export function collectReferences(value: any, resources: Set<string>, out: Set<string>): void {
  const add = (id: unknown) => { if (typeof id === 'string' && resources.has(id)) { out.add(id); } };
  const visit = (v: any): void => {
    if (Array.isArray(v)) { v.forEach(visit); return; }
    if (!v || typeof v !== 'object') { return; }
    for (const [key, item] of Object.entries(v)) {
      if (key === 'Ref') {
        add(item);
      } else if (key === 'Fn::GetAtt') {
        add(Array.isArray(item) ? item[0] : typeof item === 'string' ? item.split('.')[0] : undefined);
      } else if (key === 'Fn::Sub') {
        const template = Array.isArray(item) ? item[0] : item;
        if (typeof template === 'string') {
          for (const m of template.matchAll(/\$\{([^}!.]+)(?:\.[^}]*)?\}/g)) { add(m[1]); }
        }
      } else if (key === 'DependsOn') {
        (Array.isArray(item) ? item : [item]).forEach(add);
      }
      visit(item);
    }
  };
  visit(value);
}

function forwardReach(start: Iterable<string>, edges: Map<string, Iterable<string>>): Set<string> {
  const seen = new Set<string>();
  const stack = [...start];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) { continue; }
    seen.add(id);
    for (const next of edges.get(id) ?? []) { stack.push(next); }
  }
  return seen;
}

function reverseReach(target: string, edges: Map<string, Set<string>>): Set<string> {
  const reverse = new Map<string, string[]>();
  for (const [from, tos] of edges) {
    for (const to of tos) { (reverse.get(to) ?? reverse.set(to, []).get(to)!).push(from); }
  }
  return forwardReach([target], reverse);
}

/** A path from `start` back to itself, if there is one. */
function findCycle(start: string, edges: Map<string, Set<string>>): string[] | undefined {
  const parent = new Map<string, string>();
  const queue: string[] = [];
  const visit = (next: string, from: string) => {
    if (!parent.has(next)) { parent.set(next, from); queue.push(next); }
  };
  for (const next of edges.get(start) ?? []) { visit(next, start); }
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (id === start) {
      const path = [start];
      for (let cur = parent.get(start)!; cur !== start; cur = parent.get(cur)!) { path.push(cur); }
      path.push(start);
      return path.reverse();
    }
    for (const next of edges.get(id) ?? []) { visit(next, id); }
  }
  return undefined;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
