// A jest setup file of jest.peer-newest.config.js: the run stops unless aws-cdk-lib and constructs are loaded from
// .tools/aws-cdk-lib-newest at the versions its package.json pins (a mapping that missed would test the minimum twice).
import * as path from 'path';

const folder = path.join(__dirname, '..', '..', '.tools', 'aws-cdk-lib-newest');
const pinned: Record<string, string> = require(path.join(folder, 'package.json')).dependencies;
for (const name of ['aws-cdk-lib', 'constructs']) {
  const file = require.resolve(`${name}/package.json`);
  const version: string = require(`${name}/package.json`).version;
  if (!file.startsWith(path.join(folder, 'node_modules') + path.sep) || version !== pinned[name]) {
    throw new Error(`jest.peer-newest.config.js: ${name} ${version} is loaded from ${file}, expected ${pinned[name]} from ${folder}/node_modules. Run 'bash scripts/setup.sh'.`);
  }
}
