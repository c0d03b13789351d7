import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { IConstruct } from 'constructs';
import { DeploymentScript, ScriptTrigger, UpstashKafkaTopic, UpstashRedis } from '../../../lib';
import { ECHO_SCRIPT, newStack } from '../../support/template';
import { onlyId, scriptFunction, secretRef, targetVariables, warnings } from './helpers';

function script(stack: Stack, targets: IConstruct[]): DeploymentScript {
  return new DeploymentScript(stack, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, connectTo: targets });
}

/** A secret and the rendered references to its keys. */
function upstashSecret(stack: Stack) {
  const secret = new secretsmanager.Secret(stack, 'UpstashSecret');
  const arn = () => `\${${onlyId(Template.fromStack(stack), 'AWS::SecretsManager::Secret')}}`;
  return { secret, ref: (key: string) => secretRef(arn(), key) };
}

describe('connectTo Upstash', () => {
  test('Redis: the values given, and REDIS_URL built from them; no permissions, no VPC', () => {
    // GIVEN
    const { stack } = newStack();
    const { secret, ref } = upstashSecret(stack);
    const redis = new UpstashRedis(stack, 'rateLimits', {
      host: 'eu1-example-12345.upstash.io',
      password: secret.secretValueFromJson('password').unsafeUnwrap(),
      restToken: secret.secretValueFromJson('restToken').unsafeUnwrap(),
      restUrl: 'https://eu1-example-12345.upstash.io',
    });

    // WHEN
    script(stack, [redis]);

    // THEN
    const template = Template.fromStack(stack);
    expect(targetVariables(template, 'STP_RATE_LIMITS_')).toStrictEqual({
      HOST: 'eu1-example-12345.upstash.io',
      PORT: '6379',
      PASSWORD: ref('password'),
      REST_TOKEN: ref('restToken'),
      REST_URL: 'https://eu1-example-12345.upstash.io',
      REDIS_URL: `rediss://:${ref('password')}@eu1-example-12345.upstash.io:6379`,
    });
    expect(scriptFunction(template).properties.VpcConfig).toBeUndefined();
    // But for the script's own log policy.
    expect(Object.keys(template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: scriptFunction(template).properties.Role['Fn::GetAtt'][0] }] },
    })).filter((id) => !/^ScriptLogPolicy/.test(id))).toStrictEqual([]);
    expect(warnings(stack, 'cdk-deployment-script:plainTextSecret')).toStrictEqual([]);
  });

  test('Kafka topic: the values given', () => {
    // GIVEN
    const { stack } = newStack();
    const { secret, ref } = upstashSecret(stack);
    const topic = new UpstashKafkaTopic(stack, 'orderEvents', {
      topicName: 'orders',
      topicId: 'topic-123',
      username: 'c2VjcmV0',
      password: secret.secretValueFromJson('kafkaPassword').unsafeUnwrap(),
      tcpEndpoint: 'example-kafka.upstash.io:9092',
      restUrl: 'https://example-kafka.upstash.io',
    });

    // WHEN
    script(stack, [topic]);

    // THEN
    expect(targetVariables(Template.fromStack(stack), 'STP_ORDER_EVENTS_')).toStrictEqual({
      TOPIC_NAME: 'orders',
      TOPIC_ID: 'topic-123',
      USERNAME: 'c2VjcmV0',
      PASSWORD: ref('kafkaPassword'),
      TCP_ENDPOINT: 'example-kafka.upstash.io:9092',
      REST_URL: 'https://example-kafka.upstash.io',
    });
  });

  test('a password in clear text is warned about; a port that is no port is refused', () => {
    const { stack } = newStack();
    new UpstashRedis(stack, 'Plain', { host: 'h', password: 'hunter2', restToken: '{{resolve:ssm-secure:/upstash/token}}', restUrl: 'https://h' });
    const messages = warnings(stack, 'cdk-deployment-script:plainTextSecret');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/'password' of Stack\/Plain is given in clear text, so it is written to the template and to cdk\.out/);
    expect(() => new UpstashRedis(stack, 'BadPort', { host: 'h', port: 70000, password: 'p', restToken: 't', restUrl: 'u' }))
      .toThrow(/UpstashRedis Stack\/BadPort: 'port' is 70000, which is no TCP port/);
  });
});
