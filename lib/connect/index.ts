import { IConstruct } from 'constructs';
import { TargetAdapter } from './adapter';
import { ADAPTERS as AWS_API_ADAPTERS } from './aws-api';
import { TargetBinding } from './binding';
import { ADAPTERS as NETWORK_ADAPTERS } from './network';

export type { TargetBinding } from './binding';

const ADAPTERS: TargetAdapter[] = [...NETWORK_ADAPTERS, ...AWS_API_ADAPTERS];

/**
 * Finds what connecting a script to `target` means: its permissions, variables and network access.
 * Throws an error naming the target and listing what is supported when the target is of no known kind.
 */
export function bindTarget(target: IConstruct, scriptPath: string): TargetBinding {
  const adapter = ADAPTERS.find((a) => a.matches(target));
  if (!adapter) {
    const kinds = ADAPTERS.map((a) => a.kind).join(', ');
    throw new Error(`DeploymentScript ${scriptPath}: connectTo cannot connect to ${target.node.path} (${target.constructor?.name ?? typeof target}): `
      + `it is of no kind this library knows (${kinds}). Wrap it in a CustomTarget with the statements, variables and port it needs.`);
  }
  return adapter.bind(target, scriptPath);
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
