import { IConstruct } from 'constructs';
import { TargetAdapter } from '../adapter';
import { TargetBinding } from '../binding';

/** What a target construct of this library gives a script that connects to it. */
export type Binder = (scriptPath: string) => TargetBinding;

/**
 * Gives a target construct of this library its binder, under a `Symbol.for` key: the binder stays out of the
 * construct's public (jsii) API, and a second copy of this library in `node_modules` still recognises it.
 */
export function attachBinder(target: IConstruct, key: symbol, binder: Binder): void {
  Object.defineProperty(target, key, { value: binder, enumerable: false });
}

/** The adapter of the target constructs that carry a binder under `key`. */
export function binderAdapter(kind: string, key: symbol): TargetAdapter {
  const binderOf = (target: IConstruct): Binder | undefined => {
    const binder = (target as unknown as Record<symbol, unknown>)[key];
    return typeof binder === 'function' ? binder as Binder : undefined;
  };
  return {
    kind,
    matches: (target) => binderOf(target) !== undefined,
    bind: (target, scriptPath) => binderOf(target)!(scriptPath),
  };
}
