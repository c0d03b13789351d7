// cdk.json's watch globs, read as `cdk watch` reads them (cli/watch-patterns.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { excluded, globToRegExp, notIncluded, watchPatterns } from '../../cli/watch-patterns';

test.each<[string, string, boolean]>([
  ['**/*.d.ts', 'lib/stack.d.ts', true],
  ['**/*.d.ts', 'stack.d.ts', true],
  ['**/*.d.ts', 'lib/stack.ts', false],
  ['**/*.js', 'scripts/a/b.js', true],
  ['test', 'test', true],
  ['test', 'test/app.test.ts', true],
  ['test', 'tests/app.test.ts', false],
  ['node_modules', 'node_modules/x/index.js', true],
  ['cdk*.json', 'cdk.context.json', true],
  ['cdk*.json', 'lib/cdk.json', false],
  ['README.md', 'README.md', true],
  ['README.md', 'READMExmd', false],
  ['src/?.ts', 'src/a.ts', true],
  ['src/?.ts', 'src/ab.ts', false],
  ['./lib/', 'lib/stack.ts', true],
  ['**', 'anything/at/all', true],
  ['scripts/**', 'scripts/index.js', true],
  ['scripts/**', 'scriptsx/index.js', false],
])('%s matches %s: %s', (glob, path, matches) => {
  expect(globToRegExp(glob).test(path)).toBe(matches);
});

describe('cdk.json', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'watch-patterns-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('cdk init\'s TypeScript settings: its declaration and compiled files, tests and package files are no sources', () => {
    writeFileSync(join(dir, 'cdk.json'), JSON.stringify({
      app: 'npx ts-node bin/app.ts',
      watch: { include: ['**'], exclude: ['README.md', 'cdk*.json', '**/*.d.ts', '**/*.js', 'tsconfig.json', 'package*.json', 'yarn.lock', 'node_modules', 'test'] },
    }));
    const patterns = watchPatterns(dir);
    for (const path of ['lib/app-stack.d.ts', 'scripts/hello.js', 'test/app.test.ts', 'package-lock.json', 'cdk.context.json']) {
      expect([path, excluded(path, patterns)]).toEqual([path, true]);
    }
    for (const path of ['lib/app-stack.ts', 'scripts/hello.ts', 'bin/app.ts', 'scripts/migrate.py']) {
      expect([path, excluded(path, patterns) || notIncluded(path, patterns)]).toEqual([path, false]);
    }
  });

  test('include alone: only what it names; a string for a list; none, or a cdk.json that does not parse: everything', () => {
    writeFileSync(join(dir, 'cdk.json'), JSON.stringify({ app: 'x', watch: { include: 'scripts' } }));
    expect(notIncluded('scripts/index.js', watchPatterns(dir))).toBe(false);
    expect(notIncluded('lib/stack.ts', watchPatterns(dir))).toBe(true);
    writeFileSync(join(dir, 'cdk.json'), JSON.stringify({ app: 'x' }));
    expect(watchPatterns(dir)).toEqual({ include: undefined, exclude: [] });
    writeFileSync(join(dir, 'cdk.json'), '{ not json');
    expect(watchPatterns(dir)).toEqual({ include: undefined, exclude: [] });
  });
});
