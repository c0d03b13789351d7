// checkov (from PyPI, in .tools/checkov/: scripts/setup.sh) over the templates of test/nag/regulated-stacks.ts: every
// failed check on what the library creates is the user's decision (test/nag/library-resources.ts); the library skips
// the others on its resources with checkov's own metadata, each with a comment.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { isLibraryPath, pathsByLogicalId, usersDecision } from './library-resources';
import { regulatedStacks } from './regulated-stacks';

const CHECKOV = path.join(__dirname, '..', '..', '.tools', 'checkov', 'bin', 'checkov');

interface Check { readonly check_id: string; readonly file_path: string; readonly resource: string }

describe('checkov on what the library creates', () => {
  let failed: { where: string; id: string }[];
  let skipped: { where: string; id: string; comment: string; library: boolean }[];
  let usersFailed: number;

  beforeAll(() => {
    if (!fs.existsSync(CHECKOV)) { throw new Error(`${CHECKOV} is missing: run 'bash scripts/setup.sh'.`); }
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'checkov-'));
    try {
      const app = new App({ outdir });
      const stacks = regulatedStacks(app);
      app.synth();
      const run = execFileSync(CHECKOV, ['-d', outdir, '--framework', 'cloudformation', '-o', 'json', '--compact', '--soft-fail'],
        { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LOG_LEVEL: 'ERROR' } });
      const reports = [JSON.parse(run)].flat();
      const where = (check: Check): { where: string; library: boolean } => {
        const regulated = stacks.find((s) => check.file_path.endsWith(`/${s.stack.stackName}.template.json`))!;
        const logicalId = check.resource.split('.').pop()!;
        const constructPath = `${pathsByLogicalId(regulated.stack).get(logicalId)}/Resource`.replace(/\/Resource\/Resource$/, '/Resource');
        return { where: constructPath, library: isLibraryPath(constructPath, regulated) };
      };
      const all = reports.flatMap((report) => report.results?.failed_checks ?? []).map((check: Check) => ({ ...where(check), id: check.check_id }));
      failed = all.filter((f) => f.library);
      usersFailed = all.length - failed.length;
      skipped = reports.flatMap((report) => report.results?.skipped_checks ?? [])
        .map((check: Check & { check_result: { suppress_comment: string } }) => ({ ...where(check), id: check.check_id, comment: check.check_result.suppress_comment }));
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);

  test("every failed check is the user's decision, named by a prop", () => {
    expect(failed.filter((f) => usersDecision(f.id, f.where) === undefined).map((f) => `${f.where} ${f.id}`)).toEqual([]);
    // The user's own resources keep theirs: nothing of the library hides them.
    expect(usersFailed).toBeGreaterThan(0);
  });

  test('the checks the library skips are on its own resources, each with a reason', () => {
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped.filter((s) => !s.library)).toEqual([]);
    for (const s of skipped) { expect(s.comment.length).toBeGreaterThan(30); }
    // What the skips are for: the providers' functions, the scripts' and the network interface statements.
    expect(new Set(skipped.map((s) => s.id))).toEqual(new Set(['CKV_AWS_115', 'CKV_AWS_116', 'CKV_AWS_117', 'CKV_AWS_173', 'CKV_AWS_158',
      'CKV_AWS_111']));
  });
});
