import { IConstruct } from 'constructs';
import { ADAPTERS } from './adapters';
import { TargetBinding } from './core/binding';
import { ConnectingScript, connectError } from './core/connecting-script';

/**
 * Finds what connecting `script` to `target` means: its permissions, variables and network access.
 * Throws an error that leads with the fix (a `CustomTarget`) when the target is of no known kind.
 */
export function bindTarget(target: IConstruct, script: ConnectingScript): TargetBinding {
  const adapter = ADAPTERS.find((a) => a.matches(target));
  if (!adapter) {
    throw connectError(script, `to connect to ${target.node.path} (${publicTypeOf(target)}), wrap it in a CustomTarget `
      + 'with the statements, variables and port it needs: connectTo knows no such target. The README lists the targets it knows (connectTo).');
  }
  return adapter.bind(target, script);
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
