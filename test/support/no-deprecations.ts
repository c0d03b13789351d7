// A jest setup file (jest.config.js, hence both runs): a test fails when aws-cdk-lib printed a deprecation warning
// while it ran, that is when the library, or the test, used a deprecated aws-cdk-lib API. A user would see that
// warning on every synth, and the API goes away in aws-cdk-lib's next major version.
//
// aws-cdk-lib's jsii-generated checks (.warnings.jsii.js) run at every call of a deprecated method or property and
// for every deprecated prop given, and do as JSII_DEPRECATED says: 'warn' (the default) prints
// `console.warn('[WARNING]', '<api> is deprecated...')`, 'fail' throws, 'quiet' does nothing. Newer versions do so
// for the first use of each API only, per module instance: jest loads aws-cdk-lib afresh for each test file, so
// the first test of a file that uses the API fails. 'warn' is forced here and the warnings are recorded: a thrown
// DeprecationError can be caught and lost on the way (the library reads some members inside try/catch, and
// `expect(...).toThrow()` would take it for the expected error), a recorded warning cannot. This changes this
// test file's environment only: child processes keep what scripts/test.sh gives them ('fail').
const recorded: string[] = [];
let testsDone = false;
process.env.JSII_DEPRECATED = 'warn';

const warn = console.warn;
console.warn = function (this: Console, ...args: unknown[]): void {
  if (args[0] === '[WARNING]' && typeof args[1] === 'string' && / is deprecated\b/.test(args[1])) {
    // Where it was called from: the frames outside node_modules name the library's or the test's line.
    const frames = (new Error().stack ?? '').split('\n').slice(2).filter((line) => !line.includes('/node_modules/'));
    recorded.push(`${args[1]}\n${frames.slice(0, 6).join('\n')}`);
    // No afterEach is left to report it: throw, and the test file's afterAll hook fails.
    if (testsDone) { failOnDeprecations('after the last test of this file'); }
  }
  warn.apply(this, args);
};

function failOnDeprecations(when: string): void {
  if (recorded.length === 0) { return; }
  const found = recorded.splice(0);
  throw new Error(`aws-cdk-lib printed ${found.length} deprecation warning(s) ${when}. Use the API that replaces it `
    + `(the warning names it), in a way the minimum aws-cdk-lib of the peer range also has:\n\n${found.join('\n\n')}`);
}

// A warning printed while the file is loaded or in beforeAll fails the file's first test. This afterAll runs before
// the test file's own (jest runs them in the order they were declared).
afterEach(() => failOnDeprecations('during this test, or before it in this file'));
afterAll(() => {
  testsDone = true;
  failOnDeprecations('after the last test of this file');
});
