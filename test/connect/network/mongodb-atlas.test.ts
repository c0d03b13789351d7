import { CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import { DeploymentScript, MongoDbAtlasCluster, ScriptTrigger } from '../../../lib';
import { ECHO_SCRIPT, newStack, scriptIds, transitiveDependencies } from '../../support/template';
import { idStartingWith, scriptFunction, targetVariables } from './helpers';

function script(stack: Stack, targets: IConstruct[], id = 'Script'): DeploymentScript {
  return new DeploymentScript(stack, id, { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, connectTo: targets });
}

const PROJECT = '0123456789abcdef01234567';

describe('connectTo a MongoDB Atlas cluster', () => {
  test('a database user authenticated by the script\'s role, and a connection string without credentials', () => {
    // GIVEN
    const { stack } = newStack();
    const cluster = new MongoDbAtlasCluster(stack, 'usersDb', {
      projectId: PROJECT,
      clusterName: 'users',
      srvConnectionString: 'mongodb+srv://users.abcde.mongodb.net',
      databaseName: 'users',
      roles: [{ roleName: 'readWrite', databaseName: 'users' }, { roleName: 'read', databaseName: 'audit', collectionName: 'events' }],
      profile: 'prod',
    });

    // WHEN
    script(stack, [cluster]);

    // THEN
    const template = Template.fromStack(stack);
    expect(targetVariables(template, 'STP_USERS_DB_')).toStrictEqual({
      CONNECTION_STRING: 'mongodb+srv://users.abcde.mongodb.net/users?authSource=%24external&authMechanism=MONGODB-AWS',
    });
    const users = template.findResources('MongoDB::Atlas::DatabaseUser');
    expect(Object.keys(users)).toHaveLength(1);
    const [id, user] = Object.entries(users)[0];
    expect(id).toMatch(/^ScriptMongoDbAtlasUser/);
    expect(user.Properties).toStrictEqual({
      ProjectId: PROJECT,
      Username: { 'Fn::GetAtt': [idStartingWith(template, 'AWS::IAM::Role', 'ScriptFunctionServiceRole'), 'Arn'] },
      DatabaseName: '$external',
      AWSIAMType: 'ROLE',
      Roles: [
        { RoleName: 'readWrite', DatabaseName: 'users' },
        { RoleName: 'read', DatabaseName: 'audit', CollectionName: 'events' },
      ],
      Scopes: [{ Name: 'users', Type: 'CLUSTER' }],
      Profile: 'prod',
    });
    expect(scriptFunction(template).properties.VpcConfig).toBeUndefined();
    // The script runs once its user exists.
    expect(transitiveDependencies(template, scriptIds(template)[0]).has(id)).toBe(true);
  });

  test('defaults: readWriteAnyDatabase on admin, profile default; a token SRV string', () => {
    // GIVEN
    const { stack } = newStack();
    const atlas = new CfnResource(stack, 'AtlasCluster', { type: 'MongoDB::Atlas::Cluster', properties: { ProjectId: PROJECT, Name: 'main' } });
    const srv = atlas.getAtt('ConnectionStrings.StandardSrv').toString();
    const cluster = new MongoDbAtlasCluster(stack, 'main', { projectId: PROJECT, clusterName: 'main', srvConnectionString: srv });

    // WHEN
    script(stack, [cluster]);

    // THEN
    const template = Template.fromStack(stack);
    expect(scriptFunction(template).properties.Environment.Variables.STP_MAIN_CONNECTION_STRING).toStrictEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': ['AtlasCluster', 'ConnectionStrings.StandardSrv'] }, '/?authSource=%24external&authMechanism=MONGODB-AWS']],
    });
    template.hasResourceProperties('MongoDB::Atlas::DatabaseUser', {
      Roles: [{ RoleName: 'readWriteAnyDatabase', DatabaseName: 'admin' }],
      Profile: 'default',
    });
  });

  test('two clusters of one project share the script\'s user, scoped to both; each script has its own', () => {
    // GIVEN
    const { stack } = newStack();
    const a = new MongoDbAtlasCluster(stack, 'a', { projectId: PROJECT, clusterName: 'a', srvConnectionString: 'mongodb+srv://a.x.mongodb.net' });
    const b = new MongoDbAtlasCluster(stack, 'b', {
      projectId: PROJECT, clusterName: 'b', srvConnectionString: 'mongodb+srv://b.x.mongodb.net', roles: [{ roleName: 'read', databaseName: 'b' }],
    });

    // WHEN
    script(stack, [a, b], 'One');
    script(stack, [a], 'Two');

    // THEN
    const users = Object.entries(Template.fromStack(stack).findResources('MongoDB::Atlas::DatabaseUser'));
    expect(users).toHaveLength(2);
    const one = users.find(([id]) => id.startsWith('One'))![1].Properties;
    expect(one.Scopes).toStrictEqual([{ Name: 'a', Type: 'CLUSTER' }, { Name: 'b', Type: 'CLUSTER' }]);
    expect(one.Roles).toStrictEqual([{ RoleName: 'readWriteAnyDatabase', DatabaseName: 'admin' }, { RoleName: 'read', DatabaseName: 'b' }]);
    const two = users.find(([id]) => id.startsWith('Two'))![1].Properties;
    expect(two.Scopes).toStrictEqual([{ Name: 'a', Type: 'CLUSTER' }]);
  });

  test('errors: an SRV string with credentials or options, and no roles', () => {
    const { stack } = newStack();
    expect(() => new MongoDbAtlasCluster(stack, 'Bad', {
      projectId: PROJECT, clusterName: 'c', srvConnectionString: 'mongodb+srv://user:pw@c.x.mongodb.net/?retryWrites=true',
    })).toThrow(/MongoDbAtlasCluster Stack\/Bad: 'srvConnectionString' is "mongodb\+srv:\/\/user:pw@c\.x\.mongodb\.net\/\?retryWrites=true"\. Give the cluster's SRV string alone/);
    expect(() => new MongoDbAtlasCluster(stack, 'NoRoles', {
      projectId: PROJECT, clusterName: 'c', srvConnectionString: 'mongodb+srv://c.x.mongodb.net', roles: [],
    })).toThrow(/MongoDbAtlasCluster Stack\/NoRoles: 'roles' is empty/);
  });
});
