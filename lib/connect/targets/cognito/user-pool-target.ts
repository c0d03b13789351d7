import { Token } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { futurePath } from '../../core/future-path';
import { READ_OR_WRITE } from '../../core/adapter';
import { LIBRARY_TARGET, provideBinding } from '../../core/provided-binding';
import { isUserPool, isUserPoolClient, poolOfClient, userPoolBinding } from './user-pool';

/**
 * Properties of a `UserPoolTarget`.
 */
export interface UserPoolTargetProps {
  /** The user pool. */
  readonly userPool: cognito.IUserPool;

  /**
   * A client of the pool, whose id the script gets in `CLIENT_ID`.
   *
   * @default - no client: no `CLIENT_ID` variable
   */
  readonly client?: cognito.IUserPoolClient;
}

/**
 * A Cognito user pool and one of its clients, for a deployment script: list it in `connectTo`.
 *
 * A pool (`cognito.IUserPool`) or a client defined in the app (`pool.addClient()`, `new UserPoolClient()`)
 * can be listed in `connectTo` directly. A client imported with `UserPoolClient.fromUserPoolClientId`
 * carries only its id, so its pool cannot be found: name both here.
 *
 * The script gets `cognito-idp:*` on the pool (read only, `AccessLevel.READ`: its describe, get and list actions), and
 * the variables `ID`, `ARN` and, with a client, `CLIENT_ID`.
 */
export class UserPoolTarget extends Construct {
  constructor(scope: Construct, id: string, props: UserPoolTargetProps) {
    super(scope, validate(futurePath(scope, id), props) ?? id);
    const { userPool, client } = props;
    provideBinding(this, LIBRARY_TARGET, (_script, access) => userPoolBinding(access, userPool, client), READ_OR_WRITE);
  }
}

function validate(path: string, props: UserPoolTargetProps): undefined {
  if (!props.userPool || !isUserPool(props.userPool)) {
    throw new Error(`UserPoolTarget ${path}: 'userPool' is ${props.userPool ? props.userPool.node?.path ?? typeof props.userPool : 'missing'}, not a cognito.IUserPool. `
      + 'Give a UserPool or an imported one (UserPool.fromUserPoolId, UserPool.fromUserPoolArn).');
  }
  if (props.client === undefined) { return undefined; }
  if (!isUserPoolClient(props.client)) {
    throw new Error(`UserPoolTarget ${path}: 'client' is ${props.client?.node?.path ?? typeof props.client}, not a cognito.IUserPoolClient. `
      + 'Give a client of the pool (userPool.addClient(), UserPoolClient.fromUserPoolClientId), or leave it out.');
  }
  // Only when both ids are known at synth, or both are tokens, can they be told apart.
  const own = poolOfClient(props.client)?.userPoolId;
  const given = props.userPool.userPoolId;
  if (own !== undefined && own !== given && Token.isUnresolved(own) === Token.isUnresolved(given)) {
    throw new Error(`UserPoolTarget ${path}: client ${props.client.node.path} belongs to another user pool than ${props.userPool.node.path}. `
      + 'Give the pool the client was created for.');
  }
  return undefined;
}
