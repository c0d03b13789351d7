import { Arn, ArnComponents, ArnFormat, IResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';

/** An `Allow` statement for the script's role. */
export function allow(actions: string[], resources: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({ effect: iam.Effect.ALLOW, actions, resources });
}

/**
 * The grant of `actions` on a target's customer-managed key, if it has one.
 *
 * `key.grant` rather than a statement of our own: for a key in another account it also adds the script to
 * the key policy, which a statement on the script's role cannot do. AWS-managed keys (`alias/aws/s3` …) are
 * never exposed by the L2s, and their key policies already admit callers of the service.
 */
export function keyGrant(key: kms.IKey | undefined, actions: string[]): ((grantee: iam.IGrantable) => void) | undefined {
  if (!key) { return undefined; }
  return (grantee) => { key.grant(grantee, ...actions); };
}

/**
 * The parts of an ARN (`arn:partition:service:region:account:resource[:name]`), read from its text: a
 * literal ARN, or one with tokens inside its parts (`arn:${AWS::Partition}:states:…`), as imported
 * references hold. `undefined` for an ARN that is one opaque token (`Ref`, `Fn::GetAtt`).
 */
export function splitArnText(arn: string): ArnComponents | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') { return undefined; }
  return {
    partition: parts[1],
    service: parts[2],
    region: parts[3],
    account: parts[4],
    resource: parts[5],
    resourceName: parts.length > 6 ? parts.slice(6).join(':') : undefined,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  };
}

/** What `arnBeside` builds: an ARN's parts after its account. */
export interface ArnResource {
  readonly service: string;
  readonly resource: string;
  readonly resourceName: string;
  readonly arnFormat: ArnFormat;
}

/**
 * An ARN in the partition, region and account of `resource`, whose own ARN is `arn`. Read from the text of
 * `arn` when it holds them: an imported reference may live in another account or region than the stack it
 * is imported into. Otherwise (an L2 of the app, whose ARN is a `Ref` or `Fn::GetAtt`) from its environment.
 */
export function arnBeside(resource: IResource, arn: string, components: ArnResource): string {
  const parts = splitArnText(arn);
  if (parts) {
    return Arn.format({ partition: parts.partition, region: parts.region, account: parts.account, ...components });
  }
  return Stack.of(resource).formatArn({ region: resource.env.region, account: resource.env.account, ...components });
}
