import { IConstruct } from 'constructs';
import { AccessLevel } from '../access-level';
import { TargetBinding } from './binding';
import { ConnectingScript } from './connecting-script';

/** Knows one kind of connectTo target. */
export interface TargetAdapter {
  /** The kind of target, for messages: 'S3 bucket'. */
  readonly kind: string;
  /** Whether `target` is of this kind. Duck-typed, so imported references (`fromXxx`) match too. */
  matches(target: IConstruct): boolean;
  /**
   * The access levels `target` can honour. Without it, `AccessLevel.READ_WRITE` only: targets whose access is not
   * IAM's to narrow (a database's is its user's) and targets with nothing to read (an event bus).
   */
  levels?(target: IConstruct): readonly AccessLevel[];
  /** What connecting `script` to `target` at `access` (one of its levels) gives it. */
  bind(target: IConstruct, script: ConnectingScript, access: AccessLevel): TargetBinding;
}

/** Both levels: for targets with read actions of their own. */
export const READ_OR_WRITE: readonly AccessLevel[] = [AccessLevel.READ, AccessLevel.READ_WRITE];

/** What an adapter grants at `access`: `read` for `AccessLevel.READ`, `readWrite` otherwise. */
export function byAccess<T>(access: AccessLevel, read: T, readWrite: T): T {
  return access === AccessLevel.READ ? read : readWrite;
}
