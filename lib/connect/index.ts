// What the rest of the library uses of connectTo. The public target classes are in ./public, which lib/index.ts
// re-exports; the adapters stay internal.
export { AccessLevel } from './access-level';
export { bindTarget } from './bind-target';
export { connectOptionsOf } from './connect';
export type { ConnectOptions } from './connect';
export type { RunTimeCredentials, ScriptInPlace, TargetBinding } from './core/binding';
export { connectingScript } from './core/connecting-script';
export type { ConnectingScript, CredentialPlaceholders } from './core/connecting-script';
export { upperSnakeCase } from './core/names';
