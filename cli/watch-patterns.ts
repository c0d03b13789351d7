/**
 * cdk.json's `watch.include` and `watch.exclude`, which `cdk watch` reads, for `run --local --watch`
 * (cli/local-watch.ts): an edit of a file they leave out synthesizes nothing, as with `cdk watch`. cdk init writes
 * them: for a TypeScript app, its declaration and compiled JavaScript files, tests, package files and node_modules.
 */
import { readFileSync } from 'node:fs';
import { join, sep } from 'node:path';

/** cdk.json's `watch.include` and `watch.exclude`, as regular expressions over paths relative to its folder. */
export interface WatchPatterns {
  readonly include?: RegExp[];
  readonly exclude: RegExp[];
}

/**
 * A glob of cdk.json's `watch` (relative to its folder, as `cdk watch` reads it) as a regular expression: `**` any
 * folders, `*` and `?` within one name. A pattern names a file or a folder, and a folder stands for what is in it.
 */
export function globToRegExp(glob: string): RegExp {
  let pattern = '';
  const text = glob.replace(/^\.\//, '').replace(/\/+$/, '');
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '*' && text[i + 1] === '*') {
      const slash = text[i + 2] === '/';
      pattern += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') pattern += '[^/]*';
    else if (c === '?') pattern += '[^/]';
    else pattern += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${pattern}(?:/.*)?$`);
}

/** cdk.json's `watch` settings; none when it has none, or cannot be read (the app's cdk then says why). */
export function watchPatterns(appDir: string): WatchPatterns {
  let config: { include?: unknown; exclude?: unknown } | undefined;
  try {
    config = JSON.parse(readFileSync(join(appDir, 'cdk.json'), 'utf8'))?.watch;
  } catch {
    config = undefined;
  }
  const list = (value: unknown): string[] => (typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
  const include = list(config?.include);
  return { include: include.length ? include.map(globToRegExp) : undefined, exclude: list(config?.exclude).map(globToRegExp) };
}

/** Whether cdk.json's `watch.exclude` names a path relative to its folder (or a folder the path is in). */
export function excluded(relativePath: string, patterns: WatchPatterns): boolean {
  const path = relativePath.split(sep).join('/');
  return patterns.exclude.some((re) => re.test(path));
}

/** Whether cdk.json's `watch.include`, when it has one, leaves out a file (relative to its folder). */
export function notIncluded(relativePath: string, patterns: WatchPatterns): boolean {
  const path = relativePath.split(sep).join('/');
  return patterns.include !== undefined && !patterns.include.some((re) => re.test(path));
}
