// Bundles the command line (cli/) into bin/cdk-deployment-script.js, the package's `bin`: one CommonJS file
// for node >= 20, with the AWS SDK clients it uses (CloudFormation, Lambda, SSM) inside, so that the package
// has no runtime dependency on the SDK and the command works wherever the package is installed (also from
// the Python package, which ships the npm tarball without its dependencies).
import { build } from 'esbuild';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'bin', 'cdk-deployment-script.js');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// The bootstraps that run a script locally (cli/runtimes.ts) are files of their own, checked as code; the bundle
// carries their text.
const bootstrap = (file) => JSON.stringify(readFileSync(join(root, 'cli', 'bootstrap', file), 'utf8'));

const result = await build({
  entryPoints: [join(root, 'cli', 'index.ts')],
  outfile,
  write: false,
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // The SDK's ES modules: esbuild drops the commands and code the command line does not use.
  mainFields: ['module', 'main'],
  banner: { js: '#!/usr/bin/env node' },
  define: {
    CLI_VERSION: JSON.stringify(version),
    CLI_NODE_BOOTSTRAP: bootstrap('node.cjs'),
    CLI_PYTHON_BOOTSTRAP: bootstrap('python.py'),
  },
  // The SDK's licence headers, if any, go to the end of the file.
  legalComments: 'eof',
  logLevel: 'warning',
});

// Written whole, then renamed: a test (or a second build) never runs a half-written file.
mkdirSync(dirname(outfile), { recursive: true });
const temporary = `${outfile}.${process.pid}.tmp`;
writeFileSync(temporary, result.outputFiles[0].contents);
chmodSync(temporary, 0o755);
renameSync(temporary, outfile);
