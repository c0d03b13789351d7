import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { cdkSynth } from '../e2e/harness/cdk-cli';
import { ensureBin, ROOT, runCli } from './support';

/**
 * `run --local` on a copyable example, synthesized by the real CDK CLI: the smoke test of
 * examples/smoke-test-api against an API served on this machine.
 */
describe('run --local on the smoke-test example', () => {
  let outdir: string;
  let server: Server;
  let apiURL: string;
  const requested: string[] = [];

  beforeAll(async () => {
    ensureBin();
    outdir = (await cdkSynth(join(ROOT, 'examples', 'smoke-test-api'))).outdir;
    server = createServer((req, res) => {
      requested.push(req.url ?? '');
      res.writeHead(req.url === '/missing' ? 404 : 200).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    apiURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const run = (...args: string[]) => runCli(['run', '--local', '--app', outdir, '--script', 'testApiMethods', '--region', 'eu-west-1', ...args]);

  test('prints the script\'s result: every path checked', async () => {
    const { code, stdout, stderr } = await run('--param', `apiURL=${apiURL}`);
    expect(stderr).toContain('GET /health -> 200');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ checked: 2 });
    expect(requested).toEqual(expect.arrayContaining(['/health', '/hello']));
  });

  test('a failing check exits 1 with the script\'s error', async () => {
    const { code, stderr } = await run('--param', `apiURL=${apiURL}`, '--param', 'testPaths=["missing"]');
    expect(code).toBe(1);
    expect(stderr).toContain('GET /missing answered 404 Not Found');
  });

  test('the API\'s URL, only known once deployed, must be given', async () => {
    const { code, stderr } = await run();
    expect(code).toBe(3);
    expect(stderr).toContain('apiURL');
  });
});
