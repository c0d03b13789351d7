import { IConstruct } from 'constructs';
import { TargetAdapter } from './adapter';
import { ADAPTERS as AWS_API_ADAPTERS } from './aws-api';
import { TargetBinding } from './binding';
import { ADAPTERS as NETWORK_ADAPTERS } from './network';

export type { TargetBinding } from './binding';

const ADAPTERS: TargetAdapter[] = [...NETWORK_ADAPTERS, ...AWS_API_ADAPTERS];

/**
 * Finds what connecting a script to `target` means: its permissions, variables and network access.
 * Throws an error that leads with the fix (a `CustomTarget`) when the target is of no known kind.
 */
export function bindTarget(target: IConstruct, scriptPath: string, scriptKind: string = 'DeploymentScript'): TargetBinding {
  const adapter = ADAPTERS.find((a) => a.matches(target));
  if (!adapter) {
    throw new Error(`${scriptKind} ${scriptPath}: to connect to ${target.node.path} (${publicTypeOf(target)}), wrap it in a CustomTarget `
      + 'with the statements, variables and port it needs: connectTo knows no such target. The README lists the targets it knows (connectTo).');
  }
  return adapter.bind(target, scriptPath);
}

const RTTI = Symbol.for('jsii.rtti');

/**
 * How messages name a construct's type: aws-cdk-lib's public name (`aws_ssm.StringParameter`, where the class itself
 * may be called `StringParameter2`), read from the type information jsii attaches to its classes; a class of the
 * app's own by its own name.
 */
function publicTypeOf(target: IConstruct): string {
  const ctor = (target as any).constructor;
  if (typeof ctor !== 'function') { return typeof target; }
  // aws-cdk-lib's decorators wrap a class in a subclass of the same name: the type information is on the wrapped one.
  let typed = ctor;
  while (typed && !Object.prototype.hasOwnProperty.call(typed, RTTI)) { typed = Object.getPrototypeOf(typed); }
  const fqn: unknown = typed?.name === ctor.name ? typed[RTTI]?.fqn : undefined;
  return typeof fqn === 'string' ? fqn.replace(/^aws-cdk-lib\./, '') : ctor.name;
}

/**
 * The default name of a target in its variables: its construct id in upper snake case.
 *
 * Words split at a lower-to-upper change and at the end of an acronym; digits stay with the word before
 * them; any other character becomes `_`.
 */
export function upperSnakeCase(id: string): string {
  return id
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
}
