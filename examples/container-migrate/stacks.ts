/**
 * The CDK Pipelines case of seeds/003, with the migrations where that user keeps them: in the application's own
 * Docker image. A `DeploymentTask` runs `php artisan migrate --force` in that image, as a one-off Fargate task,
 * once per deployment of the stage's stack, after the database exists and before the service is updated; a failing
 * migration fails the deployment and CloudFormation rolls the stack back without running it again. No init
 * container: the service's tasks start, restart and scale without migrating.
 */
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Stage, type StackProps, type StageProps } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as pipelines from 'aws-cdk-lib/pipelines';
import * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
// In your app: import { DeploymentTask, ScriptTrigger } from 'cdk-deployment-script';
import { DeploymentTask, ScriptTrigger } from '../../lib';

/** The application: its database, the service, and the migrations that must run between the two. */
export class ApplicationStack extends Stack {
  public readonly migrate: DeploymentTask;
  public readonly service: ecs.FargateService;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const database = new rds.DatabaseInstance(this, 'Database', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 }),
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
      allocatedStorage: 20,
      vpc,
      databaseName: 'app',
      removalPolicy: RemovalPolicy.SNAPSHOT,
    });
    const cluster = new ecs.Cluster(this, 'Cluster', { vpc });

    // The application's image, built from app/Dockerfile when the pipeline publishes its assets (`cdk synth` only
    // copies the directory into the cloud assembly). Service and migrations use the same image, so a deployment
    // migrates with exactly the code it deploys.
    const image = ecs.ContainerImage.fromAsset(path.join(__dirname, 'app'));
    const credentials = {
      DB_USERNAME: ecs.Secret.fromSecretsManager(database.secret!, 'username'),
      DB_PASSWORD: ecs.Secret.fromSecretsManager(database.secret!, 'password'),
    };

    // After every other resource of the stack, on each deployment that changes the stack (a new image is a change),
    // runs the migrations in the database's VPC, admitted by its security group.
    this.migrate = new DeploymentTask(this, 'Migrate', {
      trigger: ScriptTrigger.AFTER_DEPLOY,
      image,
      command: ['php', 'artisan', 'migrate', '--force'],
      cluster,
      connectTo: [database], // STP_DATABASE_HOST, STP_DATABASE_PORT, STP_DATABASE_DB_NAME, …
      secrets: credentials, // read by ECS when the task starts: in neither the template nor the task definition
      timeout: Duration.minutes(20),
    });

    const taskDefinition = new ecs.FargateTaskDefinition(this, 'Web', { cpu: 256, memoryLimitMiB: 512 });
    taskDefinition.addContainer('web', {
      image,
      portMappings: [{ containerPort: 8080 }],
      environment: {
        DB_HOST: database.dbInstanceEndpointAddress,
        DB_PORT: database.dbInstanceEndpointPort,
        DB_DATABASE: 'app',
      },
      secrets: credentials,
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'web' }),
    });
    this.service = new ecs.FargateService(this, 'Service', { cluster, taskDefinition, desiredCount: 1 });
    database.connections.allowDefaultPortFrom(this.service);

    // The service is updated only once the schema is migrated; on deletion, it goes first.
    this.migrate.runBefore(this.service);
  }
}

/** What the pipeline deploys to each environment. */
export class ApplicationStage extends Stage {
  public readonly application: ApplicationStack;

  constructor(scope: Construct, id: string, props?: StageProps) {
    super(scope, id, props);
    this.application = new ApplicationStack(this, 'Application');
  }
}

/** The pipeline: it updates itself, then deploys the application stage. No pre or post step migrates. */
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
    // The pipeline's Assets stage builds the application's image with Docker and pushes it to ECR, before the stage
    // deploys the stack that runs it.
    pipeline.addStage(new ApplicationStage(this, 'Prod'));
  }
}
