import { IConstruct } from 'constructs';
import { TargetBinding } from './binding';
import { ConnectingScript } from './connecting-script';

/** Knows one kind of connectTo target. */
export interface TargetAdapter {
  /** The kind of target, for messages: 'S3 bucket'. */
  readonly kind: string;
  /** Whether `target` is of this kind. Duck-typed, so imported references (`fromXxx`) match too. */
  matches(target: IConstruct): boolean;
  /** What connecting `script` to `target` gives it. */
  bind(target: IConstruct, script: ConnectingScript): TargetBinding;
}
