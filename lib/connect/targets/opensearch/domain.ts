import { CfnResource } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as opensearch from 'aws-cdk-lib/aws-opensearchservice';
import { IConstruct } from 'constructs';
import { byAccess, READ_OR_WRITE, TargetAdapter } from '../../core/adapter';
import { allow } from '../../core/iam';
import { ingressDescription } from '../../core/ingress';
import { hasMembers } from '../../core/members';

/** Every HTTP method of the domain's REST API (`ESHttpGet`, `ESHttpPut` …), on the domain and its paths. */
export const DOMAIN_ACTIONS = ['es:ESHttp*'];

/**
 * Read only (`AccessLevel.READ`): the HTTP methods that read. A search with a body must then be sent as GET, which
 * OpenSearch accepts: the clients send `_search` with a body as POST unless told otherwise.
 */
export const READ_DOMAIN_ACTIONS = ['es:ESHttpGet', 'es:ESHttpHead'];

/** The domain's HTTPS port: OpenSearch in a VPC answers on 443 only. */
const DOMAIN_PORT = 443;

/**
 * The connections of a domain in a VPC. Only the L2 `Domain` has them, and its getter throws for a domain
 * outside a VPC; an imported domain has none (open its security group yourself, or use a `CustomTarget`).
 */
function domainConnections(domain: IConstruct): ec2.Connections | undefined {
  if (!('connections' in domain)) { return undefined; }
  try {
    return (domain as unknown as ec2.IConnectable).connections;
  } catch {
    return undefined;
  }
}

/**
 * The VPC whose id the domain's security groups name. The L2 keeps the VPC private; the security groups it
 * creates (or is given) carry its id, and the VPC is a construct of the same app. `undefined` when the
 * security groups are imported: the script must then be given `vpc`.
 */
function vpcOf(connections: ec2.Connections, scope: IConstruct): ec2.IVpc | undefined {
  const vpcIds = new Set<string>();
  for (const sg of connections.securityGroups) {
    const resource = sg.node.defaultChild;
    if (CfnResource.isCfnResource(resource) && resource.cfnResourceType === 'AWS::EC2::SecurityGroup') {
      const vpcId = (resource as ec2.CfnSecurityGroup).vpcId;
      if (vpcId !== undefined) { vpcIds.add(vpcId); }
    }
  }
  if (vpcIds.size !== 1) { return undefined; }
  const [vpcId] = vpcIds;
  return scope.node.root.node.findAll().find((c): c is IConstruct & ec2.IVpc =>
    hasMembers(c, ['vpcId', 'privateSubnets'], ['selectSubnets']) && (c as unknown as ec2.IVpc).vpcId === vpcId);
}

export const DOMAIN_ADAPTER: TargetAdapter = {
  kind: 'OpenSearch domain (opensearch.IDomain)',
  matches: (target) => hasMembers(target, ['domainArn', 'domainEndpoint']),
  levels: () => READ_OR_WRITE,
  bind: (target, script, access) => {
    const domain = target as opensearch.IDomain;
    const connections = domainConnections(domain);
    return {
      kind: 'OpenSearch domain',
      statements: [allow(byAccess(access, READ_DOMAIN_ACTIONS, DOMAIN_ACTIONS), [domain.domainArn, `${domain.domainArn}/*`])],
      variables: { ARN: domain.domainArn, DOMAIN_ENDPOINT: domain.domainEndpoint },
      ...connections ? {
        vpc: vpcOf(connections, domain),
        ingress: [{ peer: domain as unknown as ec2.IConnectable, port: ec2.Port.tcp(DOMAIN_PORT), description: ingressDescription(script) }],
      } : {},
    };
  },
};
