/**
 * The bootstraps that run a script locally in a child process, as Lambda's runtimes would: cli/bootstrap/node.cjs
 * (run with `node -e`) and cli/bootstrap/python.py (run with `python3 -c`). They are real files, type-checked and
 * linted as such; scripts/bundle-cli.mjs puts their text into the bundled command line (CLI_NODE_BOOTSTRAP,
 * CLI_PYTHON_BOOTSTRAP), and the command line unbundled (in tests) reads them beside this file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

declare const CLI_NODE_BOOTSTRAP: string | undefined;
declare const CLI_PYTHON_BOOTSTRAP: string | undefined;

const source = (file: string) => readFileSync(join(__dirname, 'bootstrap', file), 'utf8');

export const NODE_BOOTSTRAP: string = typeof CLI_NODE_BOOTSTRAP === 'string' ? CLI_NODE_BOOTSTRAP : source('node.cjs');
export const PYTHON_BOOTSTRAP: string = typeof CLI_PYTHON_BOOTSTRAP === 'string' ? CLI_PYTHON_BOOTSTRAP : source('python.py');
