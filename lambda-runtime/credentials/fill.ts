/**
 * Fills the connection strings of a script connected to a database with the user and password its secret holds
 * now: read when the script runs, never stored in the function's configuration, so current after a rotation. Pure
 * but for `readSecret`; the Node.js shim (deployment-script-credentials.ts) and the Python one (deployment_script_credentials.py) do the
 * same, and test/runtime/credentials.test.ts holds both to it.
 */
import { CREDENTIALS_ENV, PASSWORD_PLACEHOLDER, USERNAME_PLACEHOLDER } from '../shared/consts';

/** Reads a secret's `SecretString`; throws the service's error. */
export type ReadSecret = (secretId: string) => Promise<string | undefined>;

/**
 * Why the credentials could not be given: names the secret and the cause, never a value. (Its name holds neither
 * "secret" nor "credentials", which the failure reason's redaction takes for the key of a value.)
 */
export class DatabaseAccessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseAccessError';
  }
}

/** The manifest the construct writes: the variable holding each secret's ARN, and the variables to fill from it. */
export function parseManifest(value: string | undefined): Record<string, string[]> {
  if (!value) return {};
  const parsed: unknown = JSON.parse(value);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new DatabaseAccessError(`${CREDENTIALS_ENV} is not a JSON object`);
  return parsed as Record<string, string[]>;
}

/**
 * `value` escaped for where it goes in `template`: inside SQL Server's `;key=value` properties, braces (a `}`
 * doubled) when it holds a delimiter; in Oracle's thin URL (`user/password@`), double quotes; elsewhere (the user
 * information of a URL, a JDBC query string) percent-encoding, which the drivers decode.
 */
export function escapeFor(template: string, value: string): string {
  if (template.startsWith('sqlserver://') || template.startsWith('jdbc:sqlserver:')) {
    return /[;{}=\s]/.test(value) ? `{${value.replace(/\}/g, '}}')}}` : value;
  }
  if (template.startsWith('jdbc:oracle:')) {
    return /^[A-Za-z0-9_$#]*$/.test(value) ? value : `"${value}"`;
  }
  return encodeURIComponent(value);
}

/** `template` with the placeholders replaced by the escaped user and password. */
export function fillTemplate(template: string, username: string, password: string): string {
  return template
    .split(USERNAME_PLACEHOLDER).join(escapeFor(template, username))
    .split(PASSWORD_PLACEHOLDER).join(escapeFor(template, password));
}

/**
 * How messages name a secret: its name, then its ARN. The name first, as the failure reason's redaction takes what
 * follows `secretsmanager:` in an ARN for a secret value.
 */
export function secretLabel(secretId: string): string {
  const name = /:secret:(.+?)(?:-[A-Za-z0-9]{6})?$/.exec(secretId)?.[1];
  return name ? `'${name}' (${secretId})` : `'${secretId}'`;
}

/** Why reading a secret failed, and what to do: the service's error name and message hold no secret value. */
function readFailure(secretId: string, variables: string[], error: unknown): DatabaseAccessError {
  const name = (error as Error | undefined)?.name ?? 'Error';
  const message = (error as Error | undefined)?.message ?? String(error);
  const hints: Record<string, string> = {
    ResourceNotFoundException: 'the secret does not exist (deleted, or scheduled for deletion)',
    InvalidRequestException: 'the secret cannot be read now (scheduled for deletion?)',
    AccessDeniedException: "the script's role may not read it: connectTo grants secretsmanager:GetSecretValue and kms:Decrypt on the secret's key; a policy denies it",
    DecryptionFailure: "the secret's KMS key cannot decrypt it: is the key disabled, or does its key policy deny the script's role?",
    KMSDisabledException: "the secret's KMS key is disabled",
  };
  const hint = hints[name] ? ` (${hints[name]})` : '';
  return new DatabaseAccessError(`could not read the database secret ${secretLabel(secretId)} for ${variables.join(', ')}: ${name}: ${message}${hint}`);
}

/**
 * Fills `env`'s connection strings from the secrets the manifest names: one read per secret. The templates are the
 * values the construct wrote (kept aside on the first call, so that a warm function fills them again from the
 * templates, not from the last run's values).
 */
export async function fillCredentials(env: Record<string, string | undefined>, readSecret: ReadSecret,
  templates: Map<string, string> = new Map()): Promise<void> {
  const manifest = parseManifest(env[CREDENTIALS_ENV]);
  for (const [arnVariable, variables] of Object.entries(manifest)) {
    const secretId = env[arnVariable];
    if (!secretId) throw new DatabaseAccessError(`${arnVariable}, the database secret of ${variables.join(', ')}, is not set`);
    let secretString: string | undefined;
    try {
      secretString = await readSecret(secretId);
    } catch (error) {
      throw readFailure(secretId, variables, error);
    }
    let secret: Record<string, unknown>;
    try {
      secret = JSON.parse(secretString ?? '');
    } catch {
      throw new DatabaseAccessError(`the database secret ${secretLabel(secretId)} does not hold a JSON object (its SecretString), so it gives no user and password`);
    }
    const { username, password } = secret ?? {};
    for (const [key, value] of [['username', username], ['password', password]] as const) {
      if (typeof value !== 'string') throw new DatabaseAccessError(`the database secret ${secretLabel(secretId)} has no '${key}' string among its JSON keys`);
    }
    for (const variable of variables) {
      if (!templates.has(variable)) templates.set(variable, env[variable] ?? '');
      env[variable] = fillTemplate(templates.get(variable)!, username as string, password as string);
    }
  }
}
