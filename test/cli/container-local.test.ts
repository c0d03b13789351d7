// What `run --local` of a task prints for the user to run by hand: which values it shows, and which it masks.
import { maskedValue } from '../../cli/container-local';

describe('maskedValue', () => {
  test.each([
    ['DB_PASSWORD', 'hunter2'],
    ['API_TOKEN', 'abc'],
    ['SIGNING_KEY', 'abc'],
    ['AWS_ACCESS_KEY_ID', 'AKIAEXAMPLE'],
    ['STP_DB_SECRET_ARN', 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:db'],
    ['ANYTHING', '{{resolve:secretsmanager:db:SecretString:password}}'],
  ])('a credential by its name or value is masked: %s', (name, value) => {
    expect(maskedValue(name, value, [])).toBe('****');
  });

  test('a variable the task takes from a secret is masked, whatever its name', () => {
    expect(maskedValue('DB_HOST', 'localhost', ['DB_HOST'])).toBe('****');
  });

  test.each([
    'postgresql://localhost:5432/app',
    'mysql://db.internal/shop',
    'redis://cache-1.example.com:6379',
    'jdbc:postgresql://localhost:5432/app',
  ])('a connection string that plainly holds no credentials is shown: %s', (value) => {
    expect(maskedValue('STP_DB_CONNECTION_STRING', value, [])).toBe(value);
  });

  test.each([
    'postgresql://postgres:hunter2@localhost:5432/app',
    'postgresql://postgres@localhost:5432/app',
    'jdbc:postgresql://localhost:5432/app?password=hunter2',
    'jdbc:sqlserver://localhost:1433;user=sa;password=hunter2',
    'Server=localhost;Database=app;User Id=sa;Password=hunter2;',
    'postgresql://localhost:5432/app?sslmode=require',
  ])('a connection string that may hold a credential is masked: %s', (value) => {
    expect(maskedValue('STP_DB_CONNECTION_STRING', value, [])).toBe('****');
  });

  test('other values are shown', () => {
    expect(maskedValue('LOG_LEVEL', 'debug', [])).toBe('debug');
  });
});
