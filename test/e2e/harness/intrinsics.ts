/**
 * CloudFormation's intrinsic functions, pseudo parameters, conditions and dynamic references, evaluated the
 * way CloudFormation evaluates them while it deploys a template.
 */
import type { Template } from './assembly';

/** `Ref: AWS::NoValue`: the property is removed. */
export const NO_VALUE = Symbol('AWS::NoValue');

export interface PseudoParameters {
  readonly region: string;
  readonly account: string;
  readonly partition: string;
  readonly urlSuffix: string;
  readonly stackName: string;
  readonly stackId: string;
}

export interface ResolveContext {
  readonly template: Template;
  readonly pseudo: PseudoParameters;
  /** A template parameter's value. */
  parameter(name: string): unknown;
  /** `Ref` of a resource: its physical id (or what its type returns for `Ref`). */
  ref(logicalId: string): unknown;
  /** `Fn::GetAtt`. */
  getAtt(logicalId: string, attribute: string): unknown;
  /** `Fn::ImportValue`. */
  importValue?(name: string): unknown;
  /**
   * Resolves one `{{resolve:…}}` dynamic reference (its text without the braces, e.g.
   * `resolve:secretsmanager:arn:…:SecretString:password::`); `undefined` leaves it in place.
   */
  dynamicReference?(reference: string): string | undefined;
}

const DYNAMIC_REFERENCE = /\{\{(resolve:(?:secretsmanager|ssm|ssm-secure):[^}]*)\}\}/g;

/** Evaluates a template value: intrinsic functions, then dynamic references in the strings. */
export function resolveValue(value: unknown, ctx: ResolveContext): unknown {
  const resolved = evaluate(value, ctx);
  return ctx.dynamicReference ? mapStrings(resolved, (s) => s.replace(DYNAMIC_REFERENCE, (whole, ref) => ctx.dynamicReference!(ref) ?? whole)) : resolved;
}

/** Replaces every string leaf of a value. */
export function mapStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn)]));
  return value;
}

/** Whether a named condition of the template holds. */
export function evaluateCondition(name: string, ctx: ResolveContext, seen: string[] = []): boolean {
  const definition = ctx.template.Conditions?.[name];
  if (definition === undefined) throw new Error(`condition ${name} is not defined in the template`);
  if (seen.includes(name)) throw new Error(`condition ${name} refers to itself: ${[...seen, name].join(' -> ')}`);
  const result = evaluate(definition, ctx, [...seen, name]);
  if (typeof result !== 'boolean') throw new Error(`condition ${name} is not a boolean: ${JSON.stringify(result)}`);
  return result;
}

function evaluate(value: unknown, ctx: ResolveContext, conditionPath: string[] = []): any {
  if (Array.isArray(value)) return value.map((v) => evaluate(v, ctx, conditionPath)).filter((v) => v !== NO_VALUE);
  if (!value || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [key, arg] = entries[0];
    const fn = FUNCTIONS[key];
    if (fn) return fn(arg, ctx, conditionPath);
    if (key.startsWith('Fn::')) throw new Error(`the harness does not implement ${key}: ${JSON.stringify(value)}`);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    const r = evaluate(v, ctx, conditionPath);
    if (r !== NO_VALUE) out[k] = r;
  }
  return out;
}

type Fn = (arg: any, ctx: ResolveContext, conditionPath: string[]) => any;

const FUNCTIONS: Record<string, Fn> = {
  'Ref': (name: string, ctx) => ref(name, ctx),
  'Fn::GetAtt': (arg, ctx, path) => {
    const [logicalId, attribute] = typeof arg === 'string' ? splitOnce(arg, '.') : [arg[0], evaluate(arg[1], ctx, path)];
    return ctx.getAtt(logicalId, attribute);
  },
  'Fn::Join': ([delimiter, list], ctx, path) => {
    const items = evaluate(list, ctx, path);
    if (!Array.isArray(items)) throw new Error(`Fn::Join of a non-list: ${JSON.stringify(items)}`);
    return items.map((item) => scalar(item, 'Fn::Join')).join(delimiter);
  },
  'Fn::Sub': (arg, ctx, path) => {
    const [text, variables] = typeof arg === 'string' ? [arg, {}] : arg;
    const vars = evaluate(variables ?? {}, ctx, path) as Record<string, unknown>;
    return String(text).replace(/\$\{([^}]*)\}/g, (_whole, name: string) => {
      if (name.startsWith('!')) return `\${${name.slice(1)}}`;
      if (name in vars) return scalar(vars[name], 'Fn::Sub');
      if (name.includes('.') && !name.startsWith('AWS::')) {
        const [logicalId, attribute] = splitOnce(name, '.');
        return scalar(ctx.getAtt(logicalId, attribute), 'Fn::Sub');
      }
      return scalar(ref(name, ctx), 'Fn::Sub');
    });
  },
  'Fn::Select': ([index, list], ctx, path) => {
    const items = evaluate(list, ctx, path);
    const i = Number(evaluate(index, ctx, path));
    if (!Array.isArray(items) || !(i >= 0 && i < items.length)) throw new Error(`Fn::Select index ${i} out of ${JSON.stringify(items)}`);
    return items[i];
  },
  'Fn::Split': ([delimiter, text], ctx, path) => String(evaluate(text, ctx, path)).split(delimiter),
  'Fn::GetAZs': (region, ctx, path) => {
    const r = evaluate(region, ctx, path) || ctx.pseudo.region;
    return ['a', 'b', 'c'].map((zone) => `${r}${zone}`);
  },
  'Fn::Base64': (text, ctx, path) => Buffer.from(String(evaluate(text, ctx, path)), 'utf8').toString('base64'),
  'Fn::FindInMap': ([map, top, second], ctx, path) => {
    const [m, t, s] = [map, top, second].map((x) => evaluate(x, ctx, path));
    const found = ctx.template.Mappings?.[m]?.[t]?.[s];
    if (found === undefined) throw new Error(`Fn::FindInMap: no ${m}.${t}.${s}`);
    return found;
  },
  'Fn::ImportValue': (name, ctx, path) => {
    const n = evaluate(name, ctx, path);
    if (!ctx.importValue) throw new Error(`Fn::ImportValue ${n}: the harness has no exports`);
    return ctx.importValue(n);
  },
  'Fn::If': ([condition, whenTrue, whenFalse], ctx, path) =>
    evaluate(evaluateCondition(condition, ctx, path) ? whenTrue : whenFalse, ctx, path),
  'Fn::Equals': ([a, b], ctx, path) => JSON.stringify(evaluate(a, ctx, path)) === JSON.stringify(evaluate(b, ctx, path)),
  'Fn::Not': ([a], ctx, path) => !evaluate(a, ctx, path),
  'Fn::And': (items: unknown[], ctx, path) => items.every((item) => evaluate(item, ctx, path)),
  'Fn::Or': (items: unknown[], ctx, path) => items.some((item) => evaluate(item, ctx, path)),
  'Condition': (name: string, ctx, path) => evaluateCondition(name, ctx, path),
  'Fn::Contains': ([list, item], ctx, path) => (evaluate(list, ctx, path) as unknown[]).includes(evaluate(item, ctx, path)),
  'Fn::ToJsonString': (arg, ctx, path) => JSON.stringify(evaluate(arg, ctx, path)),
  'Fn::Length': (arg, ctx, path) => (evaluate(arg, ctx, path) as unknown[]).length,
};

function ref(name: string, ctx: ResolveContext): unknown {
  switch (name) {
    case 'AWS::Region': return ctx.pseudo.region;
    case 'AWS::AccountId': return ctx.pseudo.account;
    case 'AWS::Partition': return ctx.pseudo.partition;
    case 'AWS::URLSuffix': return ctx.pseudo.urlSuffix;
    case 'AWS::StackName': return ctx.pseudo.stackName;
    case 'AWS::StackId': return ctx.pseudo.stackId;
    case 'AWS::NoValue': return NO_VALUE;
    case 'AWS::NotificationARNs': return [];
  }
  if (ctx.template.Parameters && name in ctx.template.Parameters) return ctx.parameter(name);
  if (name in ctx.template.Resources) return ctx.ref(name);
  throw new Error(`Ref ${name}: no such parameter or resource`);
}

function scalar(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`${where} of a non-scalar value: ${JSON.stringify(value)}`);
}

function splitOnce(text: string, separator: string): [string, string] {
  const i = text.indexOf(separator);
  return [text.slice(0, i), text.slice(i + 1)];
}

/** The logical ids a template value refers to: `Ref`, `Fn::GetAtt` and `Fn::Sub` references to resources. */
export function referencedResources(value: unknown, template: Template, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    value.forEach((v) => referencedResources(v, template, out));
  } else if (value && typeof value === 'object') {
    for (const [key, arg] of Object.entries(value)) {
      if (key === 'Ref' && typeof arg === 'string' && arg in template.Resources) out.add(arg);
      if (key === 'Fn::GetAtt') out.add(typeof arg === 'string' ? arg.split('.')[0] : (arg as string[])[0]);
      if (key === 'Fn::Sub') {
        const text = typeof arg === 'string' ? arg : (arg as unknown[])[0];
        for (const match of String(text).matchAll(/\$\{([^}!.]+)/g)) if (match[1] in template.Resources) out.add(match[1]);
      }
      referencedResources(arg, template, out);
    }
  }
  return out;
}

/** What a resource depends on: `DependsOn`, and the resources its properties refer to. */
export function resourceDependencies(template: Template, logicalId: string): Set<string> {
  const resource = template.Resources[logicalId];
  const out = referencedResources(resource.Properties ?? {}, template);
  for (const d of [resource.DependsOn ?? []].flat()) out.add(d);
  out.delete(logicalId);
  return out;
}

/**
 * The template's resources in an order CloudFormation could create them in: every resource after what it
 * depends on; among resources that could go at the same time, the template's order (CloudFormation would
 * run them in parallel).
 */
export function creationOrder(template: Template): string[] {
  const ids = Object.keys(template.Resources);
  const deps = new Map(ids.map((id) => [id, resourceDependencies(template, id)]));
  for (const [id, set] of deps) {
    for (const d of set) if (!(d in template.Resources)) throw new Error(`${id} depends on ${d}, which is not in the template`);
  }
  const order: string[] = [];
  const done = new Set<string>();
  while (order.length < ids.length) {
    const next = ids.find((id) => !done.has(id) && [...deps.get(id)!].every((d) => done.has(d)));
    if (!next) throw new Error(`the template has a dependency cycle among ${ids.filter((id) => !done.has(id)).join(', ')}`);
    order.push(next);
    done.add(next);
  }
  return order;
}
