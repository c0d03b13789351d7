// Bundles the runtime handlers into the asset folders the constructs deploy with Code.fromAsset:
// - lambda-runtime/script/index.ts -> assets/runtime/index.js      (DeploymentScript's provider)
// - lambda-runtime/task/index.ts   -> assets/task-runtime/index.js (DeploymentTask's provider: onEvent, isComplete)
// - lambda-runtime/credentials/      -> assets/credentials/          (the shims that fill a database's credentials
//   into a script's variables when it runs: the Node.js one bundled, the Python one copied;
//   their file names are the modules the constructs name: CREDENTIALS_SHIM_*_MODULE)
// All stand on lambda-runtime/shared/, which the command line (cli/) shares too.
// The AWS SDK v3 comes from the Lambda Node.js runtime, so it stays external.
import { build } from 'esbuild';
import { copyFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// What every bundle shares: one file for Node.js 22 and later, CommonJS, the AWS SDK left to the Lambda runtime.
const NODE_BUNDLE = { bundle: true, platform: 'node', target: 'node22', format: 'cjs', external: ['@aws-sdk/*'], legalComments: 'none', logLevel: 'warning' };

const bundles = [
  { entry: join(root, 'lambda-runtime', 'script', 'index.ts'), outdir: join(root, 'assets', 'runtime') },
  { entry: join(root, 'lambda-runtime', 'task', 'index.ts'), outdir: join(root, 'assets', 'task-runtime') },
];

for (const { entry, outdir } of bundles) {
  rmSync(outdir, { recursive: true, force: true });
  await build({ ...NODE_BUNDLE, entryPoints: [entry], outfile: join(outdir, 'index.js'), minify: true });
}

// Unminified: the shim ships inside users' scripts, where a reader of the function's code should understand it.
const credentials = join(root, 'assets', 'credentials');
rmSync(credentials, { recursive: true, force: true });
await build({
  ...NODE_BUNDLE,
  entryPoints: [join(root, 'lambda-runtime', 'credentials', 'deployment-script-credentials.ts')],
  outfile: join(credentials, 'deployment-script-credentials.js'),
});
copyFileSync(join(root, 'lambda-runtime', 'credentials', 'deployment_script_credentials.py'),
  join(credentials, 'deployment_script_credentials.py'));
