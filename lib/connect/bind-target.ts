import { IConstruct } from 'constructs';
import { AccessLevel } from './access-level';
import { ADAPTERS } from './adapters';
import { TargetAdapter } from './core/adapter';
import { TargetBinding } from './core/binding';
import { ConnectingScript, connectError } from './core/connecting-script';

/**
 * Finds what connecting `script` to `target` at `access` means: its permissions, variables and network access.
 * Throws an error that leads with the fix (a `CustomTarget`) when the target is of no known kind, and one that names
 * the target's levels when it cannot honour `access`.
 */
export function bindTarget(target: IConstruct, script: ConnectingScript, access: AccessLevel = AccessLevel.READ_WRITE): TargetBinding {
  const adapter = ADAPTERS.find((a) => a.matches(target));
  if (!adapter) {
    throw connectError(script, `to connect to ${target.node.path} (${publicTypeOf(target)}), wrap it in a CustomTarget `
      + 'with the statements, variables and port it needs: connectTo knows no such target. The README lists the targets it knows (connectTo).');
  }
  const levels = adapter.levels?.(target) ?? [AccessLevel.READ_WRITE];
  if (!levels.includes(access)) { throw accessError(target, script, adapter, access, levels); }
  return adapter.bind(target, script, access);
}

/**
 * The error for a level `target` cannot honour: the prop, the value, and the levels it has with what the only one
 * grants (every target honours `READ_WRITE`, the default, so leaving `access` out always works).
 */
function accessError(target: IConstruct, script: ConnectingScript, adapter: TargetAdapter, access: AccessLevel,
  levels: readonly AccessLevel[]): Error {
  const name = (level: AccessLevel) => `AccessLevel.${level}`;
  const value = Object.values(AccessLevel).includes(access) ? name(access) : JSON.stringify(access);
  // Binding is pure: at the default level it names the target's kind and what that level grants.
  const binding = adapter.bind(target, script, AccessLevel.READ_WRITE);
  const what = `connectTo target ${target.node.path} (${binding.kind})`;
  if (!Object.values(AccessLevel).includes(access)) {
    return connectError(script, `'access' of ${what} is ${value}. Give ${levels.map(name).join(' or ')}, or leave 'access' out.`);
  }
  const actions = [...new Set((binding.statements ?? []).flatMap((statement) => statement.actions))];
  const grants = actions.length > 0
    ? actions.join(', ')
    : "network access and the target's own credentials, whose rights are not IAM's to narrow";
  return connectError(script, `'access' of ${what} is ${value}, which it cannot honour: its only level is `
    + `${levels.map(name).join(', ')} (${grants}). Leave 'access' out`
    + (actions.length > 0 ? '.' : ', and give the script credentials that may only read (a read-only database user).'));
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
