// The construct tests again, against the newest aws-cdk-lib of the peer range (.tools/aws-cdk-lib-newest, locked);
// jest.config.js runs every test against the minimum, the devDependency. scripts/test.sh runs both.
//
// Which tests, named one by one so that a new test file is a choice: those that build stacks in this process and
// assert what aws-cdk-lib synthesizes from them, where a newer aws-cdk-lib can change the outcome (a default, a
// template detail, a member the library reads, a deprecation, a cdk-nag finding). Left out: the runtime and
// command-line tests (no aws-cdk-lib, or aws-cdk-lib's Provider framework read from the root node_modules by path),
// and the tests that synthesize in child processes, which the mapping below does not reach (lazify, end to end,
// quick start, new-user bundling).
const path = require('path');
const base = require('./jest.config');

const peer = path.join(__dirname, '.tools', 'aws-cdk-lib-newest', 'node_modules');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  displayName: 'aws-cdk-lib newest',
  testMatch: [
    '<rootDir>/test/deployment-script.test.ts',
    '<rootDir>/test/deployment-task.test.ts',
    '<rootDir>/test/deployment-providers.test.ts',
    '<rootDir>/test/errors.test.ts',
    '<rootDir>/test/ordering.test.ts',
    '<rootDir>/test/run-policy.test.ts',
    '<rootDir>/test/example-container-migrate.test.ts',
    '<rootDir>/test/connect/**/*.test.ts',
    '<rootDir>/test/nag/**/*.test.ts',
  ],
  setupFilesAfterEnv: [...base.setupFilesAfterEnv, '<rootDir>/test/support/peer-newest-versions.ts'],
  // Both, from the same folder: aws-cdk-lib's constructs and the library's must be one module, or a construct of
  // one is not a Construct to the other. cdk-nag's imports are mapped too, so it inspects the same classes.
  moduleNameMapper: {
    '^aws-cdk-lib$': path.join(peer, 'aws-cdk-lib'),
    '^aws-cdk-lib/(.*)$': path.join(peer, 'aws-cdk-lib', '$1'),
    '^constructs$': path.join(peer, 'constructs'),
    '^constructs/(.*)$': path.join(peer, 'constructs', '$1'),
    // cdk-nag's current major, which needs a newer aws-cdk-lib than the minimum: test/nag runs the previous major there.
    '^cdk-nag$': path.join(peer, 'cdk-nag'),
    '^cdk-nag/(.*)$': path.join(peer, 'cdk-nag', '$1'),
  },
};
