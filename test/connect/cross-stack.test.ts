import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import { DeploymentScript, ScriptTrigger } from '../../lib';
import { ECHO_SCRIPT } from '../support/template';

test('a script connects to a database of another stack without making the stacks depend on each other', () => {
  // GIVEN a database in one stack
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const env = { account: '111111111111', region: 'eu-west-1' };
  const data = new Stack(app, 'Data', { env });
  const vpc = new ec2.Vpc(data, 'Vpc', { natGateways: 1 });
  const db = new rds.DatabaseInstance(data, 'myDatabase', {
    engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
    vpc,
  });

  // WHEN a script of another stack connects to it
  const app2 = new Stack(app, 'App', { env });
  new DeploymentScript(app2, 'Migrate', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, connectTo: [db] });

  // THEN the ingress rule lives in the script's stack, and only the script's stack depends on the other
  const assembly = app.synth();
  expect(assembly.getStackByName('App').dependencies.map((d) => d.id)).toContain('Data');
  expect(assembly.getStackByName('Data').dependencies.map((d) => d.id)).not.toContain('App');
  Template.fromStack(app2).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
    FromPort: 5432,
    ToPort: 5432,
    SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MigrateFunctionSecurityGroup'), 'GroupId'] },
  });
  Template.fromStack(data).resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
});
