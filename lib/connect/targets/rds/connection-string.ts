/**
 * Connection strings of relational databases, by engine. Pure: the parts may be tokens (endpoint attributes,
 * `{{resolve:secretsmanager:…}}` references), which CloudFormation joins at deploy time.
 */

/** The families of engines that share a connection-string format. */
export type EngineFamily = 'postgresql' | 'mysql' | 'mariadb' | 'sqlserver' | 'oracle';

/** What a connection string is made of. */
export interface ConnectionParts {
  readonly host: string;
  readonly port: string;
  /** The database to connect to; absent: none selected (MySQL and MariaDB only). */
  readonly database?: string;
  /** Absent: no credentials at all (a container given them in variables of their own). */
  readonly user?: string;
  /** Absent with IAM database authentication: the script signs a token at run time. */
  readonly password?: string;
}

/** RDS engine types (`rds.IEngine.engineType`) and their family. */
export function engineFamily(engineType: string): EngineFamily | undefined {
  if (engineType === 'postgres' || engineType === 'aurora-postgresql') { return 'postgresql'; }
  // 'aurora' is Aurora MySQL 5.6, the engine type before 'aurora-mysql'.
  if (engineType === 'mysql' || engineType === 'aurora-mysql' || engineType === 'aurora') { return 'mysql'; }
  if (engineType === 'mariadb') { return 'mariadb'; }
  if (engineType.startsWith('sqlserver-')) { return 'sqlserver'; }
  if (engineType.startsWith('oracle-')) { return 'oracle'; }
  return undefined;
}

/** The engine types this library knows, for messages. */
export const KNOWN_ENGINE_TYPES = [
  'postgres', 'aurora-postgresql', 'mysql', 'aurora-mysql', 'mariadb', 'sqlserver-ee', 'sqlserver-se', 'sqlserver-ex',
  'sqlserver-web', 'oracle-ee', 'oracle-se2', 'oracle-ee-cdb', 'oracle-se2-cdb',
];

/** The port RDS gives a database of the family when none is configured. */
export function defaultPort(family: EngineFamily): number {
  switch (family) {
    case 'postgresql': return 5432;
    case 'mysql':
    case 'mariadb': return 3306;
    case 'sqlserver': return 1433;
    case 'oracle': return 1521;
  }
}

/**
 * The database a connection opens when the app names none: the one every instance of the engine has.
 * MySQL and MariaDB have none meant for applications (`mysql` is the server's own schema), so a connection
 * to them selects no database.
 */
export function defaultDatabase(family: EngineFamily): string | undefined {
  switch (family) {
    case 'postgresql': return 'postgres';
    case 'sqlserver': return 'master';
    // RDS names an Oracle database ORCL when no DBName is given.
    case 'oracle': return 'ORCL';
    case 'mysql':
    case 'mariadb': return undefined;
  }
}

/** Whether RDS supports IAM database authentication for the family. */
export function supportsIamAuthentication(family: EngineFamily): boolean {
  return family === 'postgresql' || family === 'mysql' || family === 'mariadb';
}

/**
 * The URL a driver of the language takes: `postgresql://user:password@host:port/db`, `mysql://…`,
 * `mariadb://…`, `oracle://…`, and SQL Server's `sqlserver://host:port;databaseName=db;user=…;password=…`.
 */
export function connectionString(family: EngineFamily, parts: ConnectionParts): string {
  const { host, port, database, user, password } = parts;
  if (family === 'sqlserver') {
    return `sqlserver://${host}:${port}${sqlServerProperties(parts)}`;
  }
  const credentials = user === undefined ? '' : password === undefined ? `${user}@` : `${user}:${password}@`;
  const path = database === undefined ? '' : `/${database}`;
  return `${family}://${credentials}${host}:${port}${path}`;
}

/**
 * The JDBC URL: `jdbc:<engine>://host:port/db?user=…&password=…`; SQL Server's own
 * `jdbc:sqlserver://host:port;databaseName=db;user=…;password=…`; Oracle's thin driver
 * `jdbc:oracle:thin:user/password@host:port/db`.
 */
export function jdbcConnectionString(family: EngineFamily, parts: ConnectionParts): string {
  const { host, port, database, user, password } = parts;
  switch (family) {
    case 'sqlserver':
      return `jdbc:sqlserver://${host}:${port}${sqlServerProperties(parts)}`;
    case 'oracle':
      return `jdbc:oracle:thin:${user === undefined ? '' : password === undefined ? user : `${user}/${password}`}@${host}:${port}/${database ?? ''}`;
    default: {
      const query = user === undefined ? '' : password === undefined ? `?user=${user}` : `?user=${user}&password=${password}`;
      return `jdbc:${family}://${host}:${port}/${database ?? ''}${query}`;
    }
  }
}

function sqlServerProperties({ database, user, password }: ConnectionParts): string {
  const properties = [
    ...database === undefined ? [] : [`databaseName=${database}`],
    ...user === undefined ? [] : [`user=${user}`],
    ...password === undefined ? [] : [`password=${password}`],
  ];
  return properties.map((p) => `;${p}`).join('');
}
