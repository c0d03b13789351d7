/**
 * What `npm pack` puts in the package that users install, and that jsii-pacmak embeds in the Python wheel: the
 * compiled library with everything it loads, its runtime assets, the command line, the docs and the licence; no
 * sources and no tests. Reads the build's output: scripts/test.sh compiles and bundles before jest runs.
 */
import { execFileSync } from 'child_process';
import { existsSync, readFileSync } from 'fs';
import { join, posix } from 'path';

const ROOT = join(__dirname, '..');

let files: string[];

beforeAll(() => {
  for (const built of ['lib/index.js', 'assets/runtime/index.js', 'bin/cdk-deployment-script.js']) {
    if (!existsSync(join(ROOT, built))) {
      throw new Error(`${built} is missing: build first (npm run compile && npm run bundle).`);
    }
  }
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  files = (JSON.parse(out)[0].files as Array<{ path: string }>).map((f) => f.path).sort();
});

test('the package holds the licence, the docs, the compiled library, the runtime assets and the command line', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  expect(files).toEqual(expect.arrayContaining([
    'LICENSE',
    'README.md',
    'API.md',
    'package.json',
    '.jsii',
    'lib/index.js',
    'lib/index.d.ts',
    'assets/runtime/index.js',
    'assets/task-runtime/index.js',
    'bin/cdk-deployment-script.js',
    // What package.json points users and tools at.
    posix.normalize(manifest.main),
    posix.normalize(manifest.types),
    ...Object.values(manifest.bin as Record<string, string>).map((p) => posix.normalize(p)),
  ]));
  expect(manifest.license).toBe('Apache-2.0');
  expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
});

test('every module the compiled library requires by a relative path is in the package', () => {
  const packed = new Set(files);
  const missing: string[] = [];
  for (const file of files.filter((f) => f.startsWith('lib/') && f.endsWith('.js'))) {
    const source = readFileSync(join(ROOT, file), 'utf8');
    for (const [, request] of source.matchAll(/require\(["'](\.{1,2}\/[^"']*)["']\)/g)) {
      const target = posix.join(posix.dirname(file), request);
      const candidates = [target, `${target}.js`, `${target}/index.js`];
      if (!candidates.some((c) => packed.has(c))) { missing.push(`${file} requires '${request}'`); }
    }
  }
  expect(missing).toEqual([]);
});

test('no sources, tests or development files: only compiled JavaScript and its declarations', () => {
  expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  expect(files.filter((f) => /^(test|examples|scripts|bench|cli|rosetta|node_modules|dist|\.tools|\.venv-test|test-reports)\//.test(f))).toEqual([]);
  expect(files.filter((f) => /(^|\/)(tsconfig[^/]*\.json|jest[^/]*\.config\.js|package-lock\.json|\.tsbuildinfo)$/.test(f) || f.endsWith('.tsbuildinfo'))).toEqual([]);
});
