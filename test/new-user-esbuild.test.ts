// A new user's TypeScript app with only what the README's Install section names, before and after the one command
// the library's message gives. The app installs the packed library (`npm pack`, as npm would), and links aws-cdk-lib,
// constructs and the rest of this project's node_modules but esbuild; NODE_PRESERVE_SYMLINKS keeps module lookups
// inside the app, so that esbuild is found only if the app has it. Needs the compiled library: scripts/test.sh builds it first.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const MODULES = path.join(ROOT, 'node_modules');

const APP = `
const cdk = require('aws-cdk-lib');
const { DeploymentScript, ScriptTrigger } = require('cdk-deployment-script');
const app = new cdk.App({ outdir: 'cdk.out' });
const stack = new cdk.Stack(app, 'Stack');
new DeploymentScript(stack, 'check', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: 'scripts/check.ts' });
app.synth();
`;

let app: string;

beforeAll(() => {
  app = fs.mkdtempSync(path.join(os.tmpdir(), 'new-user-'));
  const pack = spawnSync('npm', ['pack', '--silent', '--pack-destination', app], { cwd: ROOT, encoding: 'utf8' });
  expect(pack.status).toBe(0);
  const tarball = path.join(app, pack.stdout.trim().split('\n').pop()!);
  const installed = path.join(app, 'node_modules', 'cdk-deployment-script');
  fs.mkdirSync(installed, { recursive: true });
  expect(spawnSync('tar', ['xzf', tarball, '-C', installed, '--strip-components', '1']).status).toBe(0);
  // aws-cdk-lib, constructs and what npm hoisted beside them; not esbuild.
  for (const name of fs.readdirSync(MODULES).filter((n) => !['esbuild', '@esbuild', '.bin', '.package-lock.json'].includes(n))) {
    fs.symlinkSync(path.join(MODULES, name), path.join(app, 'node_modules', name));
  }
  fs.writeFileSync(path.join(app, 'package-lock.json'), '{ "lockfileVersion": 3, "packages": {} }\n');
  fs.mkdirSync(path.join(app, 'scripts'));
  fs.writeFileSync(path.join(app, 'scripts', 'check.ts'), 'export async function handler(event: unknown) { console.log(event); }\n');
  fs.writeFileSync(path.join(app, 'app.js'), APP);
}, 120_000);

afterAll(() => fs.rmSync(app, { recursive: true, force: true }));

function synth() {
  // No node_modules/.bin of this project on PATH: an esbuild command there would be found.
  const PATH = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => !dir.includes('node_modules')).join(path.delimiter);
  return spawnSync(process.execPath, ['app.js'], { cwd: app, encoding: 'utf8', env: { ...process.env, PATH, NODE_PRESERVE_SYMLINKS: '1' } });
}

test('without esbuild, synth stops with one line naming the script and the command that fixes it, before aws-cdk-lib tries Docker', () => {
  const result = synth();
  expect(result.status).not.toBe(0);
  expect(result.stderr).toContain("DeploymentScript Stack/check: 'entry' scripts/check.ts is bundled with esbuild, which this app does not have. "
    + 'Install it: npm install --save-dev esbuild (or bundle in Docker with bundling: { forceDockerBundling: true }).');
  expect(result.stderr).not.toMatch(/docker run|Switching to Docker/i);
  const out = path.join(app, 'cdk.out');
  expect(fs.existsSync(out) ? fs.readdirSync(out).filter((name) => name.startsWith('asset.')) : []).toEqual([]);
});

test('with esbuild installed as the message says, the same app synthesizes and bundles the script', () => {
  // What `npm install --save-dev esbuild` puts in the app: the package, its platform binary and the command.
  const link = (from: string, to: string) => { fs.mkdirSync(path.dirname(to), { recursive: true }); fs.symlinkSync(from, to); };
  link(path.join(MODULES, 'esbuild'), path.join(app, 'node_modules', 'esbuild'));
  const platform = fs.readdirSync(path.join(MODULES, '@esbuild'));
  for (const name of platform) { link(path.join(MODULES, '@esbuild', name), path.join(app, 'node_modules', '@esbuild', name)); }
  link('../esbuild/bin/esbuild', path.join(app, 'node_modules', '.bin', 'esbuild'));

  const result = synth();
  expect(result.stderr).not.toContain('bundled with esbuild, which this app does not have');
  if (result.status !== 0) { throw new Error(`synth failed: ${result.stderr.slice(-3000)}`); }
  const assets = fs.readdirSync(path.join(app, 'cdk.out')).filter((name) => name.startsWith('asset.'));
  const bundled = assets.map((asset) => path.join(app, 'cdk.out', asset, 'index.js')).filter((file) => fs.existsSync(file));
  expect(bundled.some((file) => fs.readFileSync(file, 'utf8').includes('console.log(event)'))).toBe(true);
}, 120_000);
