import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';

/**
 * Whether `target` has the given properties (present, even as getters that would throw) and methods.
 *
 * Targets are recognised by their interface members, never with `instanceof` of an L2 class: an imported
 * reference (`DatabaseInstance.fromDatabaseInstanceAttributes`) is another class, and a second copy of
 * aws-cdk-lib in `node_modules` makes `instanceof` fail even for the L2 itself.
 */
export function hasMembers(target: unknown, properties: string[], methods: string[] = []): boolean {
  if (target === null || typeof target !== 'object') { return false; }
  const t = target as Record<string, unknown>;
  return properties.every((p) => p in t) && methods.every((m) => typeof t[m] === 'function');
}

/**
 * The value of a member that may be absent or a getter that throws (the getters of imported references
 * throw when the attribute was not given).
 */
export function tryMember<T>(target: unknown, name: string): T | undefined {
  try {
    return (target as Record<string, unknown>)[name] as T | undefined;
  } catch {
    return undefined;
  }
}

/** `value` if it is a VPC. */
export function asVpc(value: unknown): ec2.IVpc | undefined {
  return hasMembers(value, ['vpcId'], ['selectSubnets']) ? value as ec2.IVpc : undefined;
}

/**
 * The VPC an L2 keeps of its own: `vpc` on database instances and clusters, and on an Aurora Serverless v1
 * cluster too (there it is not part of the TypeScript interface, yet the L2 keeps it under that name).
 * Imported references have none.
 */
export function ownVpc(target: IConstruct): ec2.IVpc | undefined {
  return asVpc(tryMember(target, 'vpc'));
}

/**
 * The script of a binding's `grant`: `DeploymentScript.connectTo` passes the script itself, which is a
 * construct that runs in `vpc` when it is in one.
 */
export function scriptOf(grantee: iam.IGrantable): { readonly construct: Construct; readonly vpc?: ec2.IVpc } {
  if (!Construct.isConstruct(grantee)) {
    throw new Error(`Internal error: a connectTo grant was given ${String(grantee)}, not the deployment script.`);
  }
  return { construct: grantee, vpc: asVpc(tryMember(grantee, 'vpc')) };
}

/**
 * Throws, naming the target and the fix, when the script runs in no VPC. For targets whose VPC the app does
 * not know (imported references): the script then must be given the target's VPC itself.
 */
export function requireScriptInVpc(grantee: iam.IGrantable, target: IConstruct, what: string, fix: string): void {
  const script = scriptOf(grantee);
  if (!script.vpc) {
    throw new Error(`DeploymentScript ${script.construct.node.path}: connectTo target ${target.node.path} is ${what}, `
      + `and the app does not know which VPC it lives in, so the script cannot join it. Give the script 'vpc' (the VPC of ${target.node.path}), ${fix}`);
  }
}
