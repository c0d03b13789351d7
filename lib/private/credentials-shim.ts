/**
 * The shims that give a script its database credentials when it runs (lambda-runtime/credentials/, bundled into
 * assets/credentials/): added to the code of an `entry` script connected to a database with
 * `DatabaseCredentials.AT_RUN_TIME`, whose handler they become. Only such scripts carry one, so that the code (and
 * the run token of `RunPolicy.ON_SCRIPT_CHANGE`) of every other script stays as it was.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { CREDENTIALS_SHIM_NODE_MODULE, CREDENTIALS_SHIM_PYTHON_MODULE } from '../../lambda-runtime/shared/consts';

const SHIM_DIR = path.join(__dirname, '..', '..', 'assets', 'credentials');

/** The file of a shim, read from the package's assets; throws when the package was not built (`npm run bundle`). */
export function shimFile(language: 'node' | 'python'): string {
  const file = path.join(SHIM_DIR, language === 'node' ? `${CREDENTIALS_SHIM_NODE_MODULE}.js` : `${CREDENTIALS_SHIM_PYTHON_MODULE}.py`);
  if (!fs.existsSync(file)) {
    throw new Error(`cdk-deployment-script: ${file} is missing: the package is incomplete (in a clone of the library, run npm run bundle).`);
  }
  return file;
}

/** The handler of a function whose shim calls `own`: `<shim module>.handler`. */
export function shimHandler(language: 'node' | 'python'): string {
  return `${language === 'node' ? CREDENTIALS_SHIM_NODE_MODULE : CREDENTIALS_SHIM_PYTHON_MODULE}.handler`;
}

/** The hash of a shim's content, for asset hashes that must change when the shim does. */
export function shimHash(language: 'node' | 'python'): string {
  return createHash('sha256').update(fs.readFileSync(shimFile(language))).digest('hex');
}

/**
 * `bundling` with the Node.js shim written into the bundle after esbuild, after the user's own `afterBundling`
 * commands. Written by `node` from its base64 text, not copied: a command hook may run in Docker, where this
 * machine's files are not mounted, and `node` is wherever esbuild runs.
 */
export function withNodeShim(bundling: nodejs.BundlingOptions | undefined): nodejs.BundlingOptions {
  const content = fs.readFileSync(shimFile('node')).toString('base64');
  const hooks = bundling?.commandHooks;
  return {
    ...bundling,
    commandHooks: {
      beforeBundling: (inputDir, outputDir) => hooks?.beforeBundling(inputDir, outputDir) ?? [],
      beforeInstall: (inputDir, outputDir) => hooks?.beforeInstall(inputDir, outputDir) ?? [],
      afterBundling: (inputDir, outputDir) => [
        ...hooks?.afterBundling(inputDir, outputDir) ?? [],
        `node -e "require('fs').writeFileSync(process.argv[1], Buffer.from(process.argv[2], 'base64'))" `
          + `"${path.posix.join(outputDir.replace(/\\/g, '/'), `${CREDENTIALS_SHIM_NODE_MODULE}.js`)}" ${content}`,
      ],
    },
  };
}
