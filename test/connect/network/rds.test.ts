import { SecretValue, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { IConstruct } from 'constructs';
import { DatabaseCredentials, DatabaseTarget, DeploymentScript, DeploymentScriptProps, ScriptTrigger } from '../../../lib';
import { ECHO_SCRIPT, newStack } from '../../support/template';
import { idStartingWith, onlyId, render, scriptFunction, targetVariables, warnings } from './helpers';

/** The user and password in a script's connection strings: placeholders, filled from the secret when the script runs. */
const USER = '${username}';
const PASSWORD = '${password}';

/** A script connected to `targets`. */
function script(stack: Stack, targets: IConstruct[], props: Partial<DeploymentScriptProps> = {}): DeploymentScript {
  return new DeploymentScript(stack, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, connectTo: targets, ...props });
}

/** The logical id of the script's own security group. */
function scriptSecurityGroup(template: Template): string {
  return idStartingWith(template, 'AWS::EC2::SecurityGroup', 'ScriptFunctionSecurityGroup');
}

/** Asserts that the target's group admits the script's group on `port`, and nothing admits the world on it. */
function expectIngress(template: Template, groupId: unknown, port: number): void {
  template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
    IpProtocol: 'tcp',
    FromPort: port,
    ToPort: port,
    GroupId: groupId,
    SourceSecurityGroupId: { 'Fn::GetAtt': [scriptSecurityGroup(template), 'GroupId'] },
  });
  expect(JSON.stringify(template.toJSON())).not.toMatch(/"CidrIp":"0\.0\.0\.0\/0"[^}]*"FromPort":\d+/);
}

/** Asserts that the script runs in `vpc`'s private subnets, with its own security group. */
function expectInVpc(template: Template, vpcId: string): void {
  const config = scriptFunction(template).properties.VpcConfig;
  expect(config.SecurityGroupIds).toStrictEqual([{ 'Fn::GetAtt': [scriptSecurityGroup(template), 'GroupId'] }]);
  expect(config.SubnetIds.length).toBeGreaterThan(0);
  for (const subnet of config.SubnetIds) { expect(subnet.Ref).toMatch(new RegExp(`^${vpcId}PrivateSubnet`)); }
}

/** Asserts that the script's role may read the secret whose ARN is `secretArn`. */
function expectSecretRead(template: Template, secretArn: unknown): void {
  template.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: {
      Statement: Match.arrayWith([{
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Effect: 'Allow',
        Resource: secretArn,
      }]),
    },
    Roles: [{ Ref: Match.stringLikeRegexp('^ScriptFunctionServiceRole') }],
  });
}

interface EngineCase {
  readonly title: string;
  readonly engine: rds.IInstanceEngine;
  readonly databaseName?: string;
  readonly port: number;
  readonly url: (user: string, password: string, host: string) => string;
  readonly jdbc: (user: string, password: string, host: string) => string;
  readonly dbName?: string;
}

const INSTANCE_ENGINES: EngineCase[] = [
  {
    title: 'PostgreSQL',
    engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
    databaseName: 'app',
    port: 5432,
    url: (u, p, h) => `postgresql://${u}:${p}@${h}:5432/app`,
    jdbc: (u, p, h) => `jdbc:postgresql://${h}:5432/app?user=${u}&password=${p}`,
    dbName: 'app',
  },
  {
    title: 'MySQL, no database named: none selected',
    engine: rds.DatabaseInstanceEngine.mysql({ version: rds.MysqlEngineVersion.VER_8_0_44 }),
    port: 3306,
    url: (u, p, h) => `mysql://${u}:${p}@${h}:3306`,
    jdbc: (u, p, h) => `jdbc:mysql://${h}:3306/?user=${u}&password=${p}`,
  },
  {
    title: 'MariaDB',
    engine: rds.DatabaseInstanceEngine.mariaDb({ version: rds.MariaDbEngineVersion.VER_10_11_15 }),
    databaseName: 'shop',
    port: 3306,
    url: (u, p, h) => `mariadb://${u}:${p}@${h}:3306/shop`,
    jdbc: (u, p, h) => `jdbc:mariadb://${h}:3306/shop?user=${u}&password=${p}`,
    dbName: 'shop',
  },
  {
    title: 'SQL Server: its own URL form, database master',
    engine: rds.DatabaseInstanceEngine.sqlServerSe({ version: rds.SqlServerEngineVersion.VER_16_00_4215_2_V1 }),
    port: 1433,
    url: (u, p, h) => `sqlserver://${h}:1433;databaseName=master;user=${u};password=${p}`,
    jdbc: (u, p, h) => `jdbc:sqlserver://${h}:1433;databaseName=master;user=${u};password=${p}`,
    dbName: 'master',
  },
  {
    title: 'Oracle: JDBC thin, database ORCL',
    engine: rds.DatabaseInstanceEngine.oracleSe2({ version: rds.OracleEngineVersion.VER_19 }),
    port: 1521,
    url: (u, p, h) => `oracle://${u}:${p}@${h}:1521/ORCL`,
    jdbc: (u, p, h) => `jdbc:oracle:thin:${u}/${p}@${h}:1521/ORCL`,
    dbName: 'ORCL',
  },
];

describe('connectTo a database instance defined in the app', () => {
  test.each(INSTANCE_ENGINES)('$title: variables, VPC, ingress on $port from the script, secret read', (c) => {
    // GIVEN
    const { stack } = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1 });
    const db = new rds.DatabaseInstance(stack, 'myDatabase', { engine: c.engine, vpc, databaseName: c.databaseName });

    // WHEN
    script(stack, [db]);

    // THEN
    const template = Template.fromStack(stack);
    const dbId = onlyId(template, 'AWS::RDS::DBInstance');
    const secretArn = `\${${onlyId(template, 'AWS::SecretsManager::SecretTargetAttachment')}}`;
    // Read from the secret when the script runs: placeholders, which the script's shim fills.
    const user = USER;
    const password = PASSWORD;
    const host = `\${${dbId}.Endpoint.Address}`;
    expect(targetVariables(template, 'STP_MY_DATABASE_')).toStrictEqual({
      CONNECTION_STRING: c.url(user, password, host),
      JDBC_CONNECTION_STRING: c.jdbc(user, password, host),
      HOST: host,
      PORT: String(c.port),
      ...c.dbName === undefined ? {} : { DB_NAME: c.dbName },
      SECRET_ARN: secretArn,
    });
    expectInVpc(template, 'Vpc');
    expectIngress(template, { 'Fn::GetAtt': [idStartingWith(template, 'AWS::EC2::SecurityGroup', 'myDatabaseSecurityGroup'), 'GroupId'] }, c.port);
    expectSecretRead(template, { Ref: onlyId(template, 'AWS::SecretsManager::SecretTargetAttachment') });
  });

  test('by default the connection string holds placeholders the script fills when it runs: no secret, not even a reference', () => {
    // GIVEN
    const { stack } = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1 });
    const db = new rds.DatabaseInstance(stack, 'myDatabase', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
      vpc,
      credentials: rds.Credentials.fromGeneratedSecret('app_admin'),
    });

    // WHEN
    script(stack, [db]);

    // THEN
    const template = Template.fromStack(stack);
    const environment = JSON.stringify(scriptFunction(template).properties.Environment);
    expect(environment).not.toContain('{{resolve:');
    expect(targetVariables(template, 'STP_MY_DATABASE_').CONNECTION_STRING)
      .toMatch(/^postgresql:\/\/\$\{username\}:\$\{password\}@\$\{myDatabase[A-F0-9]{8}\.Endpoint\.Address\}:5432\/postgres$/);
  });

  test('with embedded credentials, the connection string is an Fn::Join of dynamic references and endpoint attributes: no password in the template', () => {
    // GIVEN
    const { stack } = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1 });
    const instance = new rds.DatabaseInstance(stack, 'Db', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
      vpc,
      credentials: rds.Credentials.fromGeneratedSecret('app_admin'),
    });

    // WHEN
    script(stack, [DatabaseTarget.fromInstance(stack, 'myDatabase', { instance, credentials: DatabaseCredentials.EMBEDDED })]);

    // THEN
    const template = Template.fromStack(stack);
    const raw = scriptFunction(template).properties.Environment.Variables.STP_MY_DATABASE_CONNECTION_STRING;
    const parts: unknown[] = raw['Fn::Join'][1];
    expect(parts[0]).toBe('postgresql://{{resolve:secretsmanager:');
    expect(parts).toContainEqual({ Ref: onlyId(template, 'AWS::SecretsManager::SecretTargetAttachment') });
    expect(parts).toContainEqual(':SecretString:password::}}@');
    expect(parts).toContainEqual({ 'Fn::GetAtt': [onlyId(template, 'AWS::RDS::DBInstance'), 'Endpoint.Address'] });
    // The password is generated by Secrets Manager at deploy time: the template only says where it is.
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      SecretString: Match.absent(),
      GenerateSecretString: Match.objectLike({ GenerateStringKey: 'password', SecretStringTemplate: '{"username":"app_admin"}' }),
    });
    const withoutReferences = targetVariables(template, 'STP_MY_DATABASE_').CONNECTION_STRING
      .replace(/\{\{resolve:secretsmanager:.*?::\}\}/g, '<ref>');
    expect(withoutReferences).toMatch(/^postgresql:\/\/<ref>:<ref>@\$\{Db[A-F0-9]{8}\.Endpoint\.Address\}:5432\/postgres$/);
  });

  test('a password known to the app stays out of the script: its variables only refer to the secret', () => {
    // GIVEN a database whose secret holds a password written in the app
    const { stack } = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1 });
    const secret = new secretsmanager.Secret(stack, 'Secret', {
      secretObjectValue: { username: SecretValue.unsafePlainText('admin'), password: SecretValue.unsafePlainText('CANARY-p4ssw0rd') },
    });
    const db = new rds.DatabaseInstance(stack, 'myDatabase', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
      vpc,
      credentials: rds.Credentials.fromSecret(secret),
    });

    // WHEN
    script(stack, [db]);

    // THEN the secret holds it (the app wrote it there), the script's function does not
    const template = Template.fromStack(stack);
    expect(JSON.stringify(template.findResources('AWS::SecretsManager::Secret'))).toContain('CANARY');
    expect(targetVariables(template, 'STP_MY_DATABASE_').CONNECTION_STRING).toContain('${username}:${password}@');
    expect(JSON.stringify(scriptFunction(template).properties)).not.toContain('CANARY');
  });

  test('databaseName of a DatabaseTarget overrides the L2\'s', () => {
    // GIVEN
    const { stack } = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1 });
    const instance = new rds.DatabaseInstance(stack, 'Db', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }), vpc, databaseName: 'app',
    });

    // WHEN
    script(stack, [DatabaseTarget.fromInstance(stack, 'reports', { instance, databaseName: 'reports' })]);

    // THEN
    const vars = targetVariables(Template.fromStack(stack), 'STP_REPORTS_');
    expect(vars.DB_NAME).toBe('reports');
    expect(vars.CONNECTION_STRING).toMatch(/:5432\/reports$/);
  });

  test('embedded in a URL, a password generated with URL-unsafe characters is warned about; the default exclusions are not', () => {
    // GIVEN
    const { stack } = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1 });
    const engine = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 });
    const risky = new rds.DatabaseInstance(stack, 'Risky', { engine, vpc, credentials: rds.Credentials.fromGeneratedSecret('admin', { excludeCharacters: '"@/\\' }) });
    const safe = new rds.DatabaseInstance(stack, 'Safe', { engine, vpc });
    const embedded = (id: string, instance: rds.DatabaseInstance) =>
      DatabaseTarget.fromInstance(stack, id, { instance, credentials: DatabaseCredentials.EMBEDDED });

    // WHEN
    script(stack, [embedded('riskyTarget', risky), embedded('safeTarget', safe)]);

    // THEN
    const messages = warnings(stack, 'cdk-deployment-script:urlUnsafePassword');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('Stack/Risky/Secret');
    expect(messages[0]).toContain('"%"');
    expect(messages[0]).toContain('excludeCharacters');
  });
});

describe('connectTo an Aurora cluster defined in the app', () => {
  test('with readers: the READER_ variables use the reader endpoint', () => {
    // GIVEN
    const { stack } = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1 });
    const cluster = new rds.DatabaseCluster(stack, 'mainDb', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_4 }),
      vpc,
      defaultDatabaseName: 'app',
      writer: rds.ClusterInstance.provisioned('writer'),
      readers: [rds.ClusterInstance.serverlessV2('reader1'), rds.ClusterInstance.serverlessV2('reader2')],
    });

    // WHEN
    script(stack, [cluster]);

    // THEN
    const template = Template.fromStack(stack);
    const clusterId = onlyId(template, 'AWS::RDS::DBCluster');
    const secretArn = `\${${onlyId(template, 'AWS::SecretsManager::SecretTargetAttachment')}}`;
    // Read from the secret when the script runs: placeholders, which the script's shim fills.
    const user = USER;
    const password = PASSWORD;
    const host = `\${${clusterId}.Endpoint.Address}`;
    const reader = `\${${clusterId}.ReadEndpoint.Address}`;
    expect(targetVariables(template, 'STP_MAIN_DB_')).toStrictEqual({
      CONNECTION_STRING: `postgresql://${user}:${password}@${host}:5432/app`,
      JDBC_CONNECTION_STRING: `jdbc:postgresql://${host}:5432/app?user=${user}&password=${password}`,
      HOST: host,
      PORT: '5432',
      DB_NAME: 'app',
      SECRET_ARN: secretArn,
      READER_CONNECTION_STRING: `postgresql://${user}:${password}@${reader}:5432/app`,
      READER_JDBC_CONNECTION_STRING: `jdbc:postgresql://${reader}:5432/app?user=${user}&password=${password}`,
      READER_HOST: reader,
    });
    expectInVpc(template, 'Vpc');
    expectIngress(template, { 'Fn::GetAtt': [idStartingWith(template, 'AWS::EC2::SecurityGroup', 'mainDbSecurityGroup'), 'GroupId'] }, 5432);
    expectSecretRead(template, { Ref: onlyId(template, 'AWS::SecretsManager::SecretTargetAttachment') });
  });

  test('without readers: no READER_ variables; Aurora MySQL is mysql://', () => {
    // GIVEN
    const { stack } = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1 });
    const cluster = new rds.DatabaseCluster(stack, 'ordersDb', {
      engine: rds.DatabaseClusterEngine.auroraMysql({ version: rds.AuroraMysqlEngineVersion.VER_3_08_0 }),
      vpc,
      writer: rds.ClusterInstance.provisioned('writer'),
    });

    // WHEN
    script(stack, [cluster]);

    // THEN
    const template = Template.fromStack(stack);
    const vars = targetVariables(template, 'STP_ORDERS_DB_');
    expect(Object.keys(vars).sort()).toStrictEqual(['CONNECTION_STRING', 'HOST', 'JDBC_CONNECTION_STRING', 'PORT', 'SECRET_ARN']);
    expect(vars.CONNECTION_STRING).toMatch(/^mysql:\/\/\$\{username\}:\$\{password\}@\$\{ordersDb[A-Z0-9]+\.Endpoint\.Address\}:3306$/);
    expectIngress(template, { 'Fn::GetAtt': [idStartingWith(template, 'AWS::EC2::SecurityGroup', 'ordersDbSecurityGroup'), 'GroupId'] }, 3306);
  });
});

describe('connectTo an Aurora Serverless v1 cluster', () => {
  test('variables from its endpoint, VPC and ingress', () => {
    // GIVEN
    const { stack } = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1 });
    const cluster = new rds.ServerlessCluster(stack, 'legacyDb', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_13_9 }),
      vpc,
    });

    // WHEN
    script(stack, [cluster]);

    // THEN
    const template = Template.fromStack(stack);
    const clusterId = onlyId(template, 'AWS::RDS::DBCluster');
    const vars = targetVariables(template, 'STP_LEGACY_DB_');
    expect(vars.HOST).toBe(`\${${clusterId}.Endpoint.Address}`);
    expect(vars.PORT).toBe('5432');
    expect(vars.DB_NAME).toBe('postgres');
    expect(vars.READER_HOST).toBeUndefined();
    expectInVpc(template, 'Vpc');
    expectIngress(template, { 'Fn::GetAtt': [idStartingWith(template, 'AWS::EC2::SecurityGroup', 'legacyDbSecurityGroup'), 'GroupId'] }, 5432);
  });
});

describe('connectTo an imported database', () => {
  test('an imported instance wrapped in DatabaseTarget with engine, secret, database name and VPC', () => {
    // GIVEN
    const { stack } = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1 });
    const instance = rds.DatabaseInstance.fromDatabaseInstanceAttributes(stack, 'Imported', {
      instanceIdentifier: 'legacy',
      instanceEndpointAddress: 'legacy.abc.eu-west-1.rds.amazonaws.com',
      port: 5432,
      securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'LegacySg', 'sg-0123456789abcdef0')],
    });
    const secretArn = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:legacy-AbCdEf';
    const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'LegacySecret', secretArn);

    // WHEN
    script(stack, [DatabaseTarget.fromInstance(stack, 'legacyDb', {
      instance,
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
      secret,
      databaseName: 'legacy',
      vpc,
    })]);

    // THEN
    const template = Template.fromStack(stack);
    // Read from the secret when the script runs: placeholders, which the script's shim fills.
    const user = USER;
    const password = PASSWORD;
    const host = 'legacy.abc.eu-west-1.rds.amazonaws.com';
    expect(targetVariables(template, 'STP_LEGACY_DB_')).toStrictEqual({
      CONNECTION_STRING: `postgresql://${user}:${password}@${host}:5432/legacy`,
      JDBC_CONNECTION_STRING: `jdbc:postgresql://${host}:5432/legacy?user=${user}&password=${password}`,
      HOST: host,
      PORT: '5432',
      DB_NAME: 'legacy',
      SECRET_ARN: secretArn,
    });
    expectInVpc(template, 'Vpc');
    expectIngress(template, 'sg-0123456789abcdef0', 5432);
    expectSecretRead(template, secretArn);
  });

  test('an imported cluster, listed directly, takes its engine, secret, endpoints and readers from its attributes', () => {
    // GIVEN
    const { stack } = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1 });
    const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Secret', 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:orders-AbCdEf');
    const cluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'ordersDb', {
      clusterIdentifier: 'orders',
      engine: rds.DatabaseClusterEngine.auroraMysql({ version: rds.AuroraMysqlEngineVersion.VER_3_08_0 }),
      secret,
      port: 3306,
      clusterEndpointAddress: 'orders.cluster-abc.eu-west-1.rds.amazonaws.com',
      readerEndpointAddress: 'orders.cluster-ro-abc.eu-west-1.rds.amazonaws.com',
      instanceEndpointAddresses: ['orders-1.abc.eu-west-1.rds.amazonaws.com', 'orders-2.abc.eu-west-1.rds.amazonaws.com'],
      securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'OrdersSg', 'sg-0aaaaaaaaaaaaaaaa')],
    });

    // WHEN
    script(stack, [cluster], { vpc });

    // THEN
    const template = Template.fromStack(stack);
    const vars = targetVariables(template, 'STP_ORDERS_DB_');
    expect(vars.HOST).toBe('orders.cluster-abc.eu-west-1.rds.amazonaws.com');
    expect(vars.READER_HOST).toBe('orders.cluster-ro-abc.eu-west-1.rds.amazonaws.com');
    expect(vars.READER_CONNECTION_STRING).toMatch(/^mysql:\/\/.*@orders\.cluster-ro-abc\.eu-west-1\.rds\.amazonaws\.com:3306$/);
    expect(vars.PORT).toBe('3306');
    expectInVpc(template, 'Vpc');
    expectIngress(template, 'sg-0aaaaaaaaaaaaaaaa', 3306);
    expectSecretRead(template, 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:orders-AbCdEf');
  });
});

describe('IAM database authentication', () => {
  test('the script may rds-db:connect as the user; the strings carry no password; no secret is granted', () => {
    // GIVEN
    const { stack } = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1 });
    const instance = new rds.DatabaseInstance(stack, 'Db', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }), vpc, databaseName: 'app',
    });

    // WHEN
    script(stack, [DatabaseTarget.fromInstance(stack, 'appDb', { instance, iamAuthenticationUser: 'migrator' })]);

    // THEN
    const template = Template.fromStack(stack);
    const dbId = onlyId(template, 'AWS::RDS::DBInstance');
    const host = `\${${dbId}.Endpoint.Address}`;
    expect(targetVariables(template, 'STP_APP_DB_')).toStrictEqual({
      CONNECTION_STRING: `postgresql://migrator@${host}:5432/app`,
      JDBC_CONNECTION_STRING: `jdbc:postgresql://${host}:5432/app?user=migrator`,
      HOST: host,
      PORT: '5432',
      DB_NAME: 'app',
      USERNAME: 'migrator',
    });
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^ScriptFunctionServiceRole') }] } });
    // Not the script's own log and VPC policies.
    const statements = Object.entries(policies).filter(([id]) => !/^Script(LogPolicy|VpcAccessPolicy)/.test(id))
      .flatMap(([, p]: [string, any]) => p.Properties.PolicyDocument.Statement);
    expect(statements.map((s: any) => s.Action)).toStrictEqual(['rds-db:connect']);
    expect(render(statements[0].Resource)).toBe(`arn:\${AWS::Partition}:rds-db:eu-west-1:111111111111:dbuser:\${${dbId}.DbiResourceId}/migrator`);
    template.hasResourceProperties('AWS::RDS::DBInstance', { EnableIAMDatabaseAuthentication: true });
  });
});

describe('errors name the prop, the value and the fix', () => {
  const postgres = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 });

  function importedInstance(stack: Stack, attrs: Partial<rds.DatabaseInstanceAttributes> = {}): rds.IDatabaseInstance {
    return rds.DatabaseInstance.fromDatabaseInstanceAttributes(stack, 'legacyDb', {
      instanceIdentifier: 'legacy',
      instanceEndpointAddress: 'legacy.abc.eu-west-1.rds.amazonaws.com',
      port: 5432,
      securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0123456789abcdef0')],
      ...attrs,
    });
  }

  test('the VPC of an imported database cannot be inferred: give the script vpc, or the DatabaseTarget vpc', () => {
    const { stack } = newStack();
    const instance = importedInstance(stack, { engine: postgres });
    const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'Secret', 'legacy');
    const target = DatabaseTarget.fromInstance(stack, 'legacy', { instance, secret });
    expect(() => script(stack, [target])).toThrow(
      /DeploymentScript Stack\/Script: connectTo target Stack\/legacy is an RDS database instance, and the app does not know which VPC it lives in.*Give the script 'vpc' \(the VPC of Stack\/legacy\), or give it in DatabaseTarget Stack\/legacy with 'vpc'/);
  });

  test('targets in different VPCs', () => {
    const { stack } = newStack();
    const one = new rds.DatabaseInstance(stack, 'One', { engine: postgres, vpc: new ec2.Vpc(stack, 'VpcA', { natGateways: 1 }) });
    const two = new rds.DatabaseInstance(stack, 'Two', { engine: postgres, vpc: new ec2.Vpc(stack, 'VpcB', { natGateways: 1 }) });
    expect(() => script(stack, [one, two])).toThrow(/connectTo targets live in different VPCs \(Stack\/One in Stack\/VpcA, Stack\/Two in Stack\/VpcB\).*give 'vpc'/);
  });

  test('the script\'s vpc is not the database\'s', () => {
    const { stack } = newStack();
    const db = new rds.DatabaseInstance(stack, 'Db', { engine: postgres, vpc: new ec2.Vpc(stack, 'DbVpc', { natGateways: 1 }) });
    expect(() => script(stack, [db], { vpc: new ec2.Vpc(stack, 'OtherVpc', { natGateways: 1 }) }))
      .toThrow(/connectTo target Stack\/Db \(RDS database instance\) lives in Stack\/DbVpc, and the script runs in Stack\/OtherVpc/);
  });

  test('an imported database of unknown engine', () => {
    const { stack } = newStack();
    expect(() => script(stack, [importedInstance(stack)], { vpc: new ec2.Vpc(stack, 'Vpc', { natGateways: 1 }) })).toThrow(
      /connectTo target Stack\/legacyDb is an RDS database instance of unknown engine \('engine' is undefined\).*Give 'engine' when importing it \(DatabaseInstance\.fromDatabaseInstanceAttributes\), or wrap the database in DatabaseTarget\.fromInstance/);
  });

  test('an engine whose connection strings are not known', () => {
    const { stack } = newStack();
    const db2 = { engineType: 'db2-se', parameterGroupFamily: 'db2-se-11.5' } as unknown as rds.IEngine;
    expect(() => DatabaseTarget.fromInstance(stack, 'Db2', { instance: importedInstance(stack), engine: db2 })).toThrow(
      /DatabaseTarget Stack\/Db2: 'engine' is 'db2-se', an engine whose connection strings this library cannot write \(it knows postgres, .*\)\. Give the script the connection through its 'environment'/);
  });

  test('a database without a secret', () => {
    const { stack } = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1 });
    const db = new rds.DatabaseInstance(stack, 'Db', {
      engine: postgres, vpc, credentials: rds.Credentials.fromPassword('admin', SecretValue.unsafePlainText('not-a-secret')),
    });
    expect(() => script(stack, [db])).toThrow(
      /connectTo target Stack\/Db is an RDS database instance without a secret \('secret' is undefined\).*wrap the database in DatabaseTarget\.fromInstance\(this, 'Db', \{ instance, … \}\) with 'secret', or connect with IAM database authentication \('iamAuthenticationUser'\)/);
  });

  test('an imported cluster without its endpoint', () => {
    const { stack } = newStack();
    const cluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Orders', {
      clusterIdentifier: 'orders', engine: rds.DatabaseClusterEngine.auroraMysql({ version: rds.AuroraMysqlEngineVersion.VER_3_08_0 }),
    });
    expect(() => script(stack, [cluster], { vpc: new ec2.Vpc(stack, 'Vpc', { natGateways: 1 }) }))
      .toThrow(/Stack\/Orders is an Aurora cluster imported without its endpoint.*Give 'clusterEndpointAddress' and 'port' in DatabaseCluster\.fromDatabaseClusterAttributes/);
  });

  test('IAM authentication on SQL Server, on a cluster without it, and on Aurora Serverless v1', () => {
    const { stack } = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1 });
    const sqlServer = new rds.DatabaseInstance(stack, 'SqlServer', {
      engine: rds.DatabaseInstanceEngine.sqlServerSe({ version: rds.SqlServerEngineVersion.VER_16_00_4215_2_V1 }), vpc,
    });
    expect(() => script(stack, [DatabaseTarget.fromInstance(stack, 'Mssql', { instance: sqlServer, iamAuthenticationUser: 'app' })]))
      .toThrow(/'iamAuthenticationUser' is given for a sqlserver database, and RDS offers IAM database authentication for PostgreSQL, MySQL and MariaDB only/);

    const { stack: stack2 } = newStack();
    const vpc2 = new ec2.Vpc(stack2, 'Vpc', { natGateways: 1 });
    const cluster = new rds.DatabaseCluster(stack2, 'Cluster', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_4 }),
      vpc: vpc2,
      writer: rds.ClusterInstance.provisioned('writer'),
    });
    expect(() => script(stack2, [DatabaseTarget.fromCluster(stack2, 'Aurora', { cluster, iamAuthenticationUser: 'app' })]))
      .toThrow(/the cluster has IAM authentication not enabled \('iamAuthentication' is undefined\)\. Set 'iamAuthentication: true' on the cluster/);

    const serverless = new rds.ServerlessCluster(stack2, 'Serverless', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_13_9 }), vpc: vpc2,
    });
    expect(() => DatabaseTarget.fromServerlessCluster(stack2, 'Old', { cluster: serverless, iamAuthenticationUser: 'app' }))
      .toThrow(/DatabaseTarget Stack\/Old: 'iamAuthenticationUser' is given for an Aurora Serverless v1 cluster, which has no IAM database authentication/);
  });

  test('an L1 database is refused with what to list instead', () => {
    const { stack } = newStack();
    const cfn = new rds.CfnDBInstance(stack, 'Raw', { engine: 'postgres', dbInstanceClass: 'db.t3.micro' });
    expect(() => script(stack, [cfn])).toThrow(/connectTo target Stack\/Raw is an L1 AWS::RDS::DBInstance.*DatabaseInstance\.fromDatabaseInstanceAttributes.*DatabaseTarget\.fromInstance/);
  });
});
