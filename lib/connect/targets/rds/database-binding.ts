import { Annotations, CfnResource, Token, Tokenization } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { IConstruct } from 'constructs';
import { RunTimeCredentials, TargetBinding } from '../../core/binding';
import { ConnectingScript } from '../../core/connecting-script';
import { networkIngressDescription } from '../../core/ingress';
import { hasMembers, tryMember } from '../../core/members';
import { ownVpc, requireScriptInVpc } from '../../core/vpc';
import {
  connectionString, ConnectionParts, defaultDatabase, defaultPort, EngineFamily, engineFamily, jdbcConnectionString,
  KNOWN_ENGINE_TYPES, supportsIamAuthentication,
} from './connection-string';
import { DatabaseCredentials } from './database-credentials';
import { DatabaseTargetOptions } from './database-target-options';

export type DatabaseKind = 'instance' | 'cluster' | 'serverless';

/** The database a target stands for, and which kind it is. */
export interface DatabaseSource {
  readonly kind: DatabaseKind;
  readonly database: IConstruct & ec2.IConnectable;
}

const KIND_LABELS: Record<DatabaseKind, string> = {
  instance: 'an RDS database instance',
  cluster: 'an Aurora cluster',
  serverless: 'an Aurora Serverless v1 cluster',
};

const FACTORIES: Record<DatabaseKind, string> = {
  instance: "DatabaseTarget.fromInstance(this, 'Db', { instance, … })",
  cluster: "DatabaseTarget.fromCluster(this, 'Db', { cluster, … })",
  serverless: "DatabaseTarget.fromServerlessCluster(this, 'Db', { cluster, … })",
};

const ENGINE_EXAMPLES: Record<DatabaseKind, string> = {
  instance: 'rds.DatabaseInstanceEngine.postgres({ version: … })',
  cluster: 'rds.DatabaseClusterEngine.auroraPostgres({ version: … })',
  serverless: 'rds.DatabaseClusterEngine.auroraPostgres({ version: … })',
};

const IMPORTS: Record<DatabaseKind, string> = {
  instance: 'DatabaseInstance.fromDatabaseInstanceAttributes',
  cluster: 'DatabaseCluster.fromDatabaseClusterAttributes',
  serverless: 'ServerlessCluster.fromServerlessClusterAttributes',
};

/**
 * Characters that break at least one of the connection strings when they are in a password, since
 * CloudFormation cannot URL-encode the dynamic reference it resolves: the URL delimiters (`:/?#[]@`), `%`
 * (percent-decoding), `&` and `+` (JDBC query strings), `;` and braces (SQL Server), spaces and quotes.
 * `DatabaseSecret` excludes all of them by default.
 */
export const URL_UNSAFE_PASSWORD_CHARACTERS = ' "#%&\'+/:;<>?@[\\]`{|}';

/** The connection-string family of `engine`; throws, naming the engine and the fix, when it is unknown. */
export function familyOf(where: string, engineType: string, source: string): EngineFamily {
  const family = engineFamily(engineType);
  if (!family) {
    throw new Error(`${where}: ${source} is '${engineType}', an engine whose connection strings this library cannot write `
      + `(it knows ${KNOWN_ENGINE_TYPES.join(', ')}). Give the script the connection through its 'environment', `
      + 'and open the port with db.connections.allowDefaultPortFrom(script).');
  }
  return family;
}

/** What connecting a script to a relational database gives it. */
export function bindDatabase(target: IConstruct, source: DatabaseSource, options: DatabaseTargetOptions, script: ConnectingScript): TargetBinding {
  const { kind, database } = source;
  const where = `${script.where}: connectTo target ${target.node.path}`;
  const wrapped = target !== database;
  const fix = wrapped
    ? `give it in DatabaseTarget ${target.node.path}`
    : `wrap the database in ${FACTORIES[kind]}`;

  const engineType = options.engine?.engineType ?? engineTypeOf(database);
  if (engineType === undefined) {
    throw new Error(`${where} is ${KIND_LABELS[kind]} of unknown engine ('engine' is undefined), so its connection strings cannot be written. `
      + `Give 'engine' when importing it (${IMPORTS[kind]}), or ${fix} with e.g. engine: ${ENGINE_EXAMPLES[kind]}.`);
  }
  const family = familyOf(where, engineType, options.engine ? "its 'engine'" : 'its engine');

  const endpoint = tryMember<rds.Endpoint>(database, kind === 'instance' ? 'instanceEndpoint' : 'clusterEndpoint');
  if (!endpoint) {
    throw new Error(`${where} is ${KIND_LABELS[kind]} imported without its endpoint, so the script cannot be told where it is. `
      + `Give 'clusterEndpointAddress' and 'port' in ${IMPORTS[kind]}.`);
  }
  const port = portOf(database, endpoint, family);
  const host = endpoint.hostname;
  const databaseName = options.databaseName ?? definedDatabaseName(database) ?? defaultDatabase(family);

  const iamUser = options.iamAuthenticationUser;
  const secret = iamUser === undefined ? options.secret ?? secretOf(database) : undefined;
  if (iamUser !== undefined) {
    checkIamAuthentication(where, source, family);
  } else if (!secret) {
    throw new Error(`${where} is ${KIND_LABELS[kind]} without a secret ('secret' is undefined), so the script has no user and password to connect with. `
      + `Give the secret that holds them ('username' and 'password' keys): ${fix} with 'secret', or connect with IAM database authentication ('iamAuthenticationUser').`);
  }
  const embedded = secret !== undefined && options.credentials === DatabaseCredentials.EMBEDDED;
  if (embedded) { warnOnUnsafePassword(target, secret); }
  const credentials = credentialParts(script, secret, embedded, iamUser);

  const portString = Tokenization.stringifyNumber(port);
  const parts: ConnectionParts = { host, port: portString, database: databaseName, ...credentials };
  const variables: { [name: string]: string } = {
    CONNECTION_STRING: connectionString(family, parts),
    JDBC_CONNECTION_STRING: jdbcConnectionString(family, parts),
    HOST: host,
    PORT: portString,
  };
  if (databaseName !== undefined) { variables.DB_NAME = databaseName; }
  if (secret) { variables.SECRET_ARN = secret.secretArn; }
  if (iamUser !== undefined) { variables.USERNAME = iamUser; }
  const reader = kind === 'cluster' ? readerEndpointOf(database) : undefined;
  if (reader) {
    const readerParts = { ...parts, host: reader.hostname };
    variables.READER_CONNECTION_STRING = connectionString(family, readerParts);
    variables.READER_JDBC_CONNECTION_STRING = jdbcConnectionString(family, readerParts);
    variables.READER_HOST = reader.hostname;
  }

  const runTimeCredentials: RunTimeCredentials | undefined = secret && !embedded ? {
    secret,
    secretArnVariable: 'SECRET_ARN',
    filled: script.credentialPlaceholders ? Object.keys(variables).filter((name) => name.endsWith('CONNECTION_STRING')) : [],
    fromSecret: script.credentialPlaceholders ? {} : { USERNAME: 'username', PASSWORD: 'password' },
  } : undefined;

  const vpc = options.vpc ?? ownVpc(database);
  if (database.connections.securityGroups.length === 0) {
    Annotations.of(target).addWarningV2('cdk-deployment-script:databaseWithoutSecurityGroup',
      `${target.node.path} has no security group the app knows of, so scripts that connect to it are not admitted on its port. `
      + `Give 'securityGroups' when importing it (${IMPORTS[kind]}), or allow the scripts in its security group yourself.`);
  }
  return {
    kind: KIND_LABELS[kind].replace(/^an? /, ''),
    variables,
    runTimeCredentials,
    vpc,
    ingress: [{ peer: database, port: ec2.Port.tcp(port), description: networkIngressDescription(script) }],
    grant: (grantee, placed) => {
      if (!vpc) {
        requireScriptInVpc(script, placed, target, KIND_LABELS[kind], `or ${fix} with 'vpc'.`);
      }
      if (secret) {
        // Also grants decryption with the secret's key, when it has one.
        secret.grantRead(grantee);
      } else {
        (database as rds.IDatabaseInstance | rds.IDatabaseCluster).grantConnect(grantee, iamUser!);
      }
    },
  };
}

/**
 * The user and password in the connection strings. Embedded: dynamic references, which CloudFormation resolves into
* the script's configuration. At run time: the script's placeholders, which its code fills from the secret when it
 * runs (a function); or none (it gets `USERNAME` and `PASSWORD` as ECS secrets). With IAM authentication, the user alone.
 */
function credentialParts(script: ConnectingScript, secret: secretsmanager.ISecret | undefined, embedded: boolean,
  iamUser: string | undefined): Pick<ConnectionParts, 'user' | 'password'> {
  if (!secret) { return { user: iamUser! }; }
  if (embedded) {
    return { user: secret.secretValueFromJson('username').unsafeUnwrap(), password: secret.secretValueFromJson('password').unsafeUnwrap() };
  }
  return script.credentialPlaceholders ? { ...script.credentialPlaceholders } : {};
}

/**
 * The database's port as a number: the endpoint's when it is known at synth (imported references), else the
 * one configured on the L1, else the engine's default, which RDS then uses. A literal port keeps the security
 * group rule readable and free of a reference to the database; the endpoint's attribute is the last resort.
 */
function portOf(database: IConstruct, endpoint: rds.Endpoint, family: EngineFamily): number {
  const cfn = cfnDatabase(database);
  if (!Token.isUnresolved(endpoint.port) || !cfn) { return endpoint.port; }
  const configured = tryMember<string | number>(cfn, 'port');
  if (configured !== undefined && !Token.isUnresolved(configured) && Number.isInteger(Number(configured))) { return Number(configured); }
  return configured === undefined ? defaultPort(family) : endpoint.port;
}

/** The L1 behind an L2 database (its default child), if the app defines the database. */
function cfnDatabase(database: IConstruct): CfnResource | undefined {
  const child = database.node.defaultChild;
  if (!child || !CfnResource.isCfnResource(child)) { return undefined; }
  return ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster'].includes(child.cfnResourceType) ? child : undefined;
}

/**
 * The engine type of the database: its L2's `engine`, else its L1's `Engine` (an Aurora Serverless v1
 * cluster keeps its engine to itself).
 */
function engineTypeOf(database: IConstruct): string | undefined {
  const engine = tryMember<rds.IEngine>(database, 'engine');
  if (engine && typeof engine.engineType === 'string') { return engine.engineType; }
  const cfnEngine = tryMember<string>(cfnDatabase(database), 'engine');
  return typeof cfnEngine === 'string' && !Token.isUnresolved(cfnEngine) ? cfnEngine : undefined;
}

/** The database the app creates in it: `DBName` of an instance, `DatabaseName` of a cluster. */
function definedDatabaseName(database: IConstruct): string | undefined {
  const cfn = cfnDatabase(database);
  if (!cfn) { return undefined; }
  return tryMember<string>(cfn, cfn.cfnResourceType === 'AWS::RDS::DBInstance' ? 'dbName' : 'databaseName');
}

function secretOf(database: IConstruct): secretsmanager.ISecret | undefined {
  const secret = tryMember(database, 'secret');
  return hasMembers(secret, ['secretArn'], ['secretValueFromJson', 'grantRead']) ? secret as secretsmanager.ISecret : undefined;
}

/**
 * The reader endpoint, when the cluster has readers: more than one instance, or, for an imported cluster
 * whose instances are not given, a reader endpoint given on import.
 */
function readerEndpointOf(cluster: IConstruct): rds.Endpoint | undefined {
  const instances = tryMember<rds.Endpoint[]>(cluster, 'instanceEndpoints');
  if (instances !== undefined && instances.length < 2) { return undefined; }
  return tryMember<rds.Endpoint>(cluster, 'clusterReadEndpoint');
}

/** Throws, naming the fix, when the script could not authenticate as an IAM database user. */
function checkIamAuthentication(where: string, source: DatabaseSource, family: EngineFamily): void {
  const { kind, database } = source;
  if (!supportsIamAuthentication(family)) {
    throw new Error(`${where}: 'iamAuthenticationUser' is given for a ${family} database, and RDS offers IAM database authentication for PostgreSQL, MySQL and MariaDB only. `
      + "Remove 'iamAuthenticationUser': the script connects with the database's secret.");
  }
  const cfn = cfnDatabase(database);
  if (kind === 'instance') {
    if (tryMember(database, 'enableIamAuthentication') === false) {
      throw new Error(`${where}: 'iamAuthenticationUser' is given, and the instance has IAM authentication disabled ('iamAuthentication' is false). Set 'iamAuthentication: true' on it.`);
    }
    if (!cfn && !tryMember(database, 'instanceResourceId')) {
      throw new Error(`${where}: 'iamAuthenticationUser' is given for an instance imported without its resource id ('instanceResourceId' is undefined), which the 'rds-db:connect' permission names. `
        + `Give 'instanceResourceId' in ${IMPORTS[kind]}.`);
    }
  } else {
    const enabled = cfn ? tryMember(cfn, 'enableIamDatabaseAuthentication') : true;
    if (cfn && enabled !== true && !Token.isUnresolved(enabled)) {
      throw new Error(`${where}: 'iamAuthenticationUser' is given, and the cluster has IAM authentication ${enabled === false ? 'disabled' : 'not enabled'} ('iamAuthentication' is ${enabled}). `
        + "Set 'iamAuthentication: true' on the cluster.");
    }
    if (!cfn && tryMember(database, 'clusterResourceIdentifier') === undefined) {
      throw new Error(`${where}: 'iamAuthenticationUser' is given for a cluster imported without its resource id ('clusterResourceIdentifier' is undefined), which the 'rds-db:connect' permission names. `
        + `Give 'clusterResourceIdentifier' in ${IMPORTS[kind]}.`);
    }
  }
}

/**
 * Warns when the app generates the secret's password with characters that break connection strings, if the password
 * is embedded: it reaches the script through a dynamic reference, which CloudFormation resolves without URL-encoding.
 * (Read at run time, it is escaped for each string.)
 */
function warnOnUnsafePassword(target: IConstruct, secret: secretsmanager.ISecret): void {
  const generate = generatedPasswordOptions(secret);
  if (!generate || generate.excludePunctuation === true) { return; }
  const excluded = typeof generate.excludeCharacters === 'string' ? generate.excludeCharacters : '';
  if (Token.isUnresolved(excluded)) { return; }
  const unsafe = [...URL_UNSAFE_PASSWORD_CHARACTERS].filter((c) => !excluded.includes(c));
  if (unsafe.length === 0) { return; }
  Annotations.of(target).addWarningV2('cdk-deployment-script:urlUnsafePassword',
    `The password of ${secret.node.path} may contain ${unsafe.map((c) => JSON.stringify(c)).join(' ')}, which break the connection strings given to scripts `
    + "(CloudFormation cannot URL-encode a secret it embeds: 'credentials' is DatabaseCredentials.EMBEDDED). Add them to the secret's 'excludeCharacters' "
    + "(rds.DatabaseSecret excludes them by default), or read the credentials at run time (DatabaseCredentials.AT_RUN_TIME, the default), which escapes them.");
}

/** The `GenerateSecretString` of the secret's L1, when the app generates the secret (or attaches one it generates). */
function generatedPasswordOptions(secret: secretsmanager.ISecret): secretsmanager.CfnSecret.GenerateSecretStringProperty | undefined {
  // A secret attached to a database (`secret.attach(db)`) is a child of the generated secret.
  for (const construct of [secret, secret.node.scope]) {
    const cfn = construct?.node.defaultChild;
    if (cfn && CfnResource.isCfnResource(cfn) && cfn.cfnResourceType === 'AWS::SecretsManager::Secret') {
      const generate = tryMember(cfn, 'generateSecretString');
      return generate && typeof generate === 'object' && !Token.isUnresolved(generate)
        ? generate as secretsmanager.CfnSecret.GenerateSecretStringProperty
        : undefined;
    }
  }
  return undefined;
}
