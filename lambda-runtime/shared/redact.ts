/**
 * Credentials out of what the runtimes copy into a failure reason (CloudFormation keeps it in the stack's events,
 * which anyone who may describe the stack reads, and `cdk deploy` prints it) and out of what they log themselves.
 *
 * By pattern, because the runtime holds no secret of the script's to compare with (it is not allowed to read the
 * script's configuration, and secrets read at run time never appear there): URL credentials (`scheme://user:***@`),
 * and the value of any `key=value` / `key: value` pair whose key names a secret (password, passwd, pwd, secret, token,
 * credentials, api key, access key, private key, authorization), written plainly, quoted, as JSON (also JSON inside
 * JSON), in a query string or a JDBC URL (`;password=…;`). Literal values a caller knows to be secret go too. A secret
 * printed bare under no such name, encoded (base64, percent-encoding) or cut in two before the runtime saw it
 * (Lambda returns the last 4 KB of the log, cut by bytes) is not recognised: the README says so.
 */

export const REDACTED = '***';

// The password runs to the last '@' before the host (an unencoded '@' in it is common); a '/' ends the authority.
const URL_CREDENTIALS = /\b([a-z][\w+.-]*:\/\/[^\s:/?#@"'<>]*:)[^\s/?#"'<>]+@/gi;

const KEY = String.raw`[\w.-]*?(?:passw(?:or)?d|pwd|secret|token|credentials?|api[_-]?key|access[_-]?key|private[_-]?key|authorization)[\w.-]*`;
// The key (quoted or not, its quotes escaped when JSON is inside JSON), the separator and an auth scheme are kept;
// a quoted value runs to its closing quote (or the end of the line when cut), a bare one to a delimiter.
const PAIR = new RegExp(
  String.raw`((?:\\*["'])?\b${KEY}(?:\\*["'])?[ \t]*[:=][ \t]*(?:(?:Bearer|Basic|Token)[ \t]+)?)` +
  String.raw`(?:(\\*["'])(?:(?!\2)(?:\\.|[^\n]))*(?:\2|$)|[^\s"'&;,)}\]<>\\]+)`,
  'gim');

/** `text` without the credentials it shows, and without the literal `secrets` (those of 4 characters or more). */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  return out
    .replace(URL_CREDENTIALS, `$1${REDACTED}@`)
    .replace(PAIR, (_match, head: string, quote?: string) => head + (quote ? quote + REDACTED + quote : REDACTED));
}
