/**
 * Real PostgreSQL servers standing in for RDS instances: when the harness creates an `AWS::RDS::DBInstance`
 * of a PostgreSQL engine, a private cluster is initialized in a temporary directory (`initdb`, Debian's
 * `postgresql` package: scripts/setup-postgres.sh installs it) and started, with the master user and password
 * the instance was given (resolved from the harness's Secrets Manager, as CloudFormation resolves them) and
 * its database; the instance's `Endpoint.Address` and `Endpoint.Port` are the server's. Deleting the instance
 * records what it held (as RDS's final snapshot would) and stops the server.
 *
 * Like RDS for PostgreSQL 15+ (`rds.force_ssl`), a server accepts only TLS connections over TCP, with a
 * password (scram-sha-256): a script that gets the password or the encryption wrong fails as it would on AWS.
 * Each server listens on its own loopback address (127.x.y.z) at the instance's port, so that connection
 * strings built with the template's port (5432) reach it, and several instances can run at once.
 *
 * PostgreSQL refuses to run as root: as root, the servers run as the `postgres` user (or `nobody`).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { ResourceHook, ResourceHookEvent, ResourceHookResult } from './cloudformation';

const ADMIN = 'harness_admin';

/** What a deleted instance held: its tables and their row counts, by database. */
export type Snapshot = Record<string, Record<string, number>>;

/** One running server. */
export class PostgresServer {
  /** Starts a server on a loopback address at `port`. */
  static async start(port: number): Promise<PostgresServer> {
    const bin = postgresBinaries();
    const dir = mkdtempSync(join(tmpdir(), 'e2e-postgres-'));
    const user = process.getuid?.() === 0 ? (userExists('postgres') ? 'postgres' : 'nobody') : undefined;
    const run = (command: string, args: string[]) => execFileSync(
      user ? 'runuser' : command,
      user ? ['-u', user, '--', command, ...args] : args,
      { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir },
    );
    if (user) execFileSync('chown', [user, dir]);
    chmodSync(dir, 0o700);
    const data = join(dir, 'data');
    run(join(bin, 'initdb'), ['-D', data, '-U', ADMIN, '-E', 'UTF8', '--locale=C', '--auth-local=trust', '--auth-host=scram-sha-256', '--no-sync']);
    // Only TLS over TCP, with a password: as RDS with rds.force_ssl.
    writeFileSync(join(data, 'pg_hba.conf'), 'local all all trust\nhostssl all all 127.0.0.0/8 scram-sha-256\n');
    run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-keyout', join(data, 'server.key'), '-out', join(data, 'server.crt'), '-subj', '/CN=e2e-postgres']);
    chmodSync(join(data, 'server.key'), 0o600);

    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      const host = `127.${1 + (randomBytes(1)[0] % 250)}.${randomBytes(1)[0]}.${1 + (randomBytes(1)[0] % 250)}`;
      const options = [
        `-c listen_addresses=${host}`, `-c port=${port}`, `-c unix_socket_directories=${dir}`,
        '-c ssl=on', '-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off',
      ].join(' ');
      try {
        run(join(bin, 'pg_ctl'), ['start', '-w', '-t', '30', '-D', data, '-l', join(dir, 'server.log'), '-o', options]);
        return new PostgresServer(bin, dir, data, host, port, run);
      } catch (error) {
        lastError = error;
      }
    }
    const log = existsSync(join(dir, 'server.log')) ? readFileSync(join(dir, 'server.log'), 'utf8') : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start on port ${port}: ${String((lastError as any)?.stderr ?? lastError)}\n${log}`);
  }

  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    private readonly data: string,
    /** The address the server listens on. */
    readonly host: string,
    readonly port: number,
    private readonly run: (command: string, args: string[]) => Buffer,
  ) {}

  /** Runs SQL as the cluster's superuser, through its Unix socket. */
  async query<T extends Record<string, any> = Record<string, any>>(sql: string, params: unknown[] = [], database = 'postgres'): Promise<T[]> {
    const client = new Client({ host: this.dir, port: this.port, user: ADMIN, database });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** Creates the master user and database of an RDS instance (the master user may create roles and databases, not a superuser). */
  async createInstanceDatabase(user: string, password: string, database: string): Promise<void> {
    const client = new Client({ host: this.dir, port: this.port, user: ADMIN, database: 'postgres' });
    await client.connect();
    try {
      await client.query(`CREATE ROLE ${client.escapeIdentifier(user)} LOGIN CREATEDB CREATEROLE PASSWORD ${client.escapeLiteral(password)}`);
      if (database !== 'postgres') await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)} OWNER ${client.escapeIdentifier(user)}`);
    } finally {
      await client.end();
    }
  }

  /** The tables of every database and their row counts. */
  async snapshot(): Promise<Snapshot> {
    const databases = await this.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname NOT IN ('template0', 'template1')");
    const out: Snapshot = {};
    for (const { datname } of databases) {
      const tables = await this.query<{ name: string }>("SELECT schemaname || '.' || tablename AS name FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')", [], datname);
      out[datname] = {};
      for (const { name } of tables) {
        const [{ count }] = await this.query<{ count: string }>(`SELECT count(*) FROM ${name}`, [], datname);
        out[datname][name] = Number(count);
      }
    }
    return out;
  }

  /** The server's log. */
  log(): string {
    const file = join(this.dir, 'server.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  async stop(): Promise<void> {
    try {
      this.run(join(this.bin, 'pg_ctl'), ['stop', '-m', 'immediate', '-w', '-D', this.data]);
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** An RDS instance the harness created, and its server. */
export interface PostgresInstance {
  readonly stackName: string;
  readonly logicalId: string;
  readonly server: PostgresServer;
  /** The master user, password and database, as CloudFormation gave them to the instance. */
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/**
 * RDS for PostgreSQL, for the harness: an `onResource` hook that starts a server for each PostgreSQL
 * instance the harness creates, and stops it when the instance is deleted.
 */
export class PostgresInstances {
  /** Instances that exist now, by `stackName/logicalId`. */
  readonly instances = new Map<string, PostgresInstance>();
  /** What deleted instances held when they were deleted, by `stackName/logicalId`. */
  readonly finalSnapshots = new Map<string, Snapshot>();
  /**
   * Runs after an instance's server starts, before the stack goes on: to put the database in a state
   * (e.g. a conflicting table) before the scripts run.
   */
  afterCreate?: (instance: PostgresInstance) => Promise<void>;

  /** The hook to pass to the harness (`onResource`); other resources pass through `next`. */
  hook(next?: ResourceHook): ResourceHook {
    return async (event: ResourceHookEvent): Promise<void | ResourceHookResult> => {
      if (event.type !== 'AWS::RDS::DBInstance' || !String(event.properties.Engine).startsWith('postgres')) return next?.(event);
      const key = `${event.stack.stackName}/${event.logicalId}`;
      if (event.action === 'Create') {
        const { MasterUsername: user, MasterUserPassword: password, DBName: database = 'postgres' } = event.properties;
        if (typeof user !== 'string' || typeof password !== 'string') return { fail: 'the harness needs MasterUsername and MasterUserPassword' };
        const server = await PostgresServer.start(Number(event.attributes['Endpoint.Port']));
        await server.createInstanceDatabase(user, password, database);
        const instance = { stackName: event.stack.stackName, logicalId: event.logicalId, server, user, password, database };
        this.instances.set(key, instance);
        await this.afterCreate?.(instance);
        return { attributes: { 'Endpoint.Address': server.host, 'Endpoint.Port': String(server.port) } };
      }
      if (event.action === 'Delete') {
        const instance = this.instances.get(key);
        if (instance) {
          this.finalSnapshots.set(key, await instance.server.snapshot());
          this.instances.delete(key);
          await instance.server.stop();
        }
      }
      return undefined;
    };
  }

  /** The instance of a stack (its only one, or by logical id). */
  instance(stackName: string, logicalId?: string): PostgresInstance {
    const found = [...this.instances.values()].filter((i) => i.stackName === stackName && (!logicalId || i.logicalId === logicalId));
    if (found.length !== 1) throw new Error(`${found.length} PostgreSQL instances in ${stackName}${logicalId ? `/${logicalId}` : ''}`);
    return found[0];
  }

  /** Stops every server. */
  async stopAll(): Promise<void> {
    for (const instance of this.instances.values()) await instance.server.stop().catch(() => undefined);
    this.instances.clear();
  }
}

/** The directory of PostgreSQL's server programs. */
function postgresBinaries(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (versions.length === 0) {
    throw new Error('the PostgreSQL server is not installed (no /usr/lib/postgresql/*/bin/initdb): run scripts/setup-postgres.sh, or set PG_BIN');
  }
  return join(base, versions[0], 'bin');
}

function userExists(name: string): boolean {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
