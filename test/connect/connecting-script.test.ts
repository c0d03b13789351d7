// Every error an adapter raises names the script that connects by its real class: a DeploymentTask's errors start
// with `DeploymentTask <path>`, never with `DeploymentScript`.
import { Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { IConstruct } from 'constructs';
import { DatabaseTarget, DeploymentTask, MongoDbAtlasCluster, ScriptTrigger } from '../../lib';
import { bindTarget, connectingScript } from '../../lib/connect';
import { newStack } from '../support/template';

const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/php:8.3-cli');
const postgres = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 });

function importedInstance(stack: Stack, id: string, attrs: Partial<rds.DatabaseInstanceAttributes> = {}): rds.IDatabaseInstance {
  return rds.DatabaseInstance.fromDatabaseInstanceAttributes(stack, id, {
    instanceIdentifier: 'legacy',
    instanceEndpointAddress: 'legacy.abc.eu-west-1.rds.amazonaws.com',
    port: 5432,
    securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, `${id}Sg`, 'sg-0123456789abcdef0')],
    ...attrs,
  });
}

/** Targets whose adapter refuses them when they are connected, each with what its message says after the script. */
const REFUSED: Array<[string, (stack: Stack, vpc: ec2.IVpc) => IConstruct, RegExp]> = [
  ['a construct connectTo does not know', (stack) => new ssm.StringParameter(stack, 'Flags', { stringValue: '{}' }),
    /^DeploymentTask Stack\/Migrate: to connect to Stack\/Flags \(aws_ssm\.StringParameter\), wrap it in a CustomTarget/],
  ['an RDS L1', (stack) => new rds.CfnDBInstance(stack, 'CfnDb', { dbInstanceClass: 'db.t3.micro', engine: 'postgres' }),
    /^DeploymentTask Stack\/Migrate: connectTo target Stack\/CfnDb is an L1 AWS::RDS::DBInstance/],
  ['an ElastiCache L1', (stack) => new elasticache.CfnReplicationGroup(stack, 'Cache', { replicationGroupDescription: 'cache', engine: 'redis' }),
    /^DeploymentTask Stack\/Migrate: connectTo target Stack\/Cache is an AWS::ElastiCache::ReplicationGroup/],
  ['an imported database of unknown engine', (stack) => importedInstance(stack, 'legacyDb'),
    /^DeploymentTask Stack\/Migrate: connectTo target Stack\/legacyDb is an RDS database instance of unknown engine/],
  ['an imported database without a secret', (stack) => importedInstance(stack, 'legacyDb', { engine: postgres }),
    /^DeploymentTask Stack\/Migrate: connectTo target Stack\/legacyDb is an RDS database instance without a secret/],
  ['an imported cluster without its endpoint', (stack) => rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Orders', {
    clusterIdentifier: 'orders', engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_4 }),
  }), /^DeploymentTask Stack\/Migrate: connectTo target Stack\/Orders is an Aurora cluster imported without its endpoint/],
  ['IAM authentication where the engine has none', (stack) => DatabaseTarget.fromInstance(stack, 'Mssql', {
    instance: importedInstance(stack, 'legacyMssql'),
    engine: rds.DatabaseInstanceEngine.sqlServerEx({ version: rds.SqlServerEngineVersion.VER_16 }),
    iamAuthenticationUser: 'app',
  }), /^DeploymentTask Stack\/Migrate: connectTo target Stack\/Mssql: 'iamAuthenticationUser' is given for a sqlserver database/],
  ['an ECS service without a Cloud Map name', (stack, vpc) => {
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
    const taskDefinition = new ecs.FargateTaskDefinition(stack, 'ApiTask');
    taskDefinition.addContainer('app', { image: IMAGE, portMappings: [{ containerPort: 8080 }] });
    return new ecs.FargateService(stack, 'Api', { cluster, taskDefinition });
  }, /^DeploymentTask Stack\/Migrate: connectTo target Stack\/Api: the service has no Cloud Map name/],
  ['an imported user pool client', (stack) => cognito.UserPoolClient.fromUserPoolClientId(stack, 'webClient', 'abc123'),
    /^DeploymentTask Stack\/Migrate: connectTo cannot find the user pool of client Stack\/webClient/],
];

describe('a DeploymentTask connected to a target its adapter refuses', () => {
  function withVpc(): { stack: Stack; vpc: ec2.Vpc } {
    const { stack } = newStack();
    return { stack, vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }) };
  }

  test.each(REFUSED)('in the connectTo prop: %s', (_, target, message) => {
    const { stack, vpc } = withVpc();
    const connectTo = [target(stack, vpc)];
    expect(() => new DeploymentTask(stack, 'Migrate', { trigger: ScriptTrigger.AFTER_DEPLOY, image: IMAGE, vpc, connectTo })).toThrow(message);
  });

  test.each(REFUSED)('with connectTo(): %s', (_, target, message) => {
    const { stack, vpc } = withVpc();
    const task = new DeploymentTask(stack, 'Migrate', { trigger: ScriptTrigger.AFTER_DEPLOY, image: IMAGE, vpc });
    const refused = target(stack, vpc);
    expect(() => task.connectTo(refused)).toThrow(message);
  });
});

describe('the checks made when a binding is applied name the script by its kind', () => {
  const task = connectingScript('DeploymentTask', 'Stack/Migrate');

  test('an imported database whose VPC is unknown, for a script in no VPC', () => {
    const { stack } = newStack();
    const target = DatabaseTarget.fromInstance(stack, 'legacy', {
      instance: importedInstance(stack, 'legacyDb', { engine: postgres }),
      secret: secretsmanager.Secret.fromSecretNameV2(stack, 'Secret', 'legacy'),
    });
    const binding = bindTarget(target, task);
    const grantee = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    expect(() => binding.grant!(grantee, { scope: stack, vpc: undefined })).toThrow(
      /^DeploymentTask Stack\/Migrate: connectTo target Stack\/legacy is an RDS database instance, and the app does not know which VPC it lives in, so the task cannot join it\. Give the task 'vpc'/);
  });

  test('a MongoDB Atlas cluster, for a script whose principal is no role', () => {
    const { stack } = newStack();
    const cluster = new MongoDbAtlasCluster(stack, 'Atlas', {
      projectId: '0123456789abcdef01234567', clusterName: 'main', srvConnectionString: 'mongodb+srv://main.abcde.mongodb.net',
    });
    const binding = bindTarget(cluster, task);
    const grantee: iam.IGrantable = { grantPrincipal: new iam.AnyPrincipal() };
    expect(() => binding.grant!(grantee, { scope: stack })).toThrow(
      /^DeploymentTask Stack\/Migrate: connectTo target Stack\/Atlas \(MongoDB Atlas cluster\) needs the task's role/);
  });
});
