import { ConnectingScript } from './connecting-script';

/*
 * The descriptions of the security-group rules that admit a connected script. They are part of the template
 * (a changed description replaces the rule), so they keep the words they were first deployed with, which name
 * a DeploymentTask a "DeploymentScript" and "deployment script" too; messages name the script by its real kind.
 */

/** The rule's description for the targets reached over an AWS API (`CustomTarget`, an OpenSearch domain). */
export function ingressDescription(script: ConnectingScript): string {
  // EC2 accepts only some characters in a rule's description, and a construct id may hold others.
  return `from DeploymentScript ${script.path} (connectTo)`.replace(/[^a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]/g, '_');
}

/** The rule's description for the targets that live in a VPC (databases, caches, services). */
export function networkIngressDescription(script: ConnectingScript): string {
  return `from deployment script ${script.path}`;
}
