/** The bootstraps that run scripts locally are real files (cli/bootstrap/): each must at least parse. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { NODE_BOOTSTRAP, PYTHON_BOOTSTRAP } from '../../cli/runtimes';
import { ROOT } from './support';

const PYTHON = join(ROOT, 'cli', 'bootstrap', 'python.py');

test('the Python bootstrap compiles (parsed only: no byte code is written)', () => {
  // ast.parse raises SyntaxError on a broken file, which exits non-zero; nothing is imported or cached.
  expect(() => execFileSync('python3', ['-c', 'import ast,sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])', PYTHON], { stdio: 'pipe' })).not.toThrow();
});

test('the Node.js bootstrap compiles', () => {
  expect(() => execFileSync(process.execPath, ['--check', join(ROOT, 'cli', 'bootstrap', 'node.cjs')], { stdio: 'pipe' })).not.toThrow();
});

test('the command line carries both bootstraps\' text', () => {
  expect(PYTHON_BOOTSTRAP).toContain('def main():');
  expect(NODE_BOOTSTRAP).toContain('async function main(config)');
});
