import { Annotations, Token, Tokenization } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { attachBinder, binderAdapter } from './target-binder';

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
    const path = `UpstashRedis ${pathOf(scope, id)}`;
    const port = props.port ?? 6379;
    if (!Token.isUnresolved(port) && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      throw new Error(`${path}: 'port' is ${port}, which is no TCP port. Give the database's port, e.g. 6379.`);
    }
    super(scope, id);
    warnOnPlainText(this, { password: props.password, restToken: props.restToken });
    const portString = Tokenization.stringifyNumber(port);
    this.redisUrl = `rediss://:${props.password}@${props.host}:${portString}`;
    attachBinder(this, UPSTASH_REDIS, () => ({
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

/** Properties of an `UpstashKafkaTopic`. */
export interface UpstashKafkaTopicProps {
  /** The topic's name. */
  readonly topicName: string;

  /** The topic's id. */
  readonly topicId: string;

  /** The user name of the topic's cluster (SASL/SCRAM). */
  readonly username: string;

  /**
   * The password of the topic's cluster. A secret: give a reference, e.g.
   * `secret.secretValueFromJson('password').unsafeUnwrap()`, which stays a CloudFormation dynamic reference.
   */
  readonly password: string;

  /** The cluster's TCP endpoint, `host:port`. */
  readonly tcpEndpoint: string;

  /** The URL of the cluster's REST API. */
  readonly restUrl: string;
}

/**
 * An Upstash Kafka topic as a `connectTo` target. Nothing is granted (Upstash is outside AWS): the script
 * gets the values given here as `TOPIC_NAME`, `TOPIC_ID`, `USERNAME`, `PASSWORD`, `TCP_ENDPOINT` and
 * `REST_URL`. The target's name in the script's variables is this construct's id.
 */
export class UpstashKafkaTopic extends Construct {
  constructor(scope: Construct, id: string, props: UpstashKafkaTopicProps) {
    super(scope, id);
    warnOnPlainText(this, { password: props.password });
    attachBinder(this, UPSTASH_KAFKA_TOPIC, () => ({
      kind: 'Upstash Kafka topic',
      variables: {
        TOPIC_NAME: props.topicName,
        TOPIC_ID: props.topicId,
        USERNAME: props.username,
        PASSWORD: props.password,
        TCP_ENDPOINT: props.tcpEndpoint,
        REST_URL: props.restUrl,
      },
    }));
  }
}

const UPSTASH_REDIS = Symbol.for('cdk-deployment-script.UpstashRedis');
const UPSTASH_KAFKA_TOPIC = Symbol.for('cdk-deployment-script.UpstashKafkaTopic');

/** `UpstashRedis` targets. */
export const UPSTASH_REDIS_ADAPTER = binderAdapter('Upstash Redis (UpstashRedis)', UPSTASH_REDIS);

/** `UpstashKafkaTopic` targets. */
export const UPSTASH_KAFKA_TOPIC_ADAPTER = binderAdapter('Upstash Kafka topic (UpstashKafkaTopic)', UPSTASH_KAFKA_TOPIC);

function pathOf(scope: Construct, id: string): string {
  return scope.node.path ? `${scope.node.path}/${id}` : id;
}

/** Warns when a secret is given in clear text: it would be written to the template and to `cdk.out`. */
function warnOnPlainText(target: IConstruct, secrets: { [prop: string]: string }): void {
  for (const [prop, value] of Object.entries(secrets)) {
    if (!Token.isUnresolved(value) && !value.startsWith('{{resolve:')) {
      Annotations.of(target).addWarningV2('cdk-deployment-script:plainTextSecret',
        `'${prop}' of ${target.node.path} is given in clear text, so it is written to the template and to cdk.out. `
        + "Keep it in Secrets Manager and give a reference, e.g. secret.secretValueFromJson('password').unsafeUnwrap().");
    }
  }
}
