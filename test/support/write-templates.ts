import * as fs from 'fs';
import * as path from 'path';
import { Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/**
 * Writes each stack's synthesized template to `<dir>/<prefix><stack name>.template.json` (a nested stack, whose name
 * is a token: its construct path), for the Python test to compare and for cfn-lint. Returns the files written.
 */
export function writeTemplates(stacks: Stack[], dir: string, prefix = ''): string[] {
  fs.mkdirSync(dir, { recursive: true });
  return stacks.map((stack) => {
    const name = Token.isUnresolved(stack.stackName) ? stack.node.path.replace(/\//g, '-') : stack.stackName;
    const file = path.join(dir, `${prefix}${name}.template.json`);
    fs.writeFileSync(file, JSON.stringify(Template.fromStack(stack).toJSON(), null, 1) + '\n');
    return file;
  });
}
