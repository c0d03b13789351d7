import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, NagSuppressions } from 'cdk-nag';
import { EXAMPLE_SCRIPTS, exampleStack } from './example-stack';

/** Each finding of the AwsSolutions pack on the stack, as `<construct path> <rule>[<finding>]`. */
function findings(stack: Stack): string[] {
  const annotations = Annotations.fromStack(stack);
  return [
    ...annotations.findError('*', Match.stringLikeRegexp('^AwsSolutions-')),
    ...annotations.findWarning('*', Match.stringLikeRegexp('^AwsSolutions-')),
  ].map((m) => {
    // 'AwsSolutions-IAM4[Policy::arn:…]: The IAM user, role…': the rule and the finding, before the explanation.
    const text = String(m.entry.data);
    return `${m.id} ${text.slice(0, text.indexOf(': '))}`;
  }).sort();
}

/** What the library creates: the provider, and each script's function, role, policy and custom resource. */
function isLibrary(finding: string): boolean {
  const path = finding.split(' ')[0];
  return path.startsWith('/Example/DeploymentScriptProvider/')
    || EXAMPLE_SCRIPTS.some((script) => path.startsWith(`/Example/${script}/`))
    // connectTo's statements on the role the user gave the cleanup script
    || path === '/Example/cleanupRole/DefaultPolicy/Resource';
}

const BASIC = 'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';

/** cdk-nag 2's API (aspects, NagSuppressions): test/nag/packs.test.ts runs cdk-nag 3 too. */
const describeNag2 = require('cdk-nag/package.json').version.startsWith('2.') ? describe : describe.skip;

describeNag2('cdk-nag (AwsSolutions) on a stack that uses every feature', () => {
  test('without suppressions of the user, the only findings on what the library creates are the user\'s choices', () => {
    // GIVEN
    const app = new App();
    const stack = exampleStack(app);

    // WHEN
    Aspects.of(app).add(new AwsSolutionsChecks());

    // THEN: the script's runtime, the user's choice; its role has no managed policy, its log and VPC statements are
    // scoped and explained.
    expect(findings(stack).filter(isLibrary)).toEqual([
      '/Example/seed/Function/Resource AwsSolutions-L1',
    ]);
  });

  test('with the suppression the README shows, nothing the library creates has a finding', () => {
    // GIVEN
    const app = new App();
    const stack = exampleStack(app);
    NagSuppressions.addResourceSuppressions(stack.node.findChild('seed'), [
      { id: 'AwsSolutions-L1', reason: 'The script is tested on Python 3.13.' },
    ], true);

    // WHEN
    Aspects.of(app).add(new AwsSolutionsChecks());

    // THEN
    expect(findings(stack).filter(isLibrary)).toEqual([]);
    // The findings on the user's own resources stay the user's (a VPC without flow logs, say): nothing hides them.
    expect(findings(stack)).toContain('/Example/Vpc/Resource AwsSolutions-VPC7');
    expect(findings(stack)).toContain(`/Example/cleanupRole/Resource AwsSolutions-IAM4[${BASIC}]`);
  });
});

/** cdk-nag 3's API (a validation plugin; aws-cdk-lib's Validations.of(…).acknowledge), on the newest aws-cdk-lib. */
const describeNag3 = require('cdk-nag/package.json').version.startsWith('2.') ? describe.skip : describe;

describeNag3('cdk-nag 3 (AwsSolutions) on a stack that uses every feature', () => {
  // Validations is not in the minimum aws-cdk-lib's types, which the type check reads: jest.peer-newest.config.js maps
  // the module to the newest.
  const { Validations } = require('aws-cdk-lib');
  const { nagFindings } = require('../support/nag');
  const libraryFindings = (app: App) => (nagFindings(app, AwsSolutionsChecks) as Array<{ path: string; finding: string }>)
    .map((f) => `${f.path} ${f.finding}`).filter(isLibrary).sort();

  test('without acknowledgments of the user, the only finding on what the library creates is the user\'s choice', () => {
    // GIVEN
    const app = new App();
    exampleStack(app);

    // THEN
    expect(libraryFindings(app)).toEqual(['/Example/seed/Function/Resource AwsSolutions-L1']);
  });

  test('with the acknowledgment the README shows, on the script, nothing the library creates has a finding', () => {
    // GIVEN
    const app = new App();
    const stack = exampleStack(app);
    const migrate = stack.node.findChild('seed');
    Validations.of(migrate).acknowledge({ id: 'AwsSolutions-L1', reason: 'The script is tested on Python 3.13.' });

    // THEN
    expect(libraryFindings(app)).toEqual([]);
    // The call above is the README's, word for word.
    const readme = require('fs').readFileSync(require('path').join(__dirname, '..', '..', 'README.md'), 'utf8');
    expect(readme.replace(/\s+/g, ' ')).toContain(
      "`Validations.of(migrate).acknowledge({ id: 'AwsSolutions-L1', reason: 'The script is tested on Python 3.13.' })`");
  });
});
