// cdk-nag's four packs over the stacks regulated users run them on (test/nag/regulated-stacks.ts): no finding on what
// the library creates is left unexplained. jest.config.js runs it with the previous major of cdk-nag (the
// devDependency) on the minimum aws-cdk-lib; jest.peer-newest.config.js with the current major on the newest.
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cdkNag from 'cdk-nag';
import * as path from 'path';
import { Finding, nagFindings as findings } from '../support/nag';
import { isLibraryPath, pathsByLogicalId, usersDecision } from './library-resources';
import { beforeDeleteStack, everythingDecidedStack, RegulatedStack, regulatedStacks, taskStack } from './regulated-stacks';
import { DeploymentScript, ScriptTrigger } from '../../lib';

const PACKS: [string, new (...args: any[]) => cdkNag.NagPack][] = [
  ['AwsSolutions', cdkNag.AwsSolutionsChecks],
  ['HIPAA.Security', cdkNag.HIPAASecurityChecks],
  ['NIST.800.53.R5', cdkNag.NIST80053R5Checks],
  ['PCI.DSS.321', cdkNag.PCIDSS321Checks],
];

/**
 * The statements the library may put on `Resource: "*"`, by action: what AWS grants only on "*". README "## cdk-nag"
 * lists the same.
 */
const STAR_ACTIONS = new Set([
  // A function in a VPC: Lambda manages its network interfaces with the function's role.
  'ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses',
  // A task's execution role pulling its image from ECR (aws-cdk-lib's grantPull).
  'ecr:GetAuthorizationToken',
]);

describe(`cdk-nag ${require('cdk-nag/package.json').version} on aws-cdk-lib ${require('aws-cdk-lib/package.json').version}`, () => {
  test('the major of cdk-nag that goes with this aws-cdk-lib: 2 on the minimum, 3 on the newest', () => {
    const cdk = Number(require('aws-cdk-lib/package.json').version.split('.')[1]);
    const nag = Number(require('cdk-nag/package.json').version.split('.')[0]);
    expect(nag).toBe(cdk >= 257 ? 3 : 2);
    // Both from the same folder: cdk-nag inspects the classes the stacks are built with.
    expect(path.dirname(path.dirname(require.resolve('cdk-nag/package.json')))).toBe(path.dirname(path.dirname(require.resolve('aws-cdk-lib/package.json'))));
  });

  test.each(PACKS)('%s: every finding on what the library creates is fixed, suppressed with a reason, or the user\'s decision', (pack, Pack) => {
    // GIVEN
    const app = new App();
    const stacks = regulatedStacks(app);

    // WHEN
    const all = findings(app, Pack);

    // THEN
    const library = (f: Finding) => stacks.some((regulated) => isLibraryPath(f.path, regulated));
    const unexplained = all.filter(library).filter((f) => usersDecision(f.rule, f.path) === undefined).map((f) => `${f.path} ${f.finding}`);
    expect(unexplained).toEqual([]);
    // The user's own resources keep their findings: nothing of the library hides them.
    expect(all.filter((f) => f.rule.startsWith(`${pack}-`) && !library(f)).length).toBeGreaterThan(0);
  });

  test("the suppressions are the library's: each names a rule, a reason, and for IAM5 the findings it covers", () => {
    const app = new App();
    const stacks = regulatedStacks(app);
    for (const { stack } of stacks) {
      for (const resource of stack.node.findAll().filter(CfnResource.isCfnResource)) {
        for (const rule of resource.getMetadata('cdk_nag')?.rules_to_suppress ?? []) {
          expect(rule.reason.length).toBeGreaterThan(30);
          if (rule.id.endsWith('-IAM5')) { expect(rule.applies_to?.length).toBeGreaterThan(0); }
        }
      }
    }
  });

  test("a statement of the user's, identical to one the library suppresses, is still reported", () => {
    // GIVEN: a script in a VPC, whose own policy holds the network interface actions on "*", and the user's
    // statement on "*" beside it.
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: { account: '111111111111', region: 'eu-west-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    new DeploymentScript(stack, 'Script', {
      trigger: ScriptTrigger.AFTER_DEPLOY,
      entry: path.join(__dirname, '..', 'fixtures', 'scripts', 'echo.ts'),
      vpc,
      iamRoleStatements: [new iam.PolicyStatement({ actions: ['ec2:DescribeNetworkInterfaces'], resources: ['*'] })],
    });

    // WHEN
    const all = findings(app, cdkNag.AwsSolutionsChecks);

    // THEN
    expect(all.filter((f) => f.path.startsWith('/Stack/Script/')).map((f) => `${f.path} ${f.finding}`))
      .toEqual(['/Stack/Script/Function/ServiceRole/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::*]']);
  });

  test('a script outside any VPC: the finding is reported, the user\'s to decide', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    new DeploymentScript(stack, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: path.join(__dirname, '..', 'fixtures', 'scripts', 'echo.ts') });
    const library = findings(app, cdkNag.HIPAASecurityChecks).filter((f) => isLibraryPath(f.path, { stack, scripts: ['Script'] }));
    expect(library.map((f) => `${f.path} ${f.finding}`)).toEqual(['/Stack/Script/Function/Resource HIPAA.Security-LambdaInsideVPC']);
    expect(usersDecision(library[0].rule, library[0].path)).toBe("a DeploymentScript's vpc");
  });
});

describe('DeploymentProviders.configure: what the user decides for the providers is no longer suppressed', () => {
  test.each(PACKS.filter(([pack]) => pack !== 'AwsSolutions'))('%s finds nothing on what the library creates when every choice is made', (_pack, Pack) => {
    const app = new App();
    const regulated = everythingDecidedStack(app);
    expect(findings(app, Pack).filter((f) => isLibraryPath(f.path, regulated)).map((f) => `${f.path} ${f.finding}`)).toEqual([]);
  });

  test('the providers carry no suppression of a VPC or a key, which they have; without configure, they do', () => {
    const decided = (stack: Stack) => stack.node.findAll().filter(CfnResource.isCfnResource)
      .filter((r) => /^(DeploymentScriptProvider|DeploymentTaskProvider)\//.test(r.node.path.slice(stack.node.path.length + 1)))
      .flatMap((r) => [
        ...(r.getMetadata('cdk_nag')?.rules_to_suppress ?? []).map((rule: any) => rule.id),
        ...(r.getMetadata('checkov')?.skip ?? []).map((skip: any) => skip.id),
      ])
      .filter((id: string) => /LambdaInsideVPC|CloudWatchLogGroupEncrypted|CKV_AWS_117|CKV_AWS_158|CKV_AWS_173/.test(id));
    expect(decided(everythingDecidedStack(new App()).stack)).toEqual([]);
    expect(new Set(decided(taskStack(new App()).stack))).toEqual(new Set([
      'HIPAA.Security-LambdaInsideVPC', 'NIST.800.53.R5-LambdaInsideVPC', 'PCI.DSS.321-LambdaInsideVPC',
      'HIPAA.Security-CloudWatchLogGroupEncrypted', 'NIST.800.53.R5-CloudWatchLogGroupEncrypted', 'PCI.DSS.321-CloudWatchLogGroupEncrypted',
      'CKV_AWS_117', 'CKV_AWS_158', 'CKV_AWS_173',
    ]));
  });
});

describe('an app that no checker reads', () => {
  /** The template without the suppressions' metadata. */
  function withoutSuppressions(template: any): any {
    for (const resource of Object.values<any>(template.Resources)) {
      if (!resource.Metadata) { continue; }
      delete resource.Metadata.cdk_nag;
      delete resource.Metadata.checkov;
      if (Object.keys(resource.Metadata).length === 0) { delete resource.Metadata; }
    }
    return template;
  }

  /** The cdk-nag findings acknowledged in the stack's construct tree (aws-cdk-lib may acknowledge rules of its own). */
  function acknowledgedFindings(stack: Stack): string[] {
    return stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules'))
      .flatMap((m) => Object.keys(m.data as object)).filter((finding) => /^(AwsSolutions|HIPAA\.Security|NIST\.800\.53\.R5|PCI\.DSS\.321)-/.test(finding));
  }

  test.each([false, 'false'])('context cdk-deployment-script:suppressions %p: no suppression is written, and nothing else changes', (value) => {
    const checked = regulatedStacks(new App());
    const unchecked = regulatedStacks(new App({ context: { 'cdk-deployment-script:suppressions': value } }));
    unchecked.forEach(({ stack }, i) => {
      const template = Template.fromStack(stack).toJSON();
      expect(JSON.stringify(template)).not.toMatch(/cdk_nag|checkov/);
      expect(template).toEqual(withoutSuppressions(Template.fromStack(checked[i].stack).toJSON()));
      expect(acknowledgedFindings(stack)).toEqual([]);
    });
    // Where they are written, cdk-nag 3 reads its acknowledgments from the construct tree.
    expect(acknowledgedFindings(checked[0].stack).length).toBeGreaterThan(0);
  });
});

describe("Resource '*' in what the library creates", () => {
  /** Each statement on "*" of the library's roles and policies, and each managed policy the library's roles have. */
  function starStatements(regulated: RegulatedStack): string[] {
    const template = Template.fromStack(regulated.stack).toJSON();
    const paths = pathsByLogicalId(regulated.stack);
    const found: string[] = [];
    for (const [logicalId, resource] of Object.entries<any>(template.Resources)) {
      const where = paths.get(logicalId)!;
      if (!isLibraryPath(where, regulated)) { continue; }
      const documents = resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy'
        ? [resource.Properties.PolicyDocument]
        : resource.Type === 'AWS::IAM::Role' ? (resource.Properties.Policies ?? []).map((p: any) => p.PolicyDocument) : [];
      for (const statement of documents.flatMap((d: any) => d.Statement)) {
        if ([statement.Resource].flat().includes('*')) {
          for (const action of [statement.Action].flat()) { found.push(`${where} ${action}`); }
        }
      }
      if (resource.Type === 'AWS::IAM::Role') {
        for (const arn of resource.Properties.ManagedPolicyArns ?? []) { found.push(`${where} managed ${JSON.stringify(arn)}`); }
      }
    }
    return found;
  }

  test('no statement or managed policy of the library is on "*", but for the actions AWS grants only on "*"', () => {
    const app = new App();
    const stacks = regulatedStacks(app);
    const all = stacks.flatMap(starStatements);
    expect(all.filter((s) => !STAR_ACTIONS.has(s.split(' ')[1]))).toEqual([]);
    // The allowed ones do occur: the test sees the statements it means to.
    expect(all).toContain('/BeforeDelete/cleanup/VpcAccessPolicy/Resource ec2:CreateNetworkInterface');
    expect(all).toContain('/TaskEveryOption/schema/TaskDefinition/ExecutionRole/DefaultPolicy/Resource ecr:GetAuthorizationToken');
  });

  test('a BEFORE_DELETE script in a VPC writes only its own log group', () => {
    const app = new App();
    const regulated = beforeDeleteStack(app);
    const template = Template.fromStack(regulated.stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{
          Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
          Effect: 'Allow',
          Resource: {
            'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-1:111111111111:log-group:/aws/lambda/', { Ref: Match.stringLikeRegexp('^cleanupFunction') }, ':*']],
          },
        }],
      },
    });
  });
});
