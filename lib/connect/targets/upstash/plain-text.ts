import { Annotations, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** Warns when a secret is given in clear text: it would be written to the template and to `cdk.out`. */
export function warnOnPlainText(target: IConstruct, secrets: { [prop: string]: string }): void {
  for (const [prop, value] of Object.entries(secrets)) {
    if (!Token.isUnresolved(value) && !value.startsWith('{{resolve:')) {
      Annotations.of(target).addWarningV2('cdk-deployment-script:plainTextSecret',
        `'${prop}' of ${target.node.path} is given in clear text, so it is written to the template and to cdk.out. `
        + "Keep it in Secrets Manager and give a reference, e.g. secret.secretValueFromJson('password').unsafeUnwrap().");
    }
  }
}
