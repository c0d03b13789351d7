import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RESOURCE_TYPE } from '../../lambda-runtime/shared/consts';

export const FIXTURES = path.join(__dirname, '..', 'fixtures');
export const ECHO_SCRIPT = path.join(FIXTURES, 'scripts', 'echo.ts');
export const PYTHON_SCRIPT_DIR = path.join(FIXTURES, 'python');

export function newStack(id = 'Stack'): { app: App; stack: Stack } {
  const app = new App();
  const stack = new Stack(app, id, { env: { account: '111111111111', region: 'eu-west-1' } });
  return { app, stack };
}

/** The logical ids of the deployment scripts' custom resources. */
export function scriptIds(template: Template): string[] {
  return Object.keys(template.findResources(RESOURCE_TYPE));
}

/** Logical ids a resource refers to through Ref, Fn::GetAtt, Fn::Sub and DependsOn. */
export function directDependencies(template: Template, id: string): Set<string> {
  const resources = template.toJSON().Resources as Record<string, any>;
  const out = new Set<string>();
  const visit = (v: any): void => {
    if (Array.isArray(v)) { v.forEach(visit); return; }
    if (!v || typeof v !== 'object') { return; }
    for (const [key, item] of Object.entries(v)) {
      if (key === 'Ref' && typeof item === 'string' && item in resources) { out.add(item); }
      if (key === 'Fn::GetAtt') { out.add((item as any[])[0]); }
      if (key === 'Fn::Sub') {
        const text = Array.isArray(item) ? item[0] : item;
        for (const m of String(text).matchAll(/\$\{([^}!.]+)/g)) { if (m[1] in resources) { out.add(m[1]); } }
      }
      visit(item);
    }
  };
  const resource = resources[id];
  visit(resource.Properties ?? {});
  for (const d of [resource.DependsOn ?? []].flat()) { out.add(d); }
  return out;
}

/** Every resource that `id` depends on, directly or through others. */
export function transitiveDependencies(template: Template, id: string): Set<string> {
  const seen = new Set<string>();
  const todo = [...directDependencies(template, id)];
  while (todo.length > 0) {
    const next = todo.pop()!;
    if (seen.has(next)) { continue; }
    seen.add(next);
    todo.push(...directDependencies(template, next));
  }
  return seen;
}

/** Throws if the template's resources depend on each other in a cycle. */
export function assertAcyclic(template: Template): void {
  for (const id of Object.keys(template.toJSON().Resources)) {
    if (transitiveDependencies(template, id).has(id)) { throw new Error(`${id} depends on itself`); }
  }
}
