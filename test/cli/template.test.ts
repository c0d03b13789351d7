/** The command line's reading of templates and its parameter overrides, as plain functions. */
import { applyOverrides, parseParamOverrides } from '../../cli/params';
import { findScripts, localParameters, parametersMatch, type Resolver, resolveString, selectScript, unresolvedPaths } from '../../cli/template';

const resolver: Resolver = { ref: (name) => ({ 'AWS::Region': 'eu-west-1', 'AWS::URLSuffix': 'amazonaws.com', Bucket: 'my-bucket' } as Record<string, string>)[name] };
const join = (...parts: unknown[]) => ({ 'Fn::Join': ['', parts] });

describe('parametersMatch: is a record what the deployed template resolved to?', () => {
  const property = join('{"bucket":"', { Ref: 'Data' }, '","region":"', { Ref: 'AWS::Region' }, '","n":', { 'Fn::GetAtt': ['Db', 'Port'] }, '}');
  test.each<[string, boolean]>([
    ['{"bucket":"b-123","region":"eu-west-1","n":5432}', true],
    ['{"bucket":"","region":"eu-west-1","n":}', true],
    ['{"bucket":"b-123","region":"us-east-1","n":5432}', false], // a pseudo parameter is known
    ['{"bucket":"b-123","more":"x","region":"eu-west-1","n":5432}', false], // a value inside a string ends at its quote
    ['{"bucket":"b-\\"123","region":"eu-west-1","n":5432}', true], // an escaped quote is part of it
    ['{"bucket":"b-123","region":"eu-west-1","n":[1, 2]}', true], // outside a string, anything
    ['{"bucket":"b-123"}', false],
  ])('%s: %s', (recorded, match) => {
    expect(parametersMatch(property, recorded, resolver)).toBe(match);
  });

  test('a literal property matches itself only; an absent one the empty object', () => {
    expect(parametersMatch('{"a":1}', '{"a":1}', resolver)).toBe(true);
    expect(parametersMatch('{"a":1}', '{"a":2}', resolver)).toBe(false);
    expect(parametersMatch(undefined, '{}', resolver)).toBe(true);
  });

  test('a dynamic reference in literal text (resolved by CloudFormation) matches anything', () => {
    expect(parametersMatch('{"v":"{{resolve:ssm:/app/version}}"}', '{"v":"1.2.3"}', resolver)).toBe(true);
    expect(parametersMatch('{"v":"{{resolve:ssm:/app/version}}"}', '{"w":"1.2.3"}', resolver)).toBe(false);
  });

  test('literal runs must not overlap', () => {
    expect(parametersMatch(join('ab', { Ref: 'X' }, 'ba'), 'aba', resolver)).toBe(false);
    expect(parametersMatch(join('ab', { Ref: 'X' }, 'ba'), 'abba', resolver)).toBe(true);
  });
});

describe('localParameters: what can be resolved here, and markers for the rest', () => {
  test('string, number and whole-object tokens; their paths; pseudo parameters resolved', () => {
    const property = join('{"url":"https://', { Ref: 'Api' }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' },
      '/","port":', { 'Fn::GetAtt': ['Db', 'Endpoint.Port'] }, ',"list":["a","', { Ref: 'Bucket' }, '"],"o":{"k.1":"', { 'Fn::ImportValue': 'x' }, '"}}');
    const { value, unresolved } = localParameters(property, resolver, 'here');
    expect(unresolvedPaths(value, unresolved)).toEqual([
      { path: 'url', what: 'Ref Api' },
      { path: 'port', what: 'Fn::GetAtt Db.Endpoint.Port' },
      { path: 'o.k\\.1', what: 'Fn::ImportValue "x"' },
    ]);
    expect((value as any).list).toEqual(['a', 'my-bucket']);
    const fixed = applyOverrides(value, parseParamOverrides(['url=https://localhost/', 'port=5432', 'o.k\\.1=v']));
    expect(unresolvedPaths(fixed, unresolved)).toEqual([]);
    expect(fixed).toEqual({ url: 'https://localhost/', port: 5432, list: ['a', 'my-bucket'], o: { 'k.1': 'v' } });
  });

  test('a dynamic reference is unresolved, said as such', () => {
    const { value, unresolved } = localParameters('{"v":"{{resolve:ssm:/app/version}}"}', resolver, 'here');
    expect(unresolvedPaths(value, unresolved)).toEqual([{ path: 'v', what: 'a dynamic reference to ssm ({{resolve:ssm:/app/version}})' }]);
  });

  test('escaped quotes do not confuse where strings are', () => {
    const { value, unresolved } = localParameters(join('{"a":"x\\"y","b":', { Ref: 'N' }, '}'), resolver, 'here');
    expect(value).toEqual({ a: 'x"y', b: expect.stringMatching(/unresolved/) });
    expect(unresolvedPaths(value, unresolved)).toEqual([{ path: 'b', what: 'Ref N' }]);
  });
});

test('resolveString: literals, known references, joins; nothing else', () => {
  expect(resolveString(join('/aws/lambda/', { Ref: 'Bucket' }), resolver)).toBe('/aws/lambda/my-bucket');
  expect(resolveString({ Ref: 'Unknown' }, resolver)).toBeUndefined();
  expect(resolveString({ 'Fn::GetAtt': ['A', 'B'] }, resolver)).toBeUndefined();
  expect(resolveString('{{resolve:secretsmanager:s:SecretString:password}}', resolver)).toBeUndefined();
  expect(resolveString(3, resolver)).toBe('3');
});

describe('scripts and their ids', () => {
  const template = {
    Resources: {
      migrate: { Type: 'Custom::DeploymentScript', Properties: { Trigger: 'after:deploy', ScriptFunctionName: { Ref: 'Fn1' } }, Metadata: { 'aws:cdk:path': 'Stage/Stack/migrate/Default/Default' } },
      ApiseedAB12: { Type: 'Custom::DeploymentScript', Properties: { Trigger: 'after:deploy', ScriptFunctionName: { Ref: 'Fn2' } }, Metadata: { 'aws:cdk:path': 'Stage/Stack/Api/seed/Default/Default' } },
      WebseedCD34: { Type: 'Custom::DeploymentScript', Properties: { Trigger: 'before:delete' }, Metadata: { 'aws:cdk:path': 'Stage/Stack/Web/seed/Default/Default' } },
      Fn1: { Type: 'AWS::Lambda::Function', Metadata: { 'aws:cdk:path': 'Stage/Stack/migrate/Function/Resource' } },
      Fn2: { Type: 'AWS::Lambda::Function', Metadata: { 'aws:cdk:path': 'Stage/Stack/Api/seed/Function/Resource' } },
      Provider: { Type: 'AWS::Lambda::Function', Metadata: { 'aws:cdk:path': 'Stage/Stack/DeploymentScriptProvider/Runtime/Resource' } },
    },
  };
  const scripts = findScripts(template);

  test('an id is the construct path within the stack, whatever stage the stack is in', () => {
    expect(scripts.map((s) => [s.id, s.logicalId, s.functionLogicalId])).toEqual([
      ['migrate', 'migrate', 'Fn1'], ['Api/seed', 'ApiseedAB12', 'Fn2'], ['Web/seed', 'WebseedCD34', undefined],
    ]);
  });

  test('selected by id, logical id or unique end of id; ambiguity and absence are explained', () => {
    expect(selectScript(scripts, 'Api/seed', 'x').logicalId).toBe('ApiseedAB12');
    expect(selectScript(scripts, 'WebseedCD34', 'x').id).toBe('Web/seed');
    expect(() => selectScript(scripts, 'seed', 'stack S')).toThrow("script 'seed' is ambiguous in stack S: it could be Api/seed (ApiseedAB12), Web/seed (WebseedCD34). Give its full id or its logical id.");
    expect(() => selectScript(scripts, 'nope', 'stack S')).toThrow("no deployment script named 'nope' in stack S. Its scripts: migrate, Api/seed (ApiseedAB12), Web/seed (WebseedCD34).");
  });

  test('without path metadata, the logical id is the id', () => {
    const bare = findScripts({ Resources: { X1: { Type: 'Custom::DeploymentScript', Properties: {} } } });
    expect(bare.map((s) => s.id)).toEqual(['X1']);
  });
});

describe('--param', () => {
  test('values: JSON when it parses, else a string', () => {
    expect(parseParamOverrides(['a=1', 'b=true', 'c=null', 'd=x y', 'e="1"', 'f={"k":[1]}', 'g=', 'h=a=b']).map((o) => o.value))
      .toEqual([1, true, null, 'x y', '1', { k: [1] }, '', 'a=b']);
  });

  test('dotted keys create what they go through; array indexes; bad indexes are refused', () => {
    expect(applyOverrides({ a: [1, { b: 2 }] }, parseParamOverrides(['a.1.b=3', 'a.2=4', 'x.y.z=5']))).toEqual({ a: [1, { b: 3 }, 4], x: { y: { z: 5 } } });
    expect(() => applyOverrides({ a: [] }, parseParamOverrides(['a.b=1']))).toThrow(/'a' is an array of 0, and 'b' is not an index into it/);
    expect(() => parseParamOverrides(['a..b=1'])).toThrow(/has an empty part/);
  });

  test('the original is left as it was', () => {
    const original = { a: { b: 1 } };
    applyOverrides(original, parseParamOverrides(['a.b=2']));
    expect(original).toEqual({ a: { b: 1 } });
  });
});
