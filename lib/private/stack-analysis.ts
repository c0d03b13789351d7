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
 * Analyses the stack's resolved template. Runs once the stack is final (its validation, or the resolution of a value
 * drawn from the analysis: lib/private/registry.ts), when every resource exists and every reference is known.
 *
 * A script must run after every resource, yet a resource that uses the script's result (or is ordered before
 * it) must come after the script. So a script depends on every resource that does not depend on it,
 * directly or through others. Scripts are taken one after the other, each seeing the dependencies given to
 * the scripts before it, which keeps the graph acyclic. Only the sources of that set are listed: the rest
 * follow through the sources' own dependencies, which keeps `DependsOn` short on large stacks.
 */
export function analyzeStack(stack: Stack, scripts: ScriptEntry[], excludeFromHash: IConstruct[]): StackAnalysis {
  const scriptByResource = new Map(scripts.map((s) => [s.resource, s]));
  const logicalIds = new Map<CfnElement, string>();
  const logicalIdOf = (el: CfnElement): string => {
    let id = logicalIds.get(el);
    if (id === undefined) {
      id = stack.resolve(el.logicalId) as string;
      logicalIds.set(el, id);
    }
    return id;
  };
  const excluded = new Set(excludeFromHash.flatMap((scope) => scope.node.findAll()));

  const elements = stack.node.findAll()
    .filter((c): c is CfnElement => CfnElement.isCfnElement(c) && c.stack === stack);

  // Each element is resolved once: its JSON serves the stack hash and the script hashes alike.
  const rendered = new Map<CfnElement, string>();
  const fragments: Array<[string, string]> = [];
  const edges = new Map<string, Set<string>>();
  const candidates = new Set<string>();
  const bodies = new Map<string, any>();

  for (const el of elements) {
    if (el instanceof CfnResource && scriptByResource.has(el)) { continue; }
    const fragment = stack.resolve((el as any)._toCloudFormation());
    const id = logicalIdOf(el);
    const json = JSON.stringify(withoutCheckerMetadata(fragment, id));
    rendered.set(el, json);
    const isMetadata = el instanceof CfnResource && el.cfnResourceType === 'AWS::CDK::Metadata';
    if (!isMetadata && !excluded.has(el)) {
      fragments.push([id, json]);
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

  const plans: ScriptPlanInput[] = [];
  for (const script of scripts) {
    const id = scriptIds.get(script.resource)!;
    const ordered = new Set<string>([
      ...script.runAfter().map((other) => scriptIds.get(other) ?? logicalIdOf(other)),
      ...script.resource.obtainDependencies()
        .filter((dep): dep is CfnResource => dep instanceof CfnResource && dep.stack === stack).map(logicalIdOf),
    ]);
    ordered.delete(id);
    const out = new Set<string>(ordered);
    const properties = stack.resolve(script.properties());
    collectReferences(properties, known, out);
    // The scripts' own definitions are part of the rest of the stack too (their run tokens are what is computed).
    fragments.push([id, JSON.stringify(properties)]);
    out.delete(id);
    edges.set(id, out);
    plans.push({ id, explicit: ordered });
  }

  const errors = new Map<string, string>();
  const dependsOn = new Map<string, string[]>();
  const planned = planDependsOn(edges, candidates, plans);
  scripts.forEach((script, i) => {
    const id = plans[i].id;
    const plan = planned.get(id)!;
    if (plan.cycle) {
      errors.set(id, `${script.kind} ${script.scope.node.path}: its resources depend on each other in a cycle (${plan.cycle.join(' -> ')}). `
        + 'Remove one of these dependencies: a resource ordered before the script, or used by it, cannot also use its result or be ordered after it.');
    }
    dependsOn.set(id, plan.dependsOn);
  });

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
        .map((el) => rendered.get(el) ?? JSON.stringify(withoutCheckerMetadata(stack.resolve((el as any)._toCloudFormation()), logicalIdOf(el))))
        .sort();
      return sha256(JSON.stringify(own));
    },
  };
}

/** A script as `planDependsOn` sees it: its logical id and the ids it is explicitly ordered after. */
export interface ScriptPlanInput {
  readonly id: string;
  readonly explicit: Set<string>;
}

/** What `planDependsOn` decides for one script. */
export interface ScriptPlan {
  /** The script's `DependsOn`, sorted: empty when there is a cycle. */
  readonly dependsOn: string[];
  /** A cycle through the script (its first and last element are the script), if there is one. */
  readonly cycle?: string[];
}

/**
 * Decides each script's `DependsOn`, scripts taken in the given order. A script depends on every candidate that
 * does not reach it (directly or through others); only the sources of that set are listed, without those the
 * script already reaches through its own references, and with the ids it is explicitly ordered after. The edges
 * from a script to its sources are added to `edges` before the next script is taken, which keeps the graph acyclic.
 *
 * `edges` holds every node's references (candidates, scripts and others alike); `candidates` are the resources a
 * script may depend on. Only the scripts' own edges change, so the candidates' predecessors are counted once, and
 * each script only corrects that count for the few candidates that reach it: large stacks stay linear per script in
 * what the script reaches, not in the size of the stack.
 */
export function planDependsOn(edges: Map<string, Set<string>>, candidates: Set<string>, scripts: ScriptPlanInput[]): Map<string, ScriptPlan> {
  const reverse = new Map<string, string[]>();
  const addReverse = (from: string, to: string) => {
    const list = reverse.get(to);
    if (list) { list.push(from); } else { reverse.set(to, [from]); }
  };
  for (const [from, tos] of edges) { for (const to of tos) { addReverse(from, to); } }

  // How many candidates refer to each candidate. Candidates' edges never change below.
  const predecessors = new Map<string, number>();
  for (const c of candidates) {
    for (const target of edges.get(c) ?? []) {
      if (candidates.has(target)) { predecessors.set(target, (predecessors.get(target) ?? 0) + 1); }
    }
  }
  const roots = [...candidates].filter((c) => !predecessors.has(c));

  const plans = new Map<string, ScriptPlan>();
  for (const { id, explicit } of scripts) {
    const own = edges.get(id) ?? new Set<string>();
    const reachesScript = forwardReach([id], reverse);
    if ([...own].some((next) => reachesScript.has(next))) {
      plans.set(id, { dependsOn: [], cycle: findCycle(id, edges) });
      continue;
    }
    // Candidates that reach the script are not in its set: they no longer count as predecessors.
    const lost = new Map<string, number>();
    for (const r of reachesScript) {
      if (!candidates.has(r)) { continue; }
      for (const target of edges.get(r) ?? []) {
        if (candidates.has(target)) { lost.set(target, (lost.get(target) ?? 0) + 1); }
      }
    }
    const implied = forwardReach(own, edges);
    const sources = new Set<string>();
    const consider = (c: string) => { if (!reachesScript.has(c) && !implied.has(c)) { sources.add(c); } };
    roots.forEach(consider);
    for (const [target, count] of lost) { if (predecessors.get(target) === count) { consider(target); } }
    plans.set(id, { dependsOn: [...new Set([...sources, ...explicit])].sort() });
    for (const target of sources) {
      own.add(target);
      addReverse(id, target);
    }
    edges.set(id, own);
  }
  return plans;
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

/**
 * What checkers read from a resource's `Metadata` and CloudFormation ignores: their suppressions (the library's and
 * the user's). They are left out of the hashes behind the re-run policies: suppressing a finding deploys nothing, and
 * runs no script again. Other metadata (`AWS::CloudFormation::Init`, which cfn-init reads) counts.
 */
const CHECKER_METADATA = ['cdk_nag', 'checkov', 'cfn_nag', 'guard', 'cfn-lint'];

/** A resolved element's fragment without checkers' metadata on its resource (the fragment itself when it has none). */
function withoutCheckerMetadata(fragment: any, id: string): any {
  const body = fragment?.Resources?.[id];
  const metadata = body?.Metadata;
  if (!metadata || !CHECKER_METADATA.some((key) => key in metadata)) { return fragment; }
  const kept = Object.fromEntries(Object.entries(metadata).filter(([key]) => !CHECKER_METADATA.includes(key)));
  const { Metadata: _metadata, ...rest } = body;
  return { ...fragment, Resources: { ...fragment.Resources, [id]: Object.keys(kept).length ? { ...rest, Metadata: kept } : rest } };
}
