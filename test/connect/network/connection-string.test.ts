import {
  connectionString, ConnectionParts, defaultDatabase, defaultPort, EngineFamily, engineFamily, jdbcConnectionString,
} from '../../../lib/connect/targets/rds/connection-string';

const PARTS: ConnectionParts = { host: 'db.example.com', port: '1234', database: 'app', user: 'u', password: 'p' };

describe('connection strings by engine', () => {
  test.each([
    ['postgres', 'postgresql'],
    ['aurora-postgresql', 'postgresql'],
    ['mysql', 'mysql'],
    ['aurora-mysql', 'mysql'],
    ['aurora', 'mysql'],
    ['mariadb', 'mariadb'],
    ['sqlserver-ee', 'sqlserver'],
    ['sqlserver-ex', 'sqlserver'],
    ['oracle-se2', 'oracle'],
    ['oracle-ee-cdb', 'oracle'],
    ['db2-se', undefined],
    ['neptune', undefined],
  ])('engine type %s is of family %s', (engineType, family) => {
    expect(engineFamily(engineType)).toBe(family);
  });

  test.each<[EngineFamily, string, string, number, string | undefined]>([
    ['postgresql', 'postgresql://u:p@db.example.com:1234/app', 'jdbc:postgresql://db.example.com:1234/app?user=u&password=p', 5432, 'postgres'],
    ['mysql', 'mysql://u:p@db.example.com:1234/app', 'jdbc:mysql://db.example.com:1234/app?user=u&password=p', 3306, undefined],
    ['mariadb', 'mariadb://u:p@db.example.com:1234/app', 'jdbc:mariadb://db.example.com:1234/app?user=u&password=p', 3306, undefined],
    ['sqlserver', 'sqlserver://db.example.com:1234;databaseName=app;user=u;password=p', 'jdbc:sqlserver://db.example.com:1234;databaseName=app;user=u;password=p', 1433, 'master'],
    ['oracle', 'oracle://u:p@db.example.com:1234/app', 'jdbc:oracle:thin:u/p@db.example.com:1234/app', 1521, 'ORCL'],
  ])('%s: %s, %s; default port %d, default database %s', (family, url, jdbc, port, database) => {
    expect(connectionString(family, PARTS)).toBe(url);
    expect(jdbcConnectionString(family, PARTS)).toBe(jdbc);
    expect(defaultPort(family)).toBe(port);
    expect(defaultDatabase(family)).toBe(database);
  });

  test('without a database (MySQL) and without a password (IAM authentication)', () => {
    const parts = { ...PARTS, database: undefined, password: undefined };
    expect(connectionString('mysql', parts)).toBe('mysql://u@db.example.com:1234');
    expect(jdbcConnectionString('mysql', parts)).toBe('jdbc:mysql://db.example.com:1234/?user=u');
    expect(connectionString('sqlserver', parts)).toBe('sqlserver://db.example.com:1234;user=u');
  });
});
