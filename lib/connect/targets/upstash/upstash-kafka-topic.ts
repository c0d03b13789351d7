import { Construct } from 'constructs';
import { provideBinding, providedBindingAdapter } from '../../core/provided-binding';
import { warnOnPlainText } from './plain-text';

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
    provideBinding(this, UPSTASH_KAFKA_TOPIC, () => ({
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

const UPSTASH_KAFKA_TOPIC = Symbol.for('cdk-deployment-script.UpstashKafkaTopic');

/** `UpstashKafkaTopic` targets. */
export const UPSTASH_KAFKA_TOPIC_ADAPTER = providedBindingAdapter('Upstash Kafka topic (UpstashKafkaTopic)', UPSTASH_KAFKA_TOPIC);
