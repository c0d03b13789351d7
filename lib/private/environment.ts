import { Token } from 'aws-cdk-lib';
import { RESERVED_ENV_PREFIX } from '../../lambda-runtime/shared/consts';
import { ScriptRef } from './script-ref';

/** Variables that Lambda sets itself and refuses to take from a function's configuration. */
const LAMBDA_RESERVED = new Set(['_HANDLER', '_X_AMZN_TRACE_ID', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR']);

/**
 * Throws an error naming the key and the fix if `key` cannot be one of a script's environment variables.
 */
export function validateEnvironmentKey(script: ScriptRef, key: string, existing: { [key: string]: string }): void {
  const fail = (problem: string, fix: string): never => script.fail(`environment variable '${key}' ${problem}. ${fix}`);
  if (Token.isUnresolved(key)) {
    fail('is a token', 'Environment variable names must be known at synth: use a literal name.');
  }
  if (!/^[a-zA-Z][a-zA-Z0-9_]*$/.test(key)) {
    fail('is not a valid name', 'Use letters, digits and underscores, starting with a letter.');
  }
  if (script.lambda && key.length < 2) {
    fail('is one character long, and Lambda takes names of two characters or more', 'Give it a longer name.');
  }
  if (script.lambda && (key.startsWith('AWS_') || LAMBDA_RESERVED.has(key))) {
    fail('is reserved by AWS Lambda', 'Choose another name: Lambda sets this one itself.');
  }
  if (key.startsWith(RESERVED_ENV_PREFIX)) {
    fail(`starts with '${RESERVED_ENV_PREFIX}', which is reserved for this library`, 'Choose another name.');
  }
  if (key in existing) {
    fail('is set twice', 'Set each variable once: remove one of them or give it another name.');
  }
}
