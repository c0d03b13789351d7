// cdk-nag's findings, on either major: jest.config.js runs the tests with cdk-nag 2 (the devDependency) on the
// minimum aws-cdk-lib, jest.peer-newest.config.js with cdk-nag 3 on the newest. cdk-nag 2 is an aspect that reports
// annotations; cdk-nag 3 is a validation plugin, whose `visit` is gone, and reports violations.
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as cdkNag from 'cdk-nag';

export const NAG_MAJOR = Number(require('cdk-nag/package.json').version.split('.')[0]);

export interface Finding {
  /** The construct path of the finding's resource, with a leading slash. */
  readonly path: string;
  /** The rule, e.g. `AwsSolutions-IAM5`. */
  readonly rule: string;
  /** The rule and what it applies to, e.g. `AwsSolutions-IAM5[Resource::*]`. */
  readonly finding: string;
}

/**
 * Each finding of the pack on the stacks of `app`, errors and warnings, after the suppressions: synthesizes `app`.
 */
export function nagFindings(app: App, Pack: new (...args: any[]) => cdkNag.NagPack): Finding[] {
  const split = (finding: string, path: string): Finding => ({ path, rule: finding.replace(/\[.*$/, ''), finding });
  if (NAG_MAJOR >= 3) {
    app.synth();
    const report = (new Pack() as any).validateScope(app);
    return report.violations.flatMap((v: any) => v.violatingResources.map((r: any) => split(v.ruleName, `/${r.constructPath}`)));
  }
  Aspects.of(app).add(new Pack());
  return app.node.children.filter(Stack.isStack).flatMap((stack) => {
    const annotations = Annotations.fromStack(stack);
    const pattern = Match.stringLikeRegexp('^[A-Za-z0-9.]+-');
    return [...annotations.findError('*', pattern), ...annotations.findWarning('*', pattern)].map((m) => {
      const text = String(m.entry.data);
      return split(text.slice(0, text.indexOf(': ')), m.id);
    });
  });
}
