import { createHash } from 'crypto';
import { CfnResource, Lazy, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ScriptInPlace, TargetBinding } from '../../core/binding';
import { ConnectingScript, connectError } from '../../core/connecting-script';
import { futurePath } from '../../core/future-path';
import { provideBinding, providedBindingAdapter } from '../../core/provided-binding';

/** A role of a MongoDB database user: a built-in or custom role on one database (or collection). */
export interface MongoDbAtlasRole {
  /** The role, e.g. `readWrite`, `read`, `readWriteAnyDatabase`, or a custom role's name. */
  readonly roleName: string;

  /** The database the role applies to (`admin` for the `…AnyDatabase` roles). */
  readonly databaseName: string;

  /**
   * The collection the role applies to.
   *
   * @default - every collection of the database
   */
  readonly collectionName?: string;
}

/** Properties of a `MongoDbAtlasCluster`. */
export interface MongoDbAtlasClusterProps {
  /** The id of the Atlas project the cluster belongs to (24 hexadecimal digits). */
  readonly projectId: string;

  /** The cluster's name in its project. The scripts' database users are scoped to it. */
  readonly clusterName: string;

  /**
   * The cluster's SRV connection string, without user, path or options: `mongodb+srv://<host>`, e.g. the
   * `ConnectionStrings.StandardSrv` attribute of a `MongoDB::Atlas::Cluster` resource.
   */
  readonly srvConnectionString: string;

  /**
   * The roles of the database users created for connected scripts.
   *
   * @default - `readWriteAnyDatabase` on `admin`: read and write every database of the cluster
   */
  readonly roles?: MongoDbAtlasRole[];

  /**
   * The database the connection string opens.
   *
   * @default - none: the driver's default database
   */
  readonly databaseName?: string;

  /**
   * The profile of the MongoDB Atlas CloudFormation resources: the API keys in the Secrets Manager secret
   * `cfn/atlas/profile/<profile>`.
   *
   * @default 'default'
   */
  readonly profile?: string;
}

/**
 * A MongoDB Atlas cluster as a `connectTo` target, reached without credentials: for each connected script, a
 * `MongoDB::Atlas::DatabaseUser` authenticated by the script's IAM role (AWS IAM type `ROLE`, scoped to the
 * cluster) is created in the script's stack, and the script gets `CONNECTION_STRING`, which authenticates
 * with its AWS credentials (`authMechanism=MONGODB-AWS`).
 *
 * The `MongoDB::Atlas::DatabaseUser` type must be activated in the account and region, with an Atlas API key
 * in the profile's secret. The script reaches the cluster over the network the cluster admits: its IP access
 * list, a peering or a private endpoint.
 */
export class MongoDbAtlasCluster extends Construct {
  /** The Atlas project id. */
  public readonly projectId: string;

  /** The cluster's name. */
  public readonly clusterName: string;

  /** The connection string scripts get: the SRV string with IAM authentication, without credentials. */
  public readonly connectionString: string;

  private readonly roles: MongoDbAtlasRole[];
  private readonly profile: string;

  constructor(scope: Construct, id: string, props: MongoDbAtlasClusterProps) {
    const path = `MongoDbAtlasCluster ${futurePath(scope, id)}`;
    const srv = props.srvConnectionString;
    if (!Token.isUnresolved(srv) && !/^mongodb(\+srv)?:\/\/[^/?@]+\/?$/.test(srv)) {
      throw new Error(`${path}: 'srvConnectionString' is ${JSON.stringify(srv)}. Give the cluster's SRV string alone, without user, path or options, `
        + "e.g. 'mongodb+srv://cluster0.abcde.mongodb.net' (the 'ConnectionStrings.StandardSrv' attribute of the cluster).");
    }
    if (props.roles !== undefined && props.roles.length === 0) {
      throw new Error(`${path}: 'roles' is empty, and Atlas requires a database user to have a role. Give at least one, e.g. { roleName: 'readWrite', databaseName: 'app' }.`);
    }
    super(scope, id);
    this.projectId = props.projectId;
    this.clusterName = props.clusterName;
    this.roles = props.roles ?? [{ roleName: 'readWriteAnyDatabase', databaseName: 'admin' }];
    this.profile = props.profile ?? 'default';
    const base = Token.isUnresolved(srv) ? srv : srv.replace(/\/$/, '');
    this.connectionString = `${base}/${props.databaseName ?? ''}?authSource=%24external&authMechanism=MONGODB-AWS`;
    provideBinding(this, MONGODB_ATLAS_CLUSTER, (script) => this.bindScript(script));
  }

  private bindScript(script: ConnectingScript): TargetBinding {
    return {
      kind: 'MongoDB Atlas cluster',
      variables: { CONNECTION_STRING: this.connectionString },
      grant: (grantee, placed) => { this.addDatabaseUser(script, grantee, placed); },
    };
  }

  /**
   * The database user of the script's role in the cluster's project. It lives in the script's stack, beside
   * the role it names: a user in the cluster's stack would make the two stacks refer to each other. Atlas
   * knows one user per role and project, so a script connected to several clusters of a project has one
   * user, scoped to all of them.
   */
  private addDatabaseUser(connecting: ConnectingScript, grantee: iam.IGrantable, placed: ScriptInPlace): void {
    const script = placed.scope;
    const role = grantee.grantPrincipal as Partial<iam.IRole>;
    if (typeof role.roleArn !== 'string') {
      const noun = connecting.noun;
      throw connectError(connecting, `connectTo target ${this.node.path} (MongoDB Atlas cluster) needs the ${noun}'s role to create its database user, `
        + `and the ${noun}'s principal is no role. Give the ${noun} an IAM role.`);
    }
    const key = createHash('sha256').update(`${this.projectId}\0${this.profile}`).digest('hex').slice(0, 8).toUpperCase();
    const id = `MongoDbAtlasUser${key}`;
    let user = USERS.get(script.node.tryFindChild(id) as CfnResource);
    if (!user) {
      user = { scopes: [], roles: new Map() };
      const entry = user;
      const resource = new CfnResource(script, id, {
        type: 'MongoDB::Atlas::DatabaseUser',
        properties: {
          ProjectId: this.projectId,
          Username: role.roleArn,
          DatabaseName: '$external',
          AWSIAMType: 'ROLE',
          Roles: Lazy.any({ produce: () => [...entry.roles.values()] }),
          Scopes: Lazy.any({ produce: () => entry.scopes.map((name) => ({ Name: name, Type: 'CLUSTER' })) }),
          Profile: this.profile,
        },
      });
      USERS.set(resource, user);
    }
    if (!user.scopes.includes(this.clusterName)) { user.scopes.push(this.clusterName); }
    for (const role of this.roles) {
      const rendered = {
        RoleName: role.roleName,
        DatabaseName: role.databaseName,
        ...role.collectionName === undefined ? {} : { CollectionName: role.collectionName },
      };
      user.roles.set(JSON.stringify(rendered), rendered);
    }
  }
}

const MONGODB_ATLAS_CLUSTER = Symbol.for('cdk-deployment-script.MongoDbAtlasCluster');

/** The clusters and roles of each database user created for scripts. */
const USERS = new WeakMap<CfnResource, { scopes: string[]; roles: Map<string, object> }>();

/** `MongoDbAtlasCluster` targets. */
export const MONGODB_ATLAS_CLUSTER_ADAPTER = providedBindingAdapter('MongoDB Atlas cluster (MongoDbAtlasCluster)', MONGODB_ATLAS_CLUSTER);
