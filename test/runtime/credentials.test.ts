/**
 * The shims that fill a database's credentials into a script's variables when it runs: the Node.js one
 * (lambda-runtime/credentials/, as bundled into assets/credentials/) with its Secrets Manager client stubbed at the
 * wire, and the Python one run by python3 with a stub client, held to the same cases.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CREDENTIALS_ENV, CREDENTIALS_SHIM_NODE_MODULE, CREDENTIALS_SHIM_PYTHON_MODULE, SCRIPT_HANDLER_ENV } from '../../lambda-runtime/shared/consts';
import { DatabaseAccessError, escapeFor, fillCredentials } from '../../lambda-runtime/credentials/fill';

const ROOT = join(__dirname, '..', '..');
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:DbSecret-AbCdEf';
/** Every character that breaks a URL, a JDBC query string or SQL Server's properties. */
const PASSWORD = 'p@ss/w:rd?#%&+ ;{x}=';

const TEMPLATES = {
  STP_DB_CONNECTION_STRING: 'postgresql://${username}:${password}@db.example:5432/app',
  STP_DB_JDBC_CONNECTION_STRING: 'jdbc:postgresql://db.example:5432/app?user=${username}&password=${password}',
  STP_MS_CONNECTION_STRING: 'sqlserver://ms.example:1433;databaseName=master;user=${username};password=${password}',
  STP_MS_JDBC_CONNECTION_STRING: 'jdbc:sqlserver://ms.example:1433;databaseName=master;user=${username};password=${password}',
  STP_ORA_JDBC_CONNECTION_STRING: 'jdbc:oracle:thin:${username}/${password}@ora.example:1521/ORCL',
};

function environment(): Record<string, string | undefined> {
  return {
    ...TEMPLATES,
    STP_DB_SECRET_ARN: ARN,
    STP_MS_SECRET_ARN: ARN,
    STP_ORA_SECRET_ARN: ARN,
    [CREDENTIALS_ENV]: JSON.stringify({
      STP_DB_SECRET_ARN: ['STP_DB_CONNECTION_STRING', 'STP_DB_JDBC_CONNECTION_STRING'],
      STP_MS_SECRET_ARN: ['STP_MS_CONNECTION_STRING', 'STP_MS_JDBC_CONNECTION_STRING'],
      STP_ORA_SECRET_ARN: ['STP_ORA_JDBC_CONNECTION_STRING'],
    }),
  };
}

const FILLED = {
  STP_DB_CONNECTION_STRING: `postgresql://app_user:${encodeURIComponent(PASSWORD)}@db.example:5432/app`,
  STP_DB_JDBC_CONNECTION_STRING: `jdbc:postgresql://db.example:5432/app?user=app_user&password=${encodeURIComponent(PASSWORD)}`,
  STP_MS_CONNECTION_STRING: 'sqlserver://ms.example:1433;databaseName=master;user=app_user;password={p@ss/w:rd?#%&+ ;{x}}=}',
  STP_MS_JDBC_CONNECTION_STRING: 'jdbc:sqlserver://ms.example:1433;databaseName=master;user=app_user;password={p@ss/w:rd?#%&+ ;{x}}=}',
  STP_ORA_JDBC_CONNECTION_STRING: `jdbc:oracle:thin:app_user/"${PASSWORD}"@ora.example:1521/ORCL`,
};

describe('fillCredentials', () => {
  test('fills every template from one read per secret, escaping the password for each kind of string', async () => {
    const env = environment();
    const reads: string[] = [];
    await fillCredentials(env, async (id) => { reads.push(id); return JSON.stringify({ username: 'app_user', password: PASSWORD }); });
    expect(env).toMatchObject(FILLED);
    expect(reads).toEqual([ARN, ARN, ARN]);
    // The URL parses back to the password.
    expect(decodeURIComponent(new URL(env.STP_DB_CONNECTION_STRING!).password)).toBe(PASSWORD);
  });

  test('a warm function fills again from the templates: the next run sees the rotated password', async () => {
    const env = environment();
    const templates = new Map<string, string>();
    await fillCredentials(env, async () => JSON.stringify({ username: 'app_user', password: 'old' }), templates);
    await fillCredentials(env, async () => JSON.stringify({ username: 'app_user', password: 'new' }), templates);
    expect(env.STP_DB_CONNECTION_STRING).toBe('postgresql://app_user:new@db.example:5432/app');
  });

  test.each([
    ['ResourceNotFoundException', "Secrets Manager can't find the specified secret.", /ResourceNotFoundException: .*\(the secret does not exist/],
    ['AccessDeniedException', 'User: arn:aws:sts::123456789012:assumed-role/r/f is not authorized to perform: secretsmanager:GetSecretValue', /AccessDeniedException: .*may not read it/],
    ['DecryptionFailure', 'Access to KMS is not allowed: the key is disabled', /DecryptionFailure: .*KMS key cannot decrypt it/],
  ])('a secret that cannot be read (%s) fails, naming the secret, the variables and the cause', async (name, message, hint) => {
    const env = environment();
    const error = await fillCredentials(env, async () => { throw Object.assign(new Error(message), { name }); }).catch((e) => e);
    expect(error).toBeInstanceOf(DatabaseAccessError);
    expect(error.message).toContain(`could not read the database secret 'DbSecret' (${ARN}) for STP_DB_CONNECTION_STRING, STP_DB_JDBC_CONNECTION_STRING: ${name}: ${message}`);
    expect(error.message).toMatch(hint);
  });

  test.each([
    ['not JSON', `not json ${PASSWORD}`, /does not hold a JSON object/],
    ['without a password', JSON.stringify({ username: 'app_user' }), /has no 'password' string/],
  ])('a secret %s fails without showing its value', async (_, value, expected) => {
    const error = await fillCredentials(environment(), async () => value).catch((e) => e);
    expect(error.message).toMatch(expected);
    expect(error.message).not.toContain(PASSWORD);
  });

  test('without a manifest, nothing is read', async () => {
    const read = jest.fn();
    await fillCredentials({ STP_X: 'y' }, read);
    expect(read).not.toHaveBeenCalled();
  });

  test('escapeFor leaves plain values alone in SQL Server and Oracle strings', () => {
    expect(escapeFor('sqlserver://h:1;user=${username}', 'plain')).toBe('plain');
    expect(escapeFor('jdbc:oracle:thin:${username}/${password}@h:1/ORCL', 'Plain_1')).toBe('Plain_1');
  });
});

describe('the bundled Node.js shim', () => {
  test('reads the secret with the AWS SDK, fills process.env, then calls the script\'s handler with the event and context', async () => {
    // Inside the project, where the shim's require of the AWS SDK finds the package this test mocks.
    mkdirSync(join(ROOT, 'node_modules', '.cache'), { recursive: true });
    const dir = mkdtempSync(join(ROOT, 'node_modules', '.cache', 'credentials-shim-'));
    copyFileSync(join(ROOT, 'assets', 'credentials', `${CREDENTIALS_SHIM_NODE_MODULE}.js`), join(dir, `${CREDENTIALS_SHIM_NODE_MODULE}.js`));
    // NodejsFunction's CommonJS output (jest cannot import() an ES module, which the shim loads the same way otherwise).
    writeFileSync(join(dir, 'index.js'), 'exports.handler = async (event, context) => ({ event, context, url: process.env.STP_DB_CONNECTION_STRING });\n');
    const sent: any[] = [];
    jest.doMock('@aws-sdk/client-secrets-manager', () => ({
      GetSecretValueCommand: class { constructor(readonly input: unknown) {} },
      SecretsManagerClient: class { async send(command: any) { sent.push(command.input); return { SecretString: JSON.stringify({ username: 'app_user', password: PASSWORD }) }; } },
    }));
    const saved = { ...process.env };
    Object.assign(process.env, environment(), { [SCRIPT_HANDLER_ENV]: 'index.handler' });
    try {
      const shim = require(join(dir, `${CREDENTIALS_SHIM_NODE_MODULE}.js`));
      const result = await shim.handler({ n: 1 }, { functionName: 'f' });
      expect(result).toEqual({ event: { n: 1 }, context: { functionName: 'f' }, url: FILLED.STP_DB_CONNECTION_STRING });
      expect(sent).toEqual([{ SecretId: ARN }, { SecretId: ARN }, { SecretId: ARN }]);
    } finally {
      process.env = saved;
      jest.dontMock('@aws-sdk/client-secrets-manager');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the Python shim', () => {
  test('fills os.environ as the Node.js one does, then calls the script\'s handler; a read failure names the secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pyshim-'));
    copyFileSync(join(ROOT, 'assets', 'credentials', `${CREDENTIALS_SHIM_PYTHON_MODULE}.py`), join(dir, `${CREDENTIALS_SHIM_PYTHON_MODULE}.py`));
    writeFileSync(join(dir, 'script.py'), 'import os\ndef main(event, context):\n    return {k: v for k, v in os.environ.items() if k.startswith("STP_") and not k.endswith("ARN")}\n');
    writeFileSync(join(dir, 'drive.py'), [
      'import json, sys',
      `import ${CREDENTIALS_SHIM_PYTHON_MODULE} as shim`,
      'class Denied(Exception):',
      '    def __init__(self):',
      '        super().__init__("An error occurred (AccessDeniedException) when calling the GetSecretValue operation: not authorized")',
      '        self.response = {"Error": {"Code": "AccessDeniedException"}}',
      'class Client:',
      '    def __init__(self, fail): self.fail = fail',
      '    def get_secret_value(self, SecretId):',
      '        if self.fail: raise Denied()',
      `        return {"SecretString": json.dumps({"username": "app_user", "password": ${JSON.stringify(PASSWORD)}})}`,
      'shim._client = Client(False)',
      'out = {"result": shim.handler({}, None)}',
      'shim._client = Client(True)',
      'try:',
      '    shim.handler({}, None)',
      'except shim.DatabaseAccessError as error:',
      '    out["error"] = str(error)',
      'print(json.dumps(out))',
    ].join('\n'));
    const run = spawnSync('python3', ['drive.py'], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, ...environment(), [SCRIPT_HANDLER_ENV]: 'script.main' } as NodeJS.ProcessEnv,
    });
    expect(run.stderr).toBe('');
    const out = JSON.parse(run.stdout);
    expect(out.result).toEqual(FILLED);
    expect(out.error).toMatch(new RegExp(`^could not read the database secret 'DbSecret' \\(${ARN}\\) for STP_DB_CONNECTION_STRING, STP_DB_JDBC_CONNECTION_STRING: AccessDeniedException: .*may not read it`));
  });
});
