/**
 * `cdk synth` with the real CDK CLI (the `aws-cdk` package), offline: the app runs as its cdk.json says, the
 * cloud assembly goes to a fresh temporary directory, and nothing reaches AWS or the network (no version
 * check, no notices, no telemetry, no credentials, no instance metadata).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..', '..', '..');

export interface SynthResult {
  /** The cloud assembly directory. */
  readonly outdir: string;
  readonly stdout: string;
  readonly stderr: string;
  readonly milliseconds: number;
}

/**
 * Synthesizes the CDK app of `appDirectory` (its cdk.json names the app) with the CDK CLI, into a new
 * directory under `parent`.
 */
export async function cdkSynth(appDirectory: string, parent: string = tmpdir()): Promise<SynthResult> {
  const cli = join(ROOT, 'node_modules', '.bin', 'cdk');
  if (!existsSync(cli)) {
    throw new Error('the CDK CLI is not installed: the e2e tests need the devDependency aws-cdk (2.1148.x; `npm install`)');
  }
  const outdir = mkdtempSync(join(parent, 'cdk-out-'));
  const nowhere = join(outdir, 'no-such-file');
  const env: Record<string, string> = {
    PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? tmpdir(),
    CDK_DISABLE_VERSION_CHECK: '1',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: nowhere,
    AWS_SHARED_CREDENTIALS_FILE: nowhere,
    CI: 'true',
    FORCE_COLOR: '0',
  };
  const started = Date.now();
  const { stdout, stderr } = await promisify(execFile)(
    cli,
    ['synth', '--quiet', '--no-notices', '--output', outdir],
    { cwd: appDirectory, env, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
  ).catch((error) => {
    throw new Error(`cdk synth failed in ${appDirectory}:\n${error.stdout ?? ''}\n${error.stderr ?? ''}\n${error.message}`);
  });
  return { outdir, stdout, stderr, milliseconds: Date.now() - started };
}
