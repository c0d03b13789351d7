/**
 * Migrate and seed a PostgreSQL database as part of the deployment: the migrations run after every resource
 * of the stack is deployed, then the seed, then a smoke test; a failing migration fails the deployment and the stack
 * rolls back without running anything again. When a later script fails (the smoke test), the rollback calls the
 * migration back to undo what it applied (undoOnRollback). Before the stack is deleted, a cleanup script removes the
 * seeded data.
 */
import * as path from 'node:path';
import { App, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
// In your app: import { DeploymentScript, ScriptTrigger } from 'cdk-deployment-script';
import { DeploymentScript, ScriptTrigger } from '../../lib';

export class DatabaseStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // The database lives in isolated subnets: the scripts join them (connectTo), and need no NAT gateway.
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    // The scripts read the database's secret when they run: isolated subnets reach Secrets Manager through an endpoint.
    vpc.addInterfaceEndpoint('SecretsManager', { service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER });
    const database = new rds.DatabaseInstance(this, 'Database', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
      allocatedStorage: 20,
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      databaseName: 'app',
      removalPolicy: RemovalPolicy.SNAPSHOT,
    });

    // connectTo gives each script network access to the database and STP_DATABASE_* variables, among them
    // STP_DATABASE_CONNECTION_STRING, filled from the database's secret each time the script runs.
    const migrate = new DeploymentScript(this, 'Migrate', {
      trigger: ScriptTrigger.AFTER_DEPLOY,
      entry: path.join(__dirname, 'scripts', 'migrate.ts'),
      connectTo: [database],
      timeout: Duration.minutes(5),
      // Should the deployment roll back after the migrations ran, the old code must not face the new schema: the
      // rollback calls the script again (rollback: true in its context), which runs the down steps of this run.
      undoOnRollback: true,
    });
    const seed = new DeploymentScript(this, 'Seed', {
      trigger: ScriptTrigger.AFTER_DEPLOY,
      entry: path.join(__dirname, 'scripts', 'seed.ts'),
      connectTo: [database],
      runAfter: [migrate],
    });
    // Last: a failure here rolls the deployment back, and the migrations above are undone.
    new DeploymentScript(this, 'Smoke', {
      trigger: ScriptTrigger.AFTER_DEPLOY,
      entry: path.join(__dirname, 'scripts', 'smoke.ts'),
      connectTo: [database],
      runAfter: [seed],
      parameters: { adminEmail: 'admin@example.com' },
    });
    new DeploymentScript(this, 'Cleanup', {
      trigger: ScriptTrigger.BEFORE_DELETE,
      entry: path.join(__dirname, 'scripts', 'cleanup.ts'),
      connectTo: [database],
    });

    // What the seed created, for other resources and for the deployment's outputs.
    new CfnOutput(this, 'AdminUserId', { value: seed.getResult('adminUserId') });
  }
}

const app = new App();
new DatabaseStack(app, 'PostgresMigrateSeed', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
