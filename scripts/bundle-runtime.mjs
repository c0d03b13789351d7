// Bundles the runtime handler into assets/runtime/index.js, the asset the construct deploys with
// Code.fromAsset. The AWS SDK v3 comes from the Lambda Node.js runtime, so it stays external.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'assets', 'runtime');
rmSync(outdir, { recursive: true, force: true });

await build({
  entryPoints: [join(root, 'lambda-runtime', 'index.ts')],
  outfile: join(outdir, 'index.js'),
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  external: ['@aws-sdk/*'],
  legalComments: 'none',
  logLevel: 'warning',
});
