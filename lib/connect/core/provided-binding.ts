import { IConstruct } from 'constructs';
import { TargetAdapter } from './adapter';
import { TargetBinding } from './binding';
import { ConnectingScript } from './connecting-script';

/** What a target construct of this library gives a script that connects to it. */
export type Binder = (script: ConnectingScript) => TargetBinding;

/**
 * Makes a target construct of this library connectable: `binder` says what a script connected to it gets. It is
 * kept under a `Symbol.for` key: out of the construct's public (jsii) API, and recognised by a second copy of this
 * library in `node_modules`.
 */
export function provideBinding(target: IConstruct, key: symbol, binder: Binder): void {
  Object.defineProperty(target, key, { value: binder, enumerable: false });
}

/** The adapter of the target constructs that carry a binder under `key`. */
export function providedBindingAdapter(kind: string, key: symbol): TargetAdapter {
  const binderOf = (target: IConstruct): Binder | undefined => {
    const binder = (target as unknown as Record<symbol, unknown>)[key];
    return typeof binder === 'function' ? binder as Binder : undefined;
  };
  return {
    kind,
    matches: (target) => binderOf(target) !== undefined,
    bind: (target, script) => binderOf(target)!(script),
  };
}

/**
 * The key shared by the constructs that exist only to be connected to and reach their targets over the AWS APIs
 * (`SesAccess`, `BatchJobTarget`, `UserPoolTarget`, `CustomTarget`): one adapter knows them all. The other target
 * constructs have a key of their own.
 */
export const LIBRARY_TARGET = Symbol.for('cdk-deployment-script.TargetBinding');

/** The constructs that carry their binder under `LIBRARY_TARGET`. */
export const LIBRARY_TARGET_ADAPTER = providedBindingAdapter(
  'a target construct of this library (SesAccess, BatchJobTarget, UserPoolTarget, CustomTarget)', LIBRARY_TARGET);
