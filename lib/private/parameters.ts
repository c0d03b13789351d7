import { CfnDynamicReference, IResolvable, SecretValue, Stack, Token, Tokenization } from 'aws-cdk-lib';
import { ScriptRef } from './script-ref';

/** CloudFormation dynamic references that resolve to a secret at deploy time. */
const SECRET_REFERENCE = /\{\{resolve:(secretsmanager|ssm-secure):/;

const FIX = 'Pass secrets to the script through `environment` instead: parameters are written to the template in clear text.';
const TASK_FIX = 'Pass secrets to the task through `secrets` (or `environment`) instead: parameters are written to the template in clear text.';

/**
 * Checks, before anything is created, that `parameters` can travel as one JSON document and holds no secret
 * that can be seen without resolving the app. Throws an error naming the prop path, the value and the fix.
 *
 * Secrets hidden behind lazy tokens are found later by {@link findSecretReference} on the resolved document.
 */
export function validateParameters(script: ScriptRef, parameters: { [key: string]: any }, stack: Stack): void {
  const seen = new Set<object>();
  const secretFix = fixFor(script);
  const fail = (path: string, problem: string, fix: string): never => script.fail(`${path} ${problem}. ${fix}`);

  const visit = (value: any, path: string): void => {
    if (value === null || typeof value === 'boolean') { return; }
    if (typeof value === 'string') {
      if (SECRET_REFERENCE.test(value)) {
        fail(path, `is a secret reference (${JSON.stringify(truncate(value))})`, secretFix);
      }
      if (Token.isUnresolved(value)) {
        for (const token of Tokenization.reverseString(value).tokens) { visitToken(token, path); }
      }
      return;
    }
    if (typeof value === 'number') {
      if (Token.isUnresolved(value)) {
        const token = Tokenization.reverseNumber(value);
        if (token) { visitToken(token, path); }
        return;
      }
      if (!Number.isFinite(value)) {
        fail(path, `is ${value}, which JSON cannot represent`, 'Pass a finite number, a string or null.');
      }
      return;
    }
    if (value === undefined) {
      fail(path, 'is undefined, which JSON drops', 'Remove the key, or pass null.');
    }
    if (typeof value !== 'object') {
      fail(path, `is a ${typeof value}, which JSON cannot represent`, 'Pass strings, numbers, booleans, null, arrays and plain objects only.');
    }
    if (SecretValue.isSecretValue(value)) {
      fail(path, 'is a SecretValue', secretFix);
    }
    if (Tokenization.isResolvable(value)) {
      visitToken(value, path);
      return;
    }
    if (seen.has(value)) {
      fail(path, 'refers back to one of its own parents', 'Pass a tree: JSON cannot represent a circular structure.');
    }
    seen.add(value);
    if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, `${path}[${i}]`));
    } else {
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        const kind = value.constructor?.name ?? 'object';
        fail(path, `is an instance of ${kind}, not a plain object`, 'Convert it to strings, numbers, booleans, arrays and plain objects (a Date to an ISO string, for example).');
      }
      for (const [key, item] of Object.entries(value)) { visit(item, `${path}.${key}`); }
    }
    seen.delete(value);
  };

  const visitToken = (token: IResolvable, path: string): void => {
    if (SecretValue.isSecretValue(token)) {
      fail(path, 'holds a SecretValue', secretFix);
    }
    // A dynamic reference resolves to a constant string, so it can be checked now (a Lazy could not).
    if (token instanceof CfnDynamicReference) {
      const reference = findSecretReference(stack.resolve(token));
      if (reference) { fail(path, `holds a secret reference (${JSON.stringify(reference)})`, secretFix); }
    }
  };

  visit(parameters, 'parameters');
}

/**
 * Returns the first CloudFormation secret dynamic reference (`{{resolve:secretsmanager:…}}`,
 * `{{resolve:ssm-secure:…}}`) found in a resolved value, or undefined.
 */
export function findSecretReference(resolved: any): string | undefined {
  if (typeof resolved === 'string') {
    const match = SECRET_REFERENCE.exec(resolved);
    return match ? truncate(resolved.slice(match.index)) : undefined;
  }
  if (Array.isArray(resolved)) {
    // A reference split across the parts of an Fn::Join is found in the joined literal text.
    const literal = resolved.filter((x) => typeof x === 'string').join('');
    if (SECRET_REFERENCE.test(literal)) { return truncate(literal.slice(literal.search(SECRET_REFERENCE))); }
    for (const item of resolved) {
      const found = findSecretReference(item);
      if (found) { return found; }
    }
    return undefined;
  }
  if (resolved && typeof resolved === 'object') {
    for (const item of Object.values(resolved)) {
      const found = findSecretReference(item);
      if (found) { return found; }
    }
  }
  return undefined;
}

export function secretReferenceError(script: ScriptRef, reference: string): string {
  return script.error(`parameters hold a secret reference (${JSON.stringify(reference)}). ${fixFor(script)}`).message;
}

function fixFor(script: ScriptRef): string {
  return script.lambda ? FIX : TASK_FIX;
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * The most bytes a script's parameters may take as JSON. CloudFormation hands a custom resource's properties to the
 * provider in an asynchronous Lambda invocation, whose payload Lambda caps at 256 KiB, and an update carries the old
 * properties beside the new: half of it, less room for the rest of the request.
 */
export const MAX_SCRIPT_PARAMETERS_BYTES = 120 * 1024;

/**
 * The size check of a `DeploymentScript`'s parameters, once the app is resolved (references count as their
 * CloudFormation form: what the template holds).
 */
export function parametersSizeError(script: ScriptRef, stack: Stack, parameters: { [key: string]: any }): string | undefined {
  const resolved = stack.resolve(stack.toJsonString(parameters));
  const size = Buffer.byteLength(typeof resolved === 'string' ? resolved : JSON.stringify(resolved), 'utf8');
  return size > MAX_SCRIPT_PARAMETERS_BYTES
    ? script.error(`'parameters' take ${size} bytes as JSON, over the ${MAX_SCRIPT_PARAMETERS_BYTES} that CloudFormation `
      + 'can hand to the script (it sends them to the provider in an asynchronous Lambda invocation, twice on an update). '
      + 'Pass large data another way: put it in an S3 object or an SSM parameter and pass its name.').message
    : undefined;
}
