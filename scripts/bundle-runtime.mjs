// Bundles the runtime handlers into the asset folders the constructs deploy with Code.fromAsset:
// - lambda-runtime/script/index.ts -> assets/runtime/index.js      (DeploymentScript's provider)
// - lambda-runtime/task/index.ts   -> assets/task-runtime/index.js (DeploymentTask's provider: onEvent, isComplete)
// Both stand on lambda-runtime/shared/, which the command line (cli/) shares too.
// The AWS SDK v3 comes from the Lambda Node.js runtime, so it stays external.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const bundles = [
  { entry: join(root, 'lambda-runtime', 'script', 'index.ts'), outdir: join(root, 'assets', 'runtime') },
  { entry: join(root, 'lambda-runtime', 'task', 'index.ts'), outdir: join(root, 'assets', 'task-runtime') },
];

for (const { entry, outdir } of bundles) {
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: [entry],
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
}
