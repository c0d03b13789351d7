import { IConstruct } from 'constructs';
import { AccessLevel } from '../access-level';
import { TargetAdapter } from './adapter';
import { TargetBinding } from './binding';
import { ConnectingScript } from './connecting-script';

/** What a target construct of this library gives a script that connects to it at `access` (one of its levels). */
export type Binder = (script: ConnectingScript, access: AccessLevel) => TargetBinding;

/** A binder as a target construct carries it: with the access levels it honours (`READ_WRITE` only without). */
type ProvidedBinder = Binder & { readonly levels?: readonly AccessLevel[] };

/**
 * Makes a target construct of this library connectable: `binder` says what a script connected to it at one of
 * `levels` gets. It is kept under a `Symbol.for` key: out of the construct's public (jsii) API, and recognised by a
 * second copy of this library in `node_modules`.
 */
export function provideBinding(target: IConstruct, key: symbol, binder: Binder,
  levels: readonly AccessLevel[] = [AccessLevel.READ_WRITE]): void {
  const provided: ProvidedBinder = Object.assign((script: ConnectingScript, access: AccessLevel) => binder(script, access), { levels });
  Object.defineProperty(target, key, { value: provided, enumerable: false });
}

/** The adapter of the target constructs that carry a binder under `key`. */
export function providedBindingAdapter(kind: string, key: symbol): TargetAdapter {
  const binderOf = (target: IConstruct): ProvidedBinder | undefined => {
    const binder = (target as unknown as Record<symbol, unknown>)[key];
    return typeof binder === 'function' ? binder as ProvidedBinder : undefined;
  };
  return {
    kind,
    matches: (target) => binderOf(target) !== undefined,
    levels: (target) => binderOf(target)!.levels ?? [AccessLevel.READ_WRITE],
    bind: (target, script, access) => binderOf(target)!(script, access),
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
