// What the library creates in a stack of test/nag/regulated-stacks.ts, and the findings the user decides: shared by
// the cdk-nag test and the checkov test. README "## cdk-nag" lists the same decisions.
import { CfnElement, CfnResource, Stack } from 'aws-cdk-lib';
import { RegulatedStack } from './regulated-stacks';

/** Whether the construct at `path` (`/Stack/…`) is one the library created: its providers, and its scripts' and tasks' children. */
export function isLibraryPath(path: string, { stack, scripts }: RegulatedStack): boolean {
  const prefixes = ['DeploymentScriptProvider', 'DeploymentTaskProvider', ...scripts].map((id) => `/${stack.stackName}/${id}/`);
  return prefixes.some((prefix) => path.startsWith(prefix)) || path === `/${stack.stackName}/DeploymentTaskProvider/Cluster`;
}

/** The construct path of each resource of the stack's template, by logical id. */
export function pathsByLogicalId(stack: Stack): Map<string, string> {
  const paths = new Map<string, string>();
  for (const construct of stack.node.findAll()) {
    if (CfnResource.isCfnResource(construct) || CfnElement.isCfnElement(construct)) {
      paths.set(stack.resolve((construct as CfnElement).logicalId), `/${construct.node.path}`);
    }
  }
  return paths;
}

/**
 * The findings on library resources that a prop lets the user decide, by the rule's id (without its pack) or
 * checkov's check, and where they occur: the library does not suppress them, the user's prop settles them.
 */
export const USERS_DECISIONS: { readonly rule: string; readonly where: RegExp; readonly prop: string }[] = [
  { rule: 'CloudWatchLogGroupRetentionPeriod', where: /\/LogGroup\/Resource$/, prop: "a DeploymentTask's logRetention" },
  { rule: 'CKV_AWS_66', where: /\/LogGroup\/Resource$/, prop: "a DeploymentTask's logRetention" },
  { rule: 'CloudWatchLogGroupEncrypted', where: /\/LogGroup\/Resource$/, prop: "a DeploymentTask's logGroup (your own, with a KMS key)" },
  { rule: 'CKV_AWS_158', where: /\/LogGroup\/Resource$/, prop: "a DeploymentTask's logGroup (your own, with a KMS key)" },
  { rule: 'LambdaInsideVPC', where: /\/Function\/Resource$/, prop: "a DeploymentScript's vpc" },
  { rule: 'CKV_AWS_117', where: /\/Function\/Resource$/, prop: "a DeploymentScript's vpc" },
  { rule: 'CKV_AWS_173', where: /\/Function\/Resource$/, prop: "a DeploymentScript's environmentEncryption" },
  { rule: 'L1', where: /\/Function\/Resource$/, prop: "a DeploymentScript's runtime" },
];

/** The user's decision a finding is, if it is one. */
export function usersDecision(rule: string, path: string): string | undefined {
  const id = rule.replace(/^(AwsSolutions|HIPAA\.Security|NIST\.800\.53\.R5|PCI\.DSS\.321)-/, '');
  return USERS_DECISIONS.find((decision) => decision.rule === id && decision.where.test(path))?.prop;
}
