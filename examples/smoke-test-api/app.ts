/**
 * Smoke-test an HTTP API after every deployment: a failing check fails the deployment, and CloudFormation
 * rolls the stack back to the version that worked.
 */
import * as path from 'node:path';
import { App, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
// In your app: import { DeploymentScript, ScriptTrigger } from 'cdk-deployment-script';
import { DeploymentScript, ScriptTrigger } from '../../lib';

export class SmokeTestedApiStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // The API under test: one function behind an HTTP API.
    const apiHandler = new lambda.Function(this, 'ApiHandler', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline(
        'exports.handler = async (event) => event.rawPath === "/health" || event.rawPath === "/hello"\n' +
        '  ? { statusCode: 200, body: JSON.stringify({ path: event.rawPath }) }\n' +
        '  : { statusCode: 404, body: "not found" };',
      ),
    });
    const api = new apigwv2.HttpApi(this, 'myHttpApi', {
      defaultIntegration: new HttpLambdaIntegration('ApiIntegration', apiHandler),
    });

    // Runs after every other resource of the stack is deployed, on every deployment that changes the stack.
    new DeploymentScript(this, 'testApiMethods', {
      trigger: ScriptTrigger.AFTER_DEPLOY,
      entry: path.join(__dirname, 'scripts', 'test-url.ts'),
      parameters: { apiURL: api.url!, testPaths: ['health', 'hello'] },
    });

    new CfnOutput(this, 'ApiUrl', { value: api.url! });
  }
}

const app = new App();
new SmokeTestedApiStack(app, 'SmokeTestedApi', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
