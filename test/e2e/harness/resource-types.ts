/**
 * What CloudFormation returns for resources the harness does not run for real: the physical id (`Ref`) and
 * the attributes (`Fn::GetAtt`) of each type, in the shapes AWS gives them. Values are made up; what scripts
 * consume (names, ARNs, endpoints) has the right form, and tests may override any of it.
 */
import { randomBytes } from 'node:crypto';

export interface PhysicalResource {
  /** What `Ref` returns. */
  readonly ref: string;
  /** `Fn::GetAtt` values by attribute name. */
  readonly attributes: Record<string, unknown>;
}

export interface NamingContext {
  readonly stackName: string;
  readonly logicalId: string;
  readonly region: string;
  readonly account: string;
  readonly partition: string;
}

/** Lower-case letters and digits. */
export function randomId(length: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const HEX = '0123456789abcdef';

/** A CloudFormation-generated name: `<stack>-<logical id>-<suffix>`, cut to `max` characters. */
export function generatedName(ctx: NamingContext, max: number, suffix = randomId(12, UPPER)): string {
  const room = max - suffix.length - 2;
  const stack = ctx.stackName.slice(0, Math.ceil(room / 2));
  const logical = ctx.logicalId.slice(0, room - stack.length);
  return `${stack}-${logical}-${suffix}`;
}

/** The physical resource of a type, from its resolved properties. */
export function physicalResource(type: string, props: Record<string, any>, ctx: NamingContext): PhysicalResource {
  const { region, account, partition } = ctx;
  const arn = (service: string, resource: string, r = region, a = account) => `arn:${partition}:${service}:${r}:${a}:${resource}`;
  switch (type) {
    case 'AWS::Lambda::Function': {
      const name = props.FunctionName ?? generatedName(ctx, 64);
      return { ref: name, attributes: { Arn: arn('lambda', `function:${name}`) } };
    }
    case 'AWS::IAM::Role': {
      const name = props.RoleName ?? generatedName(ctx, 64);
      return { ref: name, attributes: { Arn: `arn:${partition}:iam::${account}:role${props.Path ?? '/'}${name}`, RoleId: `AROA${randomId(17, UPPER)}` } };
    }
    case 'AWS::IAM::Policy':
      return { ref: generatedName(ctx, 128).slice(0, 128), attributes: {} };
    case 'AWS::IAM::ManagedPolicy': {
      const name = props.ManagedPolicyName ?? generatedName(ctx, 128);
      return { ref: `arn:${partition}:iam::${account}:policy/${name}`, attributes: { PolicyArn: `arn:${partition}:iam::${account}:policy/${name}` } };
    }
    case 'AWS::Logs::LogGroup': {
      const name = props.LogGroupName ?? generatedName(ctx, 512);
      return { ref: name, attributes: { Arn: arn('logs', `log-group:${name}:*`) } };
    }
    case 'AWS::S3::Bucket': {
      const name = props.BucketName ?? generatedName({ ...ctx, stackName: ctx.stackName.toLowerCase(), logicalId: ctx.logicalId.toLowerCase() }, 63, randomId(12));
      return {
        ref: name,
        attributes: {
          Arn: `arn:${partition}:s3:::${name}`,
          DomainName: `${name}.s3.amazonaws.com`,
          RegionalDomainName: `${name}.s3.${region}.amazonaws.com`,
          DualStackDomainName: `${name}.s3.dualstack.${region}.amazonaws.com`,
          WebsiteURL: `http://${name}.s3-website-${region}.amazonaws.com`,
        },
      };
    }
    case 'AWS::SSM::Parameter': {
      const name = props.Name ?? `CFN-${ctx.logicalId}-${randomId(12, UPPER)}`;
      return { ref: name, attributes: { Type: props.Type, Value: props.Value } };
    }
    case 'AWS::SecretsManager::Secret': {
      const name = props.Name ?? `${ctx.logicalId}-${randomId(12, UPPER)}`;
      const secretArn = arn('secretsmanager', `secret:${name}-${randomId(6, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz')}`);
      return { ref: secretArn, attributes: { Id: secretArn } };
    }
    case 'AWS::SecretsManager::SecretTargetAttachment':
      return { ref: props.SecretId, attributes: {} };
    case 'AWS::RDS::DBInstance': {
      const id = (props.DBInstanceIdentifier ?? generatedName(ctx, 63, randomId(12))).toLowerCase();
      const port = String(props.Port ?? defaultDbPort(String(props.Engine ?? '')));
      return {
        ref: id,
        attributes: {
          'Endpoint.Address': `${id}.c${randomId(11)}.${region}.rds.amazonaws.com`,
          'Endpoint.Port': port,
          'DBInstanceArn': arn('rds', `db:${id}`),
          'DbiResourceId': `db-${randomId(26, UPPER)}`,
        },
      };
    }
    case 'AWS::RDS::DBCluster': {
      const id = (props.DBClusterIdentifier ?? generatedName(ctx, 63, randomId(12))).toLowerCase();
      const host = `${id}.cluster-c${randomId(11)}.${region}.rds.amazonaws.com`;
      const port = String(props.Port ?? defaultDbPort(String(props.Engine ?? '')));
      return {
        ref: id,
        attributes: {
          'Endpoint.Address': host,
          'Endpoint.Port': port,
          'ReadEndpoint.Address': host.replace('.cluster-', '.cluster-ro-'),
          'DBClusterArn': arn('rds', `cluster:${id}`),
          'DBClusterResourceId': `cluster-${randomId(26, UPPER)}`,
        },
      };
    }
    case 'AWS::EC2::VPC': {
      const id = `vpc-${randomId(17, HEX)}`;
      return {
        ref: id,
        attributes: {
          VpcId: id,
          CidrBlock: props.CidrBlock,
          CidrBlockAssociations: [`vpc-cidr-assoc-${randomId(17, HEX)}`],
          DefaultSecurityGroup: `sg-${randomId(17, HEX)}`,
          DefaultNetworkAcl: `acl-${randomId(17, HEX)}`,
          Ipv6CidrBlocks: [],
        },
      };
    }
    case 'AWS::EC2::Subnet': {
      const id = `subnet-${randomId(17, HEX)}`;
      return { ref: id, attributes: { SubnetId: id, AvailabilityZone: props.AvailabilityZone, VpcId: props.VpcId, CidrBlock: props.CidrBlock, NetworkAclAssociationId: `aclassoc-${randomId(17, HEX)}` } };
    }
    case 'AWS::EC2::SecurityGroup': {
      const id = `sg-${randomId(17, HEX)}`;
      return { ref: props.VpcId ? id : props.GroupName ?? generatedName(ctx, 255), attributes: { GroupId: id, VpcId: props.VpcId } };
    }
    case 'AWS::EC2::EIP': {
      const ip = `203.0.113.${1 + (randomBytes(1)[0] % 254)}`;
      return { ref: ip, attributes: { AllocationId: `eipalloc-${randomId(17, HEX)}`, PublicIp: ip } };
    }
    case 'AWS::EC2::RouteTable': return prefixed('rtb', 'RouteTableId');
    case 'AWS::EC2::InternetGateway': return prefixed('igw', 'InternetGatewayId');
    case 'AWS::EC2::NatGateway': return prefixed('nat', 'NatGatewayId');
    case 'AWS::EC2::VPCEndpoint': return prefixed('vpce', 'Id');
    case 'AWS::EC2::NetworkAcl': return prefixed('acl', 'Id');
    case 'AWS::ApiGatewayV2::Api': {
      const id = randomId(10);
      return { ref: id, attributes: { ApiId: id, ApiEndpoint: `https://${id}.execute-api.${region}.amazonaws.com` } };
    }
    case 'AWS::ApiGateway::RestApi': {
      const id = randomId(10);
      return { ref: id, attributes: { RestApiId: id, RootResourceId: randomId(10) } };
    }
    case 'AWS::DynamoDB::Table':
    case 'AWS::DynamoDB::GlobalTable': {
      const name = props.TableName ?? generatedName(ctx, 255);
      const tableArn = arn('dynamodb', `table/${name}`);
      return { ref: name, attributes: { Arn: tableArn, StreamArn: `${tableArn}/stream/2024-01-01T00:00:00.000` } };
    }
    case 'AWS::SNS::Topic': {
      const name = props.TopicName ?? generatedName(ctx, 256);
      return { ref: arn('sns', name), attributes: { TopicArn: arn('sns', name), TopicName: name } };
    }
    case 'AWS::SQS::Queue': {
      const name = props.QueueName ?? generatedName(ctx, 80);
      const url = `https://sqs.${region}.amazonaws.com/${account}/${name}`;
      return { ref: url, attributes: { Arn: arn('sqs', name), QueueName: name, QueueUrl: url } };
    }
    case 'AWS::Events::EventBus': {
      const name = props.Name;
      return { ref: name, attributes: { Arn: arn('events', `event-bus/${name}`), Name: name } };
    }
    case 'AWS::ECS::TaskDefinition': {
      const family = props.Family ?? generatedName(ctx, 255).replace(/[^A-Za-z0-9_-]/g, '');
      const taskDefinitionArn = arn('ecs', `task-definition/${family}:1`);
      return { ref: taskDefinitionArn, attributes: { TaskDefinitionArn: taskDefinitionArn } };
    }
    case 'AWS::ECS::Cluster': {
      const name = props.ClusterName ?? generatedName(ctx, 255);
      return { ref: name, attributes: { Arn: arn('ecs', `cluster/${name}`) } };
    }
    case 'AWS::StepFunctions::StateMachine': {
      const name = props.StateMachineName ?? generatedName(ctx, 80);
      const smArn = arn('states', `stateMachine:${name}`);
      return { ref: smArn, attributes: { Arn: smArn, Name: name } };
    }
    default: {
      const id = generatedName(ctx, 128);
      const [, service = 'unknown', kind = 'resource'] = type.split('::');
      return { ref: id, attributes: { Arn: arn(service.toLowerCase(), `${kind.toLowerCase()}/${id}`) } };
    }
  }

  function prefixed(prefix: string, idAttribute: string): PhysicalResource {
    const id = `${prefix}-${randomId(17, HEX)}`;
    return { ref: id, attributes: { [idAttribute]: id } };
  }
}

function defaultDbPort(engine: string): number {
  if (engine.includes('postgres')) return 5432;
  if (engine.includes('sqlserver')) return 1433;
  if (engine.includes('oracle')) return 1521;
  return 3306;
}

/** A password as `GenerateSecretString` makes one. */
export function generatePassword(options: Record<string, any>): string {
  let alphabet = '';
  if (!options.ExcludeLowercase) alphabet += 'abcdefghijklmnopqrstuvwxyz';
  if (!options.ExcludeUppercase) alphabet += 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  if (!options.ExcludeNumbers) alphabet += '0123456789';
  if (!options.ExcludePunctuation) alphabet += '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
  if (options.IncludeSpace) alphabet += ' ';
  const excluded = new Set(String(options.ExcludeCharacters ?? ''));
  alphabet = [...alphabet].filter((c) => !excluded.has(c)).join('');
  return randomId(Number(options.PasswordLength ?? 32), alphabet);
}
