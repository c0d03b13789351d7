import { App } from 'aws-cdk-lib';
import { PipelineStack } from './stacks';

const app = new App();
new PipelineStack(app, 'ContainerMigrate', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
