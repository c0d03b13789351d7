import { Annotations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { futurePath } from '../../core/future-path';
import { ingressDescription } from '../../core/ingress';
import { upperSnakeCase } from '../../core/names';
import { LIBRARY_TARGET, provideBinding } from '../../core/provided-binding';

/**
 * Properties of a `CustomTarget`.
 */
export interface CustomTargetProps {
  /**
   * Statements for the script's role. Scope them to the target's resources.
   *
   * @default - no permissions
   */
  readonly statements?: iam.PolicyStatement[];

  /**
   * Variables for the script, without prefix and name: `{ URL: … }` becomes `STP_<NAME>_URL`. Names in upper
   * snake case.
   *
   * @default - no variables
   */
  readonly variables?: { [name: string]: string };

  /**
   * The VPC the target lives in. The script joins it when the target is listed in the `connectTo` prop.
   *
   * @default - the target is reached outside any VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The target's side of the network: a security group, or anything with connections (a database, a
   * service, an instance). Its security group admits the script's on `port`.
   *
   * @default - no network access is opened
   */
  readonly connections?: ec2.IConnectable;

  /**
   * The port the script connects to. Requires `connections`.
   *
   * @default - the default port of `connections`
   */
  readonly port?: ec2.Port;
}

/**
 * Anything else a deployment script uses: the statements, variables and network access it needs, listed in
 * `connectTo` like any target, so that its variables follow the `STP_<NAME>_<VARIABLE>` scheme. It grants exactly its
 * statements, so it takes `AccessLevel.READ_WRITE` only: for a target the script only reads, give it statements that
 * read.
 *
 * @example
 * import { CustomTarget } from 'cdk-deployment-script';
 *
 * const parameter = new ssm.StringParameter(this, 'Flags', { stringValue: '{}' });
 * new DeploymentScript(this, 'ReadFlags', {
 *   trigger: ScriptTrigger.AFTER_DEPLOY,
 *   entry: 'scripts/read-flags.ts',
 *   connectTo: [new CustomTarget(this, 'featureFlags', {
 *     statements: [new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [parameter.parameterArn] })],
 *     variables: { PARAMETER_NAME: parameter.parameterName },
 *   })],
 * });
 */
export class CustomTarget extends Construct {
  constructor(scope: Construct, id: string, props: CustomTargetProps) {
    super(scope, validate(futurePath(scope, id), props) ?? id);
    // Copies: what the user's lists become after this point is not the target's business.
    const statements = props.statements ? [...props.statements] : undefined;
    const variables = props.variables ? { ...props.variables } : undefined;
    const { vpc, connections } = props;
    for (const statement of statements ?? []) {
      if (statement.resources.includes('*')) {
        Annotations.of(this).addWarningV2('cdk-deployment-script:custom-target-any-resource',
          `A statement of CustomTarget ${this.node.path} allows ${statement.actions.join(', ')} on every resource ("*"). Scope it to the target's ARNs.`);
      }
    }
    const port = props.port ?? connections?.connections.defaultPort;
    provideBinding(this, LIBRARY_TARGET, (script) => ({
      kind: 'custom target',
      statements,
      variables,
      vpc,
      ingress: connections && port ? [{ peer: connections, port, description: ingressDescription(script) }] : undefined,
    }));
  }
}

function validate(path: string, props: CustomTargetProps): undefined {
  const fail = (message: string): never => { throw new Error(`CustomTarget ${path}: ${message}`); };
  const { statements, variables, vpc, connections, port } = props;
  if (!statements?.length && !Object.keys(variables ?? {}).length && !vpc && !connections) {
    fail("it gives the script nothing. Give 'statements', 'variables', 'vpc' or 'connections'.");
  }
  const isUpperSnakeCase = (name: string) => /^[A-Z][A-Z0-9_]*$/.test(name);
  for (const name of Object.keys(variables ?? {})) {
    if (!isUpperSnakeCase(name)) {
      const suggestion = upperSnakeCase(name);
      fail(`variable name '${name}' is not in upper snake case (it becomes STP_<NAME>_<VARIABLE>). `
        + (isUpperSnakeCase(suggestion) ? `Name it '${suggestion}'.` : "Name it like 'API_URL'."));
    }
    if (typeof variables![name] !== 'string') {
      fail(`variable '${name}' is ${JSON.stringify(variables![name])}, not a string. Give a string (numbers with String(…) or Token.asString(…)).`);
    }
  }
  if (port !== undefined && connections === undefined) {
    fail(`'port' (${port}) is given without 'connections'. Give the security group (or construct) whose port the script connects to.`);
  }
  if (connections !== undefined && port === undefined && connections.connections.defaultPort === undefined) {
    fail("'connections' has no default port. Give the 'port' the script connects to, e.g. port: ec2.Port.tcp(8080).");
  }
  return undefined;
}
