// Runs a TypeScript module of the tests with node, for the Python test and the template collection:
// `node test/python/run-ts.cjs <file.ts> [args...]` requires the file (each .ts file is stripped of its types by
// esbuild, in memory) and calls its exported `main(args)`. Imports of `../../lib` resolve to the compiled
// `lib/index.js`, the same code the Python wheel embeds.
'use strict';
const fs = require('fs');
const path = require('path');
const { transformSync } = require('esbuild');

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    loader: 'ts', format: 'cjs', platform: 'node', target: 'node20', sourcefile: filename, sourcemap: 'inline',
  });
  module._compile(code, filename);
};

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('usage: node test/python/run-ts.cjs <file.ts> [args...]');
  process.exit(2);
}
const entry = require(path.resolve(file));
if (typeof entry.main !== 'function') {
  console.error(`${file} exports no main(args) function`);
  process.exit(2);
}
Promise.resolve(entry.main(args)).catch((error) => {
  console.error(error);
  process.exit(1);
});
