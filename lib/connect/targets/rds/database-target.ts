import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { futurePath } from '../../core/future-path';
import { provideBinding, providedBindingAdapter } from '../../core/provided-binding';
import { bindDatabase, DatabaseSource, familyOf } from './database-binding';
import {
  DatabaseClusterTargetProps, DatabaseInstanceTargetProps, DatabaseTargetOptions, ServerlessClusterTargetProps,
} from './database-target-options';

/**
 * A relational database as a `connectTo` target, with what the app cannot tell on its own: the engine,
 * database name, secret or VPC of an imported database, or IAM database authentication.
 *
 * A database defined in the app (`rds.DatabaseInstance`, `rds.DatabaseCluster`, `rds.ServerlessCluster`)
 * can be listed in `connectTo` directly; wrap it only to change what the script connects with. The target's
 * name in the script's variables is this construct's id.
 */
export class DatabaseTarget extends Construct implements ec2.IConnectable {
  /** A database instance as a target. */
  public static fromInstance(scope: Construct, id: string, props: DatabaseInstanceTargetProps): DatabaseTarget {
    return new DatabaseTarget(scope, id, { kind: 'instance', database: props.instance }, props);
  }

  /** An Aurora cluster as a target. Its reader endpoint gives the `READER_*` variables when it has readers. */
  public static fromCluster(scope: Construct, id: string, props: DatabaseClusterTargetProps): DatabaseTarget {
    return new DatabaseTarget(scope, id, { kind: 'cluster', database: props.cluster }, props);
  }

  /** An Aurora Serverless v1 cluster as a target. */
  public static fromServerlessCluster(scope: Construct, id: string, props: ServerlessClusterTargetProps): DatabaseTarget {
    return new DatabaseTarget(scope, id, { kind: 'serverless', database: props.cluster }, props);
  }

  /** The database's network connections: a script connected to the target is admitted on its port. */
  public readonly connections: ec2.Connections;

  private constructor(scope: Construct, id: string, source: DatabaseSource, options: DatabaseTargetOptions) {
    validateOptions(futurePath(scope, id), source, options);
    super(scope, id);
    this.connections = source.database.connections;
    provideBinding(this, DATABASE_TARGET, (script) => bindDatabase(this, source, options, script));
  }
}

const DATABASE_TARGET = Symbol.for('cdk-deployment-script.DatabaseTarget');

/** `DatabaseTarget`s. */
export const DATABASE_TARGET_ADAPTER = providedBindingAdapter('relational database (DatabaseTarget)', DATABASE_TARGET);

/** Checks a `DatabaseTarget`'s options before it is created. */
function validateOptions(path: string, source: DatabaseSource, options: DatabaseTargetOptions): void {
  const where = `DatabaseTarget ${path}`;
  if (options.engine !== undefined) { familyOf(where, options.engine.engineType, "'engine'"); }
  if (options.iamAuthenticationUser !== undefined) {
    if (Token.isUnresolved(options.iamAuthenticationUser) || options.iamAuthenticationUser === '') {
      throw new Error(`${where}: 'iamAuthenticationUser' is ${JSON.stringify(options.iamAuthenticationUser)}. Give the name of the database user, e.g. 'app_migrations'.`);
    }
    if (options.credentials !== undefined) {
      throw new Error(`${where}: 'credentials' is given with 'iamAuthenticationUser', which connects with a signed token and no secret. Remove 'credentials'.`);
    }
    if (source.kind === 'serverless') {
      throw new Error(`${where}: 'iamAuthenticationUser' is given for an Aurora Serverless v1 cluster, which has no IAM database authentication. Remove it: the script connects with the cluster's secret.`);
    }
  }
}
