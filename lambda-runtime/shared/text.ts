/**
 * Text helpers for what ends up in a CloudFormation response: sizes are counted as CloudFormation counts
 * them (UTF-8 of the JSON-escaped string), and cuts never split a code point or separate a character from
 * the marks that modify it.
 */

// An escape character as text carries it: itself, or written out by an encoder, as Lambda's JSON error reports and
// JSON log lines carry a script's colours: JSON's \u001b (\\u001b when JSON is inside JSON), a language's \x1b, \033.
const E = String.raw`(?:\x1b|\\+(?:u001[bB]|x1[bB]|033))`;
const BEL = String.raw`(?:\x07|\\+(?:u0007|x07))`;
// CSI (ESC [ or C1 0x9b), OSC (ESC ] or 0x9d, up to BEL or ST: hyperlinks are ESC ] 8 ; ; url ST), DCS/SOS/PM/APC
// strings, a lone ST, then any other escape sequence (ESC, intermediates, final byte). String sequences stop at a
// newline or a backslash (where an escaped terminator starts), so that an unterminated one cannot swallow a log.
const ANSI = new RegExp([
  String.raw`(?:${E}\[|\x9b|\\+u009[bB])[0-?]*[ -/]*[@-~]`,
  String.raw`(?:${E}\]|\x9d)[^\x07\x1b\x9c\n\\]*(?:${BEL}|${E}\\+|\x9c)?`,
  String.raw`${E}[PX^_][^\x07\x1b\x9c\n\\]*(?:${E}\\+|\x9c)?`,
  String.raw`${E}(?:\\+|[ -/]*[0-~])`,
].join('|'), 'g');
// C0 and C1 controls except tab and newline (a lone ESC left by a cut sequence goes here too), raw or JSON-escaped.
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]|\\+u00(?:0[0-8bcefBCEF]|1[0-9a-fA-F]|7[fF])/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// Code points that belong to the character before them: combining marks (variation selectors included),
// zero-width joiner, emoji skin tones, tag characters.
const EXTENDER = /^[\p{M}\u200d\u{1f3fb}-\u{1f3ff}\u{e0020}-\u{e007f}]$/u;

export const ELLIPSIS = '…';

/** Removes terminal escape sequences and control characters (newline and tab stay). */
export function sanitize(text: string): string {
  // Lambda's Node runtime writes a multi-line message with \r between its lines (one log event).
  return text.replace(ANSI, '').replace(/\r\n?/g, '\n').replace(CONTROL, '').replace(LONE_SURROGATE, '\ufffd');
}

/** Bytes `text` takes inside a JSON string (UTF-8, escaped), without the quotes. */
export function jsonBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8') - 2;
}

function codePointBytes(cp: number): number {
  if (cp < 0x20) return cp === 8 || cp === 9 || cp === 10 || cp === 12 || cp === 13 ? 2 : 6;
  if (cp === 0x22 || cp === 0x5c) return 2;
  if (cp < 0x80) return 1;
  if (cp < 0x800) return 2;
  if (cp >= 0xd800 && cp <= 0xdfff) return 6; // JSON.stringify escapes a lone surrogate
  return cp < 0x10000 ? 3 : 4;
}

function isExtender(text: string, index: number): boolean {
  const cp = text.codePointAt(index);
  return cp !== undefined && EXTENDER.test(String.fromCodePoint(cp));
}

function previousIndex(text: string, index: number): number {
  const low = text.charCodeAt(index - 1);
  const high = text.charCodeAt(index - 2);
  return low >= 0xdc00 && low <= 0xdfff && high >= 0xd800 && high <= 0xdbff ? index - 2 : index - 1;
}

/** The head of `text` within `maxBytes` (JSON-escaped), ending with `…` when cut. */
export function keepHead(text: string, maxBytes: number): string {
  if (jsonBytes(text) <= maxBytes) return text;
  const room = maxBytes - jsonBytes(ELLIPSIS);
  if (room <= 0) return '';
  let used = 0;
  let end = 0;
  while (end < text.length) {
    const cp = text.codePointAt(end)!;
    const bytes = codePointBytes(cp);
    if (used + bytes > room) break;
    used += bytes;
    end += cp > 0xffff ? 2 : 1;
  }
  // Do not strand a base character without its marks, or end on a joiner.
  while (end > 0 && (isExtender(text, end) || text.charCodeAt(end - 1) === 0x200d)) end = previousIndex(text, end);
  return text.slice(0, end) + ELLIPSIS;
}

/** The tail of `text` within `maxBytes` (JSON-escaped), starting with `…` when cut. */
export function keepTail(text: string, maxBytes: number): string {
  if (jsonBytes(text) <= maxBytes) return text;
  const room = maxBytes - jsonBytes(ELLIPSIS);
  if (room <= 0) return '';
  let used = 0;
  let start = text.length;
  while (start > 0) {
    const before = previousIndex(text, start);
    const bytes = codePointBytes(text.codePointAt(before)!);
    if (used + bytes > room) break;
    used += bytes;
    start = before;
  }
  // Marks and joiners at the cut belong to a character that was cut away.
  while (start < text.length && isExtender(text, start)) start += text.codePointAt(start)! > 0xffff ? 2 : 1;
  return ELLIPSIS + text.slice(start);
}

/**
 * The last lines that fit in `maxBytes`, counting each line's newline (2 bytes escaped). Dropped lines are
 * marked by a `…` line; a last line too long on its own keeps its end.
 */
export function keepLastLines(lines: readonly string[], maxBytes: number): string[] {
  const marker = jsonBytes(ELLIPSIS) + 2;
  const kept: string[] = [];
  let used = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const bytes = jsonBytes(lines[i]) + 2;
    if (used + bytes + (i > 0 ? marker : 0) <= maxBytes) {
      kept.push(lines[i]);
      used += bytes;
      continue;
    }
    if (kept.length > 0) {
      kept.push(ELLIPSIS);
    } else {
      const tail = keepTail(lines[i], maxBytes - 2);
      if (tail) kept.push(tail);
    }
    break;
  }
  return kept.reverse();
}
