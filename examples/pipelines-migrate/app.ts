/**
 * Database migrations in a CDK Pipelines deployment, run by the stack that owns the database: the migration
 * is a deployment script of the stage's database stack, so it runs while that stack deploys, after the
 * database exists (with its endpoint and credentials at hand, no CfnOutput or pipeline variable to pass), and
 * before any stack that depends on it. A failing migration fails the stack's deployment: CloudFormation rolls
 * the stack back (without running the migration again), and the pipeline execution fails.
 */
import * as path from 'node:path';
import { App, Duration, RemovalPolicy, Stack, Stage, type StackProps, type StageProps } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as pipelines from 'aws-cdk-lib/pipelines';
import * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
// In your app: import { DeploymentScript, ScriptTrigger } from 'cdk-deployment-script';
import { DeploymentScript, ScriptTrigger } from '../../lib';

/** The stateful part of the application: the database, and the migrations of its schema. */
export class DatabaseStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    const database = new rds.DatabaseInstance(this, 'Database', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
      allocatedStorage: 20,
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      databaseName: 'app',
      removalPolicy: RemovalPolicy.SNAPSHOT,
    });

    // Runs after every other resource of this stack, on each deployment that changes the stack: new migration
    // code is a change of the stack (its asset), so shipping a migration runs it.
    new DeploymentScript(this, 'Migrate', {
      trigger: ScriptTrigger.AFTER_DEPLOY,
      entry: path.join(__dirname, 'scripts', 'migrate.ts'),
      connectTo: [database],
      timeout: Duration.minutes(10),
    });
  }
}

/** What the pipeline deploys to each environment. Stacks that need the migrated schema depend on the database stack. */
export class ApplicationStage extends Stage {
  constructor(scope: Construct, id: string, props?: StageProps) {
    super(scope, id, props);
    new DatabaseStack(this, 'Database');
    // e.g. const service = new ServiceStack(this, 'Service', { ... }); service.addDependency(database);
  }
}

/** The pipeline: it updates itself, then deploys the application stage. */
export class PipelineStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const pipeline = new pipelines.CodePipeline(this, 'Pipeline', {
      pipelineType: codepipeline.PipelineType.V2,
      synth: new pipelines.ShellStep('Synth', {
        input: pipelines.CodePipelineSource.gitHub('my-org/my-app', 'main'),
        commands: ['npm ci', 'npx cdk synth'],
      }),
    });
    pipeline.addStage(new ApplicationStage(this, 'Prod'));
  }
}

const app = new App();
new PipelineStack(app, 'PipelinesMigrate', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
