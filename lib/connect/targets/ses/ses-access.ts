import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { futurePath } from '../../core/future-path';
import { allow } from '../../core/iam';
import { LIBRARY_TARGET, provideBinding } from '../../core/provided-binding';

/**
 * Properties of a `SesAccess`.
 */
export interface SesAccessProps {
  /**
   * The SES identities the script may use: verified domains or email addresses, by name (`'example.com'`,
   * `'noreply@example.com'`), not by ARN.
   *
   * @default - every identity of the stack's account and region
   */
  readonly identities?: string[];
}

/**
 * Access to Amazon SES for a deployment script: list it in `connectTo` (the reference's `aws:ses` macro).
 *
 * Gives `ses:*`, scoped to the SES resources of the stack's account and region that sending uses: the
 * identities (every one, or those given), configuration sets and templates. Actions that take no resource
 * (`GetSendQuota`, `ListIdentities` …) accept only `Resource: "*"`, which this library never grants: add them
 * with `iamRoleStatements` if the script needs them. Sets no variables. Sending is what it is for, so it takes
 * `AccessLevel.READ_WRITE` only.
 *
 * @example
 * import { SesAccess } from 'cdk-deployment-script';
 *
 * new DeploymentScript(this, 'SendWelcome', {
 *   trigger: ScriptTrigger.AFTER_DEPLOY,
 *   entry: 'scripts/send-welcome.ts',
 *   connectTo: [new SesAccess(this, 'Ses')],
 * });
 */
export class SesAccess extends Construct {
  constructor(scope: Construct, id: string, props: SesAccessProps = {}) {
    super(scope, validate(futurePath(scope, id), props) ?? id);
    const identities = props.identities ?? ['*'];
    provideBinding(this, LIBRARY_TARGET, () => {
      const stack = Stack.of(this);
      const arn = (resource: string, resourceName: string) =>
        stack.formatArn({ service: 'ses', resource, resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
      return {
        kind: 'SES access',
        // ses:* as the reference gives, but on the resources of one account and region, never "*": SES checks
        // sending against the identity, and against the configuration set and template when the email uses one.
        statements: [allow(['ses:*'], [
          ...identities.map((identity) => arn('identity', identity)),
          arn('configuration-set', '*'),
          arn('template', '*'),
        ])],
      };
    });
  }
}

function validate(path: string, props: SesAccessProps): undefined {
  if (props.identities === undefined) { return undefined; }
  if (props.identities.length === 0) {
    throw new Error(`SesAccess ${path}: 'identities' is empty, so the script could send from no identity. `
      + "Give the domains or addresses it sends from, e.g. identities: ['example.com'], or leave 'identities' out to allow every identity of the account.");
  }
  for (const identity of props.identities) {
    if (Token.isUnresolved(identity)) { continue; }
    if (identity === '' || identity.startsWith('arn:') || identity.includes('/')) {
      throw new Error(`SesAccess ${path}: identity ${JSON.stringify(identity)} is not the name of an SES identity. `
        + "Give a verified domain or email address by name, e.g. 'example.com' or 'noreply@example.com'.");
    }
  }
  return undefined;
}
