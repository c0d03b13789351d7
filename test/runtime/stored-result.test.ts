import { RESULT_PARAMETER_PREFIX } from '../../lambda-runtime/shared/consts';
import { resultParameterName } from '../../lambda-runtime/shared/stored-result';

describe('resultParameterName', () => {
  test('a stack name and a logical id stay as they are', () => {
    expect(RESULT_PARAMETER_PREFIX).toBe('/cdk-deployment-script/');
    expect(resultParameterName('my-stack', 'Migrate')).toBe('/cdk-deployment-script/my-stack/Migrate');
    expect(resultParameterName('Parent-ChildNestedStackResource-1A2B3C', 'SeedUsers0A1B2C3D')).toBe('/cdk-deployment-script/Parent-ChildNestedStackResource-1A2B3C/SeedUsers0A1B2C3D');
  });

  test('the longest stack name and logical id fit SSM\'s 1011 characters, ARN included', () => {
    const name = resultParameterName('S'.repeat(128), 'L'.repeat(255));
    expect(`arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter${name}`.length).toBeLessThanOrEqual(1011);
  });

  test('any other character is escaped: one level per part, only characters SSM accepts', () => {
    const name = resultParameterName('a/b', 'x.y_z é/');
    expect(name).toBe('/cdk-deployment-script/a_2Fb/x_2Ey_5Fz_20_C3_A9_2F');
    expect(name).toMatch(/^\/[A-Za-z0-9_.\-/]+$/);
    expect(name.split('/')).toHaveLength(4);
  });

  test('distinct resources never share a parameter', () => {
    const ids = ['a/b', 'a_2Fb', 'a.b', 'a_b', 'a-b', 'ab', 'a_5Fb'];
    const names = ids.flatMap((id) => [resultParameterName('s', id), resultParameterName(id, 's')]);
    expect(new Set(names).size).toBe(names.length);
  });
});
