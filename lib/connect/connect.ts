import { Construct, IConstruct } from 'constructs';
import { AccessLevel } from './access-level';

/**
 * Options for connecting a script to one target: with `script.connectTo(target, options)`, or in the `connectTo`
 * prop with `Connect.to(target, options)`.
 */
export interface ConnectOptions {
  /**
   * The target's name in the script's variables: `STP_<NAME>_<VARIABLE>`. Upper snake case.
   *
   * @default - the target's construct id in upper snake case (`myDatabase` → `MY_DATABASE`)
   */
  readonly name?: string;

  /**
   * What the script may do with the target. A level the target cannot honour is an error at synth that names
   * the levels it has.
   *
   * @default AccessLevel.READ_WRITE
   */
  readonly access?: AccessLevel;
}

const CONNECT = Symbol.for('cdk-deployment-script.Connect');

/**
 * A `connectTo` target with options, for the `connectTo` prop, which lists constructs:
 * `connectTo: [bucket, Connect.readOnly(table), Connect.to(queue, { name: 'JOBS' })]`.
 *
 * A construct, so that it can be listed wherever the target can, in every jsii language: a child of the target
 * that creates no resource.
 */
export class Connect extends Construct {
  /** `target`, read only (`AccessLevel.READ`): a smoke test or a report gets no write or delete permission. */
  public static readOnly(target: IConstruct): Connect {
    return Connect.to(target, { access: AccessLevel.READ });
  }

  /** `target` with the given options: its access level, its name in the variables. */
  public static to(target: IConstruct, options: ConnectOptions): Connect {
    const entry = connectOptionsOf(target, options);
    let index = 0;
    while (entry.target.node.tryFindChild(`Connect${index}`)) { index++; }
    return new Connect(entry.target, `Connect${index}`, entry.options);
  }

  /** The construct connected to. */
  public readonly target: IConstruct;

  /** The options it is connected with. */
  public readonly options: ConnectOptions;

  private constructor(target: IConstruct, id: string, options: ConnectOptions) {
    super(target as Construct, id);
    this.target = target;
    this.options = options;
    Object.defineProperty(this, CONNECT, { value: true });
  }
}

/**
 * The construct a `connectTo` entry stands for and its options: a `Connect`'s target and options, or the entry
 * itself without options, with the options given here over them. Recognised by a `Symbol.for` key, so a `Connect`
 * of a second copy of this library counts.
 */
export function connectOptionsOf(entry: IConstruct, options: ConnectOptions = {}): { readonly target: IConstruct; readonly options: ConnectOptions } {
  const wrapped = entry !== null && typeof entry === 'object' && CONNECT in entry ? entry as unknown as Connect : undefined;
  return { target: wrapped?.target ?? entry, options: { ...wrapped?.options, ...definedOnly(options) } };
}

/** `options` without the keys given as `undefined`, which must not hide what an inner `Connect` says. */
function definedOnly(options: ConnectOptions | undefined): ConnectOptions {
  return Object.fromEntries(Object.entries(options ?? {}).filter(([, value]) => value !== undefined));
}
