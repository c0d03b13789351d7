/**
 * The app a new user would have, synthesized for real into a folder of its own (cdk.json beside cdk.out, as `cdk
 * init` lays it out): a database in a VPC with a script connected to it, a bucket-cleanup script that imports
 * `@aws-sdk/client-s3` (left out of its bundle, as Lambda provides it), and a container task (`DeploymentTask`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { DeploymentScript, DeploymentTask, ScriptTrigger } from '../../lib';
import { STACK_NAME } from './support';

const CLEANUP = `import { S3Client } from '@aws-sdk/client-s3';
export const handler = async (event: { prefix: string }) => {
  const client = new S3Client({});
  console.log('emptying', process.env.STP_DATA_NAME ?? '(unset)', 'under', event.prefix);
  return { client: client.constructor.name, prefix: event.prefix };
};
`;

/** Writes the app's folder and synthesizes it into `<dir>/cdk.out`; returns the template. */
export function synthTasksApp(dir: string): any {
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'cdk.json'), JSON.stringify({ app: 'npx ts-node bin/app.ts' }));
  writeFileSync(join(dir, 'src', 'cleanup.ts'), CLEANUP);
  const app = new App({ outdir: join(dir, 'cdk.out'), context: { 'aws:cdk:enable-asset-metadata': true, 'aws:cdk:enable-path-metadata': true } });
  const stack = new Stack(app, STACK_NAME);
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const db = new rds.DatabaseInstance(stack, 'Db', { engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }), vpc });
  const bucket = new s3.Bucket(stack, 'Data');
  const migrateDb = new DeploymentScript(stack, 'migrateDb', {
    trigger: ScriptTrigger.AFTER_DEPLOY,
    vpc,
    code: lambda.Code.fromInline('exports.handler = async (event) => ({ host: process.env.STP_DB_HOST, secret: process.env.STP_DB_SECRET_ARN ?? null, tables: event.tables });'),
    handler: 'index.handler',
    runtime: lambda.Runtime.NODEJS_22_X,
    parameters: { tables: ['users'] },
  });
  migrateDb.connectTo(db);
  const cleanup = new DeploymentScript(stack, 'cleanup', {
    trigger: ScriptTrigger.BEFORE_DELETE,
    entry: join(dir, 'src', 'cleanup.ts'),
    timeout: Duration.seconds(30),
    parameters: { prefix: 'tmp/' },
  });
  cleanup.connectTo(bucket);
  const task = new DeploymentTask(stack, 'Migrate', {
    trigger: ScriptTrigger.AFTER_DEPLOY,
    vpc,
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/php:8.3-cli'),
    command: ['php', 'artisan', 'migrate', '--force'],
    parameters: { batch: 100 },
    timeout: Duration.minutes(5),
  });
  task.connectTo(db);
  app.synth();
  return require(join(dir, 'cdk.out', `${STACK_NAME}.template.json`));
}

/** A stand-in for `npm install --save-dev @aws-sdk/client-s3` in the app (no registry: a package with its client class). */
export function installS3Client(dir: string): void {
  const pkg = join(dir, 'node_modules', '@aws-sdk', 'client-s3');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@aws-sdk/client-s3', version: '3.0.0', main: 'index.js' }));
  writeFileSync(join(pkg, 'index.js'), 'class S3Client { constructor(config) { this.config = config; } }\nexports.S3Client = S3Client;\n');
}
