import { execFileSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';

// scripts/lazify.js is the build's own CommonJS script (npm run compile).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { lazifySource, lazifyDirectory } = require('../scripts/lazify.js') as {
  lazifySource: (file: string, text: string, exportNamesOf: (specifier: string) => string[]) => string;
  lazifyDirectory: (dir: string) => number;
};

const ROOT = path.join(__dirname, '..');
const noExports = (): string[] => { throw new Error('no re-export expected'); };

describe('lazifySource', () => {
  test('a top-level require becomes a function that loads the module on first use, and each use a call', () => {
    const out = lazifySource('a.js', [
      'const iam = __importStar(require("aws-cdk-lib/aws-iam"));',
      'const aws_cdk_lib_1 = require("aws-cdk-lib");',
      'function f() { return iam.Role.isRole(aws_cdk_lib_1.Stack.of(this)); }',
    ].join('\n'), noExports);
    expect(out).toBe([
      'let iam = () => { const tmp = __importStar(require("aws-cdk-lib/aws-iam")); iam = () => tmp; return tmp; };',
      'let aws_cdk_lib_1 = () => { const tmp = require("aws-cdk-lib"); aws_cdk_lib_1 = () => tmp; return tmp; };',
      'function f() { return iam().Role.isRole(aws_cdk_lib_1().Stack.of(this)); }',
    ].join('\n'));
  });

  test('`new` keeps constructing the class, not the module function', () => {
    const out = lazifySource('a.js', [
      'const iam = require("aws-cdk-lib/aws-iam");',
      'const p = new iam.ServicePrincipal("lambda.amazonaws.com");',
      'const q = new iam["PolicyStatement"]();',
      'class R extends iam.Role {}',
    ].join('\n'), noExports);
    expect(out).toContain('const p = new (iam()).ServicePrincipal("lambda.amazonaws.com");');
    expect(out).toContain('const q = new (iam())["PolicyStatement"]();');
    expect(out).toContain('class R extends iam().Role {}');
    // The result runs: the class is constructed, not the module function.
    const fake = { ServicePrincipal: class { constructor(public readonly name: string) {} }, PolicyStatement: class {}, Role: class {} };
    const run = new Function('require', `${out}\nreturn [p, q];`);
    const [p, q] = run(() => fake);
    expect(p).toBeInstanceOf(fake.ServicePrincipal);
    expect(p.name).toBe('lambda.amazonaws.com');
    expect(q).toBeInstanceOf(fake.PolicyStatement);
  });

  test('names of properties, methods and keys stay names; a shorthand property gets the module', () => {
    const out = lazifySource('a.js', [
      'const lambda = require("aws-cdk-lib/aws-lambda");',
      'class C { lambda() { return this.lambda; } get lambdaX() { return 1; } }',
      'const o = { lambda: 1, other: lambda.Runtime };',
      'const s = { lambda };',
    ].join('\n'), noExports);
    expect(out).toContain('class C { lambda() { return this.lambda; } get lambdaX() { return 1; } }');
    expect(out).toContain('const o = { lambda: 1, other: lambda().Runtime };');
    expect(out).toContain('const s = { lambda: lambda() };');
  });

  test('a name of a module declared again inside the file is refused, with where', () => {
    const text = [
      'const path = require("path");',
      'function f(path) { return path.length; }',
    ].join('\n');
    expect(() => lazifySource('lib/x.js', text, noExports)).toThrow(
      "lib/x.js:2: 'path' names a module imported by this file and is declared again here: rename one of them");
    expect(() => lazifySource('lib/y.js', 'const path = require("path");\nfunction g() { const path = 1; return path; }', noExports))
      .toThrow("lib/y.js:2: 'path'");
  });

  test('requires that are not a top-level binding are left alone', () => {
    const text = [
      'require("./side-effect");',
      'const { a } = require("./destructured");',
      'function f() { const m = require("./inner"); return m; }',
    ].join('\n');
    expect(lazifySource('a.js', text, noExports)).toBe(text);
  });

  test('export * becomes a getter per name; names exported first win, as __exportStar keeps them', () => {
    const text = [
      'exports.Own = void 0;',
      '__exportStar(require("./a"), exports);',
      '__exportStar(require("./b"), exports);',
      'exports.Own = 1;',
    ].join('\n');
    const names: Record<string, string[]> = { './a': ['A', 'Shared', 'default', 'Own'], './b': ['Shared', 'B'] };
    const out = lazifySource('index.js', text, (specifier) => names[specifier]);
    const getters = [...out.matchAll(/Object\.defineProperty\(exports, "(\w)" \+ "(\w*)", .*require\("([^"]+)"\)\.(\w+) \}\);/g)]
      .map(([, head, tail, module, name]) => `${head}${tail}=${module}.${name}`);
    expect(getters).toEqual(['A=./a.A', 'Shared=./a.Shared', 'B=./b.B']);
    expect(out).toContain('exports.A = void 0;');
  });

  test('running it again changes nothing', () => {
    const text = 'const iam = require("aws-cdk-lib/aws-iam");\n__exportStar(require("./a"), exports);\nexports.x = iam.Role;';
    const once = lazifySource('a.js', text, () => ['A']);
    expect(lazifySource('a.js', once, noExports)).toBe(once);
  });
});

describe('lazifyDirectory', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(path.join(tmpdir(), 'lazify-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('modules load when a name of theirs is first read, and give the same values', () => {
    // Each module records that it was loaded.
    writeFileSync(path.join(dir, 'heavy.js'), 'globalThis.loaded.push("heavy");\nexports.Heavy = class Heavy {};\nexports.VALUE = 42;\n');
    writeFileSync(path.join(dir, 'light.js'), [
      'globalThis.loaded.push("light");',
      'const heavy_1 = require("./heavy");',
      'exports.Light = class Light { heavy() { return new heavy_1.Heavy(); } };',
      'exports.value = () => heavy_1.VALUE;',
    ].join('\n'));
    writeFileSync(path.join(dir, 'index.js'), [
      'var __exportStar = (m, exports) => { for (const p in m) if (!Object.prototype.hasOwnProperty.call(exports, p)) exports[p] = m[p]; };',
      '__exportStar(require("./light"), exports);',
      '__exportStar(require("./heavy"), exports);',
    ].join('\n'));
    (globalThis as any).loaded = [];
    expect(lazifyDirectory(dir)).toBe(2);
    expect(lazifyDirectory(dir)).toBe(0);

    // In a process of its own, where nothing is loaded yet.
    const steps = JSON.parse(execFileSync(process.execPath, ['-e', `
      globalThis.loaded = [];
      const steps = [];
      const index = require(${JSON.stringify(path.join(dir, 'index.js'))});
      steps.push([...loaded], Object.keys(index).sort());
      const light = new index.Light();
      steps.push([...loaded]);
      steps.push(light.heavy() instanceof index.Heavy, index.value(), [...loaded]);
      console.log(JSON.stringify(steps));
    `], { encoding: 'utf8' }));
    expect(steps).toEqual([[], ['Heavy', 'Light', 'VALUE', 'value'], ['light'], true, 42, ['light', 'heavy']]);
  });
});

describe('the compiled library (npm run compile)', () => {
  const index = path.join(ROOT, 'lib', 'index.js');
  beforeAll(() => {
    if (!existsSync(index)) { throw new Error('lib/index.js is missing: run `npm run compile` (scripts/test.sh does) before this test'); }
    if (statSync(index).mtimeMs < statSync(path.join(ROOT, 'lib', 'index.ts')).mtimeMs) {
      throw new Error('lib/index.js is older than lib/index.ts: run `npm run compile` (scripts/test.sh does) before this test');
    }
  });

  /** Runs `code` in a Node.js process of its own and returns what it prints as JSON. */
  function inProcess(code: string): any {
    return JSON.parse(execFileSync(process.execPath, ['-e', code], { cwd: ROOT, encoding: 'utf8' }));
  }

  test('exports every name the sources export', () => {
    const compiled: string[] = inProcess(`console.log(JSON.stringify(Object.keys(require(${JSON.stringify(index)}))))`);
    expect(compiled.sort()).toEqual(Object.keys(require('../lib')).sort());
  });

  test('loading it loads none of its modules; a DeploymentScript loads neither DeploymentTask nor connectTo', () => {
    const loaded: { atLoad: string[]; afterScript: string[] } = inProcess(`
      const path = require('path');
      const ours = () => Object.keys(require.cache).filter((f) => f.startsWith(${JSON.stringify(path.join(ROOT, 'lib'))} + path.sep))
        .map((f) => path.relative(${JSON.stringify(path.join(ROOT, 'lib'))}, f));
      const lib = require(${JSON.stringify(index)});
      const atLoad = ours();
      const { App, Stack } = require('aws-cdk-lib');
      const lambda = require('aws-cdk-lib/aws-lambda');
      const app = new App();
      const stack = new Stack(app, 'S');
      new lib.DeploymentScript(stack, 'Script', { trigger: lib.ScriptTrigger.AFTER_DEPLOY,
        code: lambda.Code.fromInline('exports.handler = async () => ({})'), handler: 'index.handler', runtime: lambda.Runtime.NODEJS_22_X });
      app.synth();
      console.log(JSON.stringify({ atLoad, afterScript: ours() }));
    `);
    expect(loaded.atLoad).toEqual(['index.js']);
    expect(loaded.afterScript).toContain('deployment-script.js');
    expect(loaded.afterScript).not.toContain('deployment-task.js');
    expect(loaded.afterScript.filter((file) => file.startsWith('connect'))).toEqual([]);
  });

  test('an ES module imports its names', () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e',
      `import { DeploymentScript, DeploymentTask, RunPolicy, SesAccess } from ${JSON.stringify(index)};
       console.log(JSON.stringify([typeof DeploymentScript, typeof DeploymentTask, RunPolicy.ONCE, typeof SesAccess]));`],
    { cwd: ROOT, encoding: 'utf8' });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual(['function', 'function', 'once', 'function']);
  });

  test('synthesizes the same template as the sources, for an app using every part of the library', () => {
    const app = path.join(ROOT, 'test', 'fixtures', 'lazy', 'app.js');
    const compiled = JSON.parse(execFileSync(process.execPath, [app, index], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
    const sources = require(app).template(require('../lib'));
    expect(Object.keys(sources.Resources).length).toBeGreaterThan(40);
    expect(compiled).toEqual(sources);
  });

  test('every compiled module of the library is lazy', () => {
    const files = (execFileSync('git', ['ls-files', 'lib'], { cwd: ROOT, encoding: 'utf8' })).split('\n').filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
    const eager = files
      .map((file) => path.join(ROOT, file.replace(/\.ts$/, '.js')))
      .filter((file) => /^(const|var|let) \w+ = (__importStar\()?require\(/m.test(readFileSync(file, 'utf8')));
    expect(eager).toEqual([]);
  });
});
