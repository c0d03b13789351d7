import { CfnResource, Reference, Stack, Tokenization } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { IConstruct } from 'constructs';
import { byAccess, READ_OR_WRITE, TargetAdapter } from '../../core/adapter';
import { AccessLevel } from '../../access-level';
import { TargetBinding } from '../../core/binding';
import { connectError } from '../../core/connecting-script';
import { allow } from '../../core/iam';
import { hasMembers } from '../../core/members';

/** Full control of the user pool, as the reference grants; scoped to the one pool. */
export const USER_POOL_ACTIONS = ['cognito-idp:*'];

/**
 * Read only (`AccessLevel.READ`): the pool's describe, get and list actions, and the admin actions that get and
 * list (users, their groups, devices and sign-in events), as AWS's managed `AmazonCognitoReadOnly` policy words them.
 */
export const READ_USER_POOL_ACTIONS = ['cognito-idp:Describe*', 'cognito-idp:Get*', 'cognito-idp:List*', 'cognito-idp:AdminGet*', 'cognito-idp:AdminList*'];

/** A user pool as a script sees it: its id and ARN. */
export interface PoolIdentity {
  readonly userPoolId: string;
  readonly userPoolArn: string;
}

export function isUserPool(target: IConstruct): boolean {
  return hasMembers(target, ['userPoolId', 'userPoolArn', 'userPoolProviderName']);
}

export function isUserPoolClient(target: IConstruct): boolean {
  return hasMembers(target, ['userPoolClientId']);
}

/**
 * The pool of a user pool client, if the client says which it is.
 *
 * `IUserPoolClient` holds only the client's id. A client defined in the app has an
 * `AWS::Cognito::UserPoolClient` resource whose `UserPoolId` names the pool: a reference to the pool's
 * resource when the pool is defined in the app (then the pool's own id and ARN are used), or the id of an
 * imported pool (then the ARN is built in the client's account and region, where CloudFormation creates
 * it). A client imported with `UserPoolClient.fromUserPoolClientId` has no resource: its pool is unknown.
 */
export function poolOfClient(client: cognito.IUserPoolClient): PoolIdentity | undefined {
  const resource = client.node.defaultChild;
  if (!CfnResource.isCfnResource(resource) || resource.cfnResourceType !== 'AWS::Cognito::UserPoolClient') { return undefined; }
  const userPoolId = (resource as cognito.CfnUserPoolClient).userPoolId;
  const token = Tokenization.reverseString(userPoolId).firstToken;
  const pool = token instanceof Reference ? token.target.node.scope : undefined;
  if (pool && isUserPool(pool) && (pool as cognito.IUserPool).userPoolId === userPoolId) {
    return pool as cognito.IUserPool;
  }
  return {
    userPoolId,
    userPoolArn: Stack.of(client).formatArn({ service: 'cognito-idp', resource: 'userpool', resourceName: userPoolId }),
  };
}

/** What a script connected at `access` to `pool` (and `client`, if given) gets. */
export function userPoolBinding(access: AccessLevel, pool: PoolIdentity, client?: cognito.IUserPoolClient): TargetBinding {
  return {
    kind: 'Cognito user pool',
    statements: [allow(byAccess(access, READ_USER_POOL_ACTIONS, USER_POOL_ACTIONS), [pool.userPoolArn])],
    variables: {
      ID: pool.userPoolId,
      ARN: pool.userPoolArn,
      ...client ? { CLIENT_ID: client.userPoolClientId } : {},
    },
  };
}

export const USER_POOL_ADAPTER: TargetAdapter = {
  kind: 'Cognito user pool (cognito.IUserPool)',
  matches: isUserPool,
  levels: () => READ_OR_WRITE,
  bind: (target, _script, access) => userPoolBinding(access, target as cognito.IUserPool),
};

export const USER_POOL_CLIENT_ADAPTER: TargetAdapter = {
  kind: 'Cognito user pool client defined in the app (cognito.UserPoolClient)',
  matches: isUserPoolClient,
  levels: () => READ_OR_WRITE,
  bind: (target, script, access) => {
    const client = target as cognito.IUserPoolClient;
    const pool = poolOfClient(client);
    if (!pool) {
      throw connectError(script, `connectTo cannot find the user pool of client ${client.node.path}: `
        + 'an imported client (UserPoolClient.fromUserPoolClientId) carries only its own id. '
        + "Connect to a UserPoolTarget instead: new UserPoolTarget(this, 'Auth', { userPool, client }).");
    }
    return userPoolBinding(access, pool, client);
  },
};
