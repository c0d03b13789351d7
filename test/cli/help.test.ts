/** The command line's help, version and usage errors: the built bin, run as a user runs it. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBin, ROOT, runCli } from './support';

beforeAll(() => ensureBin());

describe('help', () => {
  test.each([[['--help']], [['-h']], [['help']], [[]]])('%j describes list and run, with examples and exit codes', async (args) => {
    const { code, stdout, stderr } = await runCli(args);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^cdk-deployment-script: list, run and try the deployment scripts/);
    expect(stdout).toContain('cdk-deployment-script list --stack STACK [--json]');
    expect(stdout).toContain('cdk-deployment-script run --stack STACK --script ID');
    expect(stdout).toContain('cdk-deployment-script run --local');
    expect(stdout).toContain('Examples:');
    expect(stdout).toMatch(/Exit codes:\n {2}0 {2}success\n {2}1 {2}the script ran and failed/);
    expect(stdout).toContain('AWS_ENDPOINT_URL_<SERVICE>');
  });

  test.each([[['help', 'run']], [['run', '--help']], [['run', '-h']], [['run', '--stack', 's', '--help']]])('%j describes run and its options', async (args) => {
    const { code, stdout } = await runCli(args);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage:\n {2}cdk-deployment-script run --stack STACK --script ID/);
    for (const option of ['--param KEY=VALUE', '--params-file FILE', '--dry-run', '--local', '--app DIR', '--env KEY=VALUE', '--profile NAME', '--region REGION']) {
      expect(stdout).toContain(option);
    }
    expect(stdout).toContain('requestType "Manual"');
    expect(stdout).toContain('/cdk-deployment-script/<stack name>/<its logical id>');
  });

  test.each([[['help', 'list']], [['list', '--help']]])('%j describes list', async (args) => {
    const { code, stdout } = await runCli(args);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage:\n {2}cdk-deployment-script list --stack STACK \[--json\]/);
    expect(stdout).toContain('--json');
    expect(stdout).toContain('cdk-deployment-script list --local --app cdk.out');
  });

  test.each([[['--version']], [['-v']], [['version']]])('%j prints the package version', async (args) => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const { code, stdout } = await runCli(args);
    expect(code).toBe(0);
    expect(stdout).toBe(`${version}\n`);
  });
});

describe('usage errors exit 2 and point to the help', () => {
  test.each<[string[], RegExp]>([
    [['deploy'], /^error: unknown command 'deploy'\. Commands: list, run, logs\.\nRun 'cdk-deployment-script --help' for usage\.\n$/],
    [['--stack', 's'], /unknown option '--stack' before the command/],
    [['list'], /list needs --stack STACK \(a deployed stack\), or --local/],
    [['list', '--stack', 's', '--verbose'], /^error: unknown option '--verbose'\.\nRun 'cdk-deployment-script help list' for usage\.\n$/],
    [['run', '--stack', 's'], /run needs --script ID/],
    [['run', '--script', 'x'], /run needs --stack STACK \(a deployed stack\), or --local/],
    [['run', '--stack', 's', '--script'], /Option '--script' argument missing/],
    [['run', '--stack', 's', '--script', 'x', 'extra'], /unexpected argument 'extra'/],
    [['run', '--stack', 's', '--script', 'x', '--env', 'A=1'], /--env is only for --local/],
    [['run', '--stack', 's', '--script', 'x', '--app', 'cdk.out'], /--app is only for --local/],
    [['run', '--stack', 's', '--script', 'x', '--param', 'novalue'], /--param 'novalue' is not KEY=VALUE/],
    [['run', '--stack', '', '--script', 'x'], /--stack needs a value/],
  ])('%j', async (args, message) => {
    const { code, stdout, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });
});
