/**
 * The handler of a Node.js script connected to a database with credentials read at run time: fills the connection
 * strings in `process.env` from the database's secret, then calls the script's own handler (named by
 * DEPLOYMENT_SCRIPT_HANDLER). Bundled into assets/credentials/ and copied beside the script's bundle. It logs
 * nothing: a failure is thrown, naming the secret and the cause, and reported as the script's failure.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SCRIPT_HANDLER_ENV } from '../shared/consts';
import { DatabaseAccessError, fillCredentials } from './fill';

let client: SecretsManagerClient | undefined;
const templates = new Map<string, string>();
let scriptHandler: Promise<(...args: unknown[]) => unknown> | undefined;

export async function handler(event: unknown, context: unknown): Promise<unknown> {
  await fillCredentials(process.env, async (secretId) => {
    client ??= new SecretsManagerClient({});
    return (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  }, templates);
  scriptHandler ??= loadScriptHandler();
  const own = await scriptHandler;
  // A handler written for callbacks (Node.js 22 and earlier) answers through one.
  if (own.length >= 3) {
    return new Promise((resolve, reject) => {
      const done = (error: unknown, result: unknown) => (error ? reject(error) : resolve(result));
      const returned = own(event, context, done) as Promise<unknown> | undefined;
      if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
    });
  }
  return own(event, context);
}

/** The script's handler: `<module>.<function>`, the module beside this file (`.js`, `.mjs` or `.cjs`). */
async function loadScriptHandler(): Promise<(...args: unknown[]) => unknown> {
  const name = process.env[SCRIPT_HANDLER_ENV] ?? '';
  const dot = name.lastIndexOf('.');
  if (dot <= 0) throw new DatabaseAccessError(`${SCRIPT_HANDLER_ENV} is ${JSON.stringify(name)}, not '<module>.<function>'`);
  const base = join(__dirname, name.slice(0, dot));
  const file = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((f) => existsSync(f));
  if (!file) throw new DatabaseAccessError(`the script's module ${name.slice(0, dot)} is not in ${__dirname}`);
  const loaded: Record<string, unknown> = file.endsWith('.mjs') ? await import(pathToFileURL(file).href) : require(file);
  const path = name.slice(dot + 1).split('.');
  let fn: unknown = loaded;
  for (const key of path) fn = (fn as Record<string, unknown> | undefined)?.[key];
  if (typeof fn !== 'function') throw new DatabaseAccessError(`the script's handler ${name} is not a function`);
  return fn as (...args: unknown[]) => unknown;
}
