import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';
import { ScriptInPlace } from './binding';
import { ConnectingScript } from './connecting-script';
import { hasMembers, tryMember } from './members';

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
 * Throws, naming the target and the fix, when the script runs in no VPC. For targets whose VPC the app does
 * not know (imported references): the script then must be given the target's VPC itself. Called when the
 * binding is applied, once the script's VPC is known.
 */
export function requireScriptInVpc(script: ConnectingScript, placed: ScriptInPlace, target: IConstruct, what: string, fix: string): void {
  if (!placed.vpc) {
    throw new Error(`${script.where}: connectTo target ${target.node.path} is ${what}, `
      + `and the app does not know which VPC it lives in, so the ${script.noun} cannot join it. Give the ${script.noun} 'vpc' (the VPC of ${target.node.path}), ${fix}`);
  }
}
