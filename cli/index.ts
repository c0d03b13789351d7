/**
 * The `cdk-deployment-script` command: list, run and try the deployment scripts of AWS CDK apps. Bundled by
 * scripts/bundle-cli.mjs into bin/cdk-deployment-script.js, AWS SDK included.
 */
import './env'; // first: before any AWS client exists
import { HELP, parseCommandLine, PROGRAM } from './args';
import { list } from './commands/list';
import { listLocal } from './commands/list-local';
import { logs } from './commands/logs';
import { run } from './commands/run';
import { CliError, EXIT_ERROR, EXIT_OK, UsageError } from './errors';
import { createIo, info, type Io, style } from './output';

declare const CLI_VERSION: string;
export const VERSION = typeof CLI_VERSION === 'string' ? CLI_VERSION : '0.0.0-dev';

export async function main(argv: readonly string[]): Promise<number> {
  let io: Io = createIo(undefined);
  try {
    const invocation = parseCommandLine(argv);
    switch (invocation.kind) {
      case 'help':
        io.stdout.write(HELP[invocation.command ?? 'main'] + '\n');
        return EXIT_OK;
      case 'version':
        io.stdout.write(`${VERSION}\n`);
        return EXIT_OK;
      case 'list':
        io = createIo(invocation.options.color);
        return invocation.options.local ? listLocal(invocation.options, io) : await list(invocation.options, io);
      case 'run':
        io = createIo(invocation.options.color);
        return await run(invocation.options, io);
      case 'logs':
        io = createIo(invocation.options.color);
        return await logs(invocation.options, io);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      info(io, `${style(io, 'red', 'error:')} ${error.message}`);
      info(io, `Run '${PROGRAM} ${error.command ? `help ${error.command}` : '--help'}' for usage.`);
      return error.exitCode;
    }
    if (error instanceof CliError) {
      info(io, `${style(io, 'red', 'error:')} ${error.message}`);
      return error.exitCode;
    }
    info(io, `${style(io, 'red', 'error:')} unexpected: ${(error as Error)?.stack ?? String(error)}`);
    info(io, `This is a bug of ${PROGRAM} ${VERSION}: please report it.`);
    return EXIT_ERROR;
  }
}

if (require.main === module) {
  // `… | head` closes stdout early: that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // Exits even if a library left a handle open (an idle keep-alive socket), once the output is written.
    setTimeout(() => process.exit(code), 2000).unref();
  });
}
