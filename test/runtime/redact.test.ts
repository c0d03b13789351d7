/**
 * Credentials out of failure reasons and the runtime's log (lambda-runtime/shared/redact.ts): each form the README's
 * failure section lists, what stays readable around it, and the literal values a caller knows.
 */
import { redact } from '../../lambda-runtime/shared/redact';

describe('redact', () => {
  test.each([
    ['a URL\'s credentials', 'connect ECONNREFUSED postgresql://app:hunter2@db.example.com:5432/app', 'connect ECONNREFUSED postgresql://app:***@db.example.com:5432/app'],
    ['a password holding @', 'mysql://root:p@ss@word@10.0.0.1/db', 'mysql://root:***@10.0.0.1/db'],
    ['a URL with an empty user', 'redis://:hunter2@cache:6379', 'redis://:***@cache:6379'],
    ['password=', 'host=db password=hunter2 sslmode=require', 'host=db password=*** sslmode=require'],
    ['pwd= and passwd=', 'Server=db;Uid=app;Pwd=hunter2;Passwd=hunter3;', 'Server=db;Uid=app;Pwd=***;Passwd=***;'],
    ['a variable named for its secret', 'PGPASSWORD=hunter2 DB_SECRET=s3cr3t GITHUB_TOKEN=ghp_abc', 'PGPASSWORD=*** DB_SECRET=*** GITHUB_TOKEN=***'],
    ['JDBC', 'jdbc:postgresql://h:5432/db;user=app;password=hunter2;ssl=true', 'jdbc:postgresql://h:5432/db;user=app;password=***;ssl=true'],
    ['a query string', 'GET /x?api_key=k3y&page=2&access_token=t0k', 'GET /x?api_key=***&page=2&access_token=***'],
    ['JSON', '{"user":"app","password":"hun\\"ter2","port":5432}', '{"user":"app","password":"***","port":5432}'],
    ['JSON inside JSON', '{"errorMessage":"{\\"password\\":\\"hunter2\\",\\"user\\":\\"app\\"}"}', '{"errorMessage":"{\\"password\\":\\"***\\",\\"user\\":\\"app\\"}"}'],
    ['a Python dict', "{'password': 'hunter2', 'host': 'db'}", "{'password': '***', 'host': 'db'}"],
    ['YAML-like', 'client_secret: abc123', 'client_secret: ***'],
    ['an Authorization header', 'Authorization: Bearer eyJhbGciOi.eyJzdWIi.sig', 'Authorization: Bearer ***'],
    ['a quoted value cut before its end', 'password="hunter2 and the rest', 'password="***"'],
    ['a value up to an escaped newline', 'token=hunter2\\nnext', 'token=***\\nnext'],
  ])('%s', (_what, text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  test.each([
    'password authentication failed for user "app"',
    'http://localhost:8080/health',
    'Unexpected token } in JSON at position 12',
    'secrets are read from Secrets Manager',
  ])('leaves text without a credential as it is: %s', (text) => {
    expect(redact(text)).toBe(text);
  });

  test('literal values a caller knows go wherever they appear, bare included', () => {
    expect(redact('dumped hunter2 twice: hunter2', ['hunter2'])).toBe('dumped *** twice: ***');
    // Too short to tell from ordinary text.
    expect(redact('a b c', ['a', 'b'])).toBe('a b c');
  });
});
