import { IConstruct } from 'constructs';
import { TargetAdapter } from '../adapter';
import { TargetBinding } from '../binding';

/**
 * The constructs of this library that exist only to be connected to (`SesAccess`, `CustomTarget` …) carry
 * their binding under this symbol. A symbol, not a member, keeps it out of the jsii API; `Symbol.for`, so
 * that two copies of the library in one app still recognise each other's targets.
 */
const BINDING = Symbol.for('cdk-deployment-script.TargetBinding');

type BindFunction = (scriptPath: string) => TargetBinding;

/** Makes `target` connectable: `bind` says what a script connected to it gets. */
export function provideBinding(target: IConstruct, bind: BindFunction): void {
  Object.defineProperty(target, BINDING, { value: bind, enumerable: false });
}

/** The constructs of this library made to be connected to. */
export const PROVIDED_ADAPTER: TargetAdapter = {
  kind: 'a target construct of this library (SesAccess, BatchJobTarget, UserPoolTarget, CustomTarget)',
  matches: (target) => BINDING in target,
  bind: (target, scriptPath) => (target as unknown as Record<symbol, BindFunction>)[BINDING](scriptPath),
};
