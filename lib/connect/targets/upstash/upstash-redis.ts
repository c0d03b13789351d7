import { Token, Tokenization } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { futurePath } from '../../core/future-path';
import { provideBinding, providedBindingAdapter } from '../../core/provided-binding';
import { warnOnPlainText } from './plain-text';

/** Properties of an `UpstashRedis`. */
export interface UpstashRedisProps {
  /** The database's endpoint host, e.g. `eu1-example-12345.upstash.io`. */
  readonly host: string;

  /**
   * The database's port (TLS).
   *
   * @default 6379
   */
  readonly port?: number;

  /**
   * The database's password. A secret: give a reference, e.g.
   * `secret.secretValueFromJson('password').unsafeUnwrap()`, which stays a CloudFormation dynamic reference.
   */
  readonly password: string;

  /** The token of the database's REST API. A secret, like `password`. */
  readonly restToken: string;

  /** The URL of the database's REST API, e.g. `https://eu1-example-12345.upstash.io`. */
  readonly restUrl: string;
}

/**
 * An Upstash Redis database as a `connectTo` target. Nothing is granted (Upstash is outside AWS): the script
 * gets the values given here as `HOST`, `PORT`, `PASSWORD`, `REST_TOKEN`, `REST_URL`, and
 * `REDIS_URL` (`rediss://:<password>@<host>:<port>`). The target's name in the script's variables is this
 * construct's id.
 */
export class UpstashRedis extends Construct {
  /** The URL a Redis client takes: `rediss://:<password>@<host>:<port>`. Holds the password. */
  public readonly redisUrl: string;

  constructor(scope: Construct, id: string, props: UpstashRedisProps) {
    const path = `UpstashRedis ${futurePath(scope, id)}`;
    const port = props.port ?? 6379;
    if (!Token.isUnresolved(port) && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      throw new Error(`${path}: 'port' is ${port}, which is no TCP port. Give the database's port, e.g. 6379.`);
    }
    super(scope, id);
    warnOnPlainText(this, { password: props.password, restToken: props.restToken });
    const portString = Tokenization.stringifyNumber(port);
    this.redisUrl = `rediss://:${props.password}@${props.host}:${portString}`;
    provideBinding(this, UPSTASH_REDIS, () => ({
      kind: 'Upstash Redis',
      variables: {
        HOST: props.host,
        PORT: portString,
        PASSWORD: props.password,
        REST_TOKEN: props.restToken,
        REST_URL: props.restUrl,
        REDIS_URL: this.redisUrl,
      },
    }));
  }
}

const UPSTASH_REDIS = Symbol.for('cdk-deployment-script.UpstashRedis');

/** `UpstashRedis` targets. */
export const UPSTASH_REDIS_ADAPTER = providedBindingAdapter('Upstash Redis (UpstashRedis)', UPSTASH_REDIS);
