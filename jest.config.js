/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.dev.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Writes every template a test synthesizes to $CFN_LINT_DUMP_DIR, when set, for cfn-lint; fails a test in which
  // aws-cdk-lib printed a deprecation warning.
  setupFilesAfterEnv: ['<rootDir>/test/support/dump-templates.ts', '<rootDir>/test/support/no-deprecations.ts'],
  // Tests synthesize apps and bundle scripts with esbuild: give them room on a 2-core machine.
  testTimeout: 120_000,
  maxWorkers: 2,
};
