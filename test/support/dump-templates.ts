// A jest setup file: with CFN_LINT_DUMP_DIR set, every template a test reads with `Template.fromStack` is also
// written there (named by its content's hash, so a template many tests synthesize is written once), for cfn-lint
// (test/python/test_cfn_lint.py). scripts/test.sh runs jest with it:
//   CFN_LINT_DUMP_DIR=<dir> npx jest --setupFilesAfterEnv ./test/support/dump-templates.ts
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';

const dir = process.env.CFN_LINT_DUMP_DIR;
if (dir) {
  fs.mkdirSync(dir, { recursive: true });
  const fromStack = Template.fromStack.bind(Template);
  Template.fromStack = (...args: Parameters<typeof Template.fromStack>): Template => {
    const template = fromStack(...args);
    const json = JSON.stringify(template.toJSON(), null, 1);
    const name = createHash('sha256').update(json).digest('hex').slice(0, 16);
    fs.writeFileSync(path.join(dir, `jest-${name}.template.json`), json + '\n');
    return template;
  };
}
