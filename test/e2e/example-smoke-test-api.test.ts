/**
 * examples/smoke-test-api, synthesized with the CDK CLI and deployed by the harness: the script fetches the
 * API's URLs from its parameters. The API's URL (resolved at deploy time from the HttpApi's id) is pointed at
 * a local HTTP server standing in for the deployed API; a path it answers 404 fails the deployment, with the
 * status in the reason, and the stack rolls back.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { cdkSynth } from './harness/cdk-cli';
import { readStack, type AssemblyStack, type Harness } from './harness';
import { ROOT, startHarness, tempDir } from './support';

jest.setTimeout(120_000);

const EXAMPLE = join(ROOT, 'examples', 'smoke-test-api');

let harness: Harness;
let api: { server: Server; url: string; requests: string[]; missing: Set<string> };
let stackArtifact: AssemblyStack;

beforeAll(async () => {
  const synthesized = await cdkSynth(EXAMPLE, tempDir());
  stackArtifact = readStack(synthesized.outdir, 'SmokeTestedApi');
  api = await startApi();
  harness = await startHarness({
    // The API deployed: its endpoint now answers at the local stand-in.
    onResource: (event) => {
      if (event.action === 'Create' && event.type === 'AWS::ApiGatewayV2::Api') harness.mapUrl(String(event.attributes.ApiEndpoint), api.url);
    },
  });
}, 15 * 60_000);
afterAll(async () => {
  await harness?.close();
  api?.server.close();
});

test('the CDK CLI synthesizes the example: a deployment script whose parameters carry the API\'s URL', () => {
  const resources = Object.values(stackArtifact.template.Resources);
  const script = resources.find((r) => r.Type === 'Custom::DeploymentScript')!;
  expect(script).toBeDefined();
  expect(JSON.stringify(script.Properties!.Parameters)).toContain('"testPaths\\":[\\"health\\",\\"hello\\"]');
});

test('a deployment smoke-tests the API after everything is deployed', async () => {
  const stack = harness.stack(stackArtifact, undefined, { stackName: 'SmokeTestedApi-ok' });

  const created = await stack.create();

  expect(created.status).toBe('CREATE_COMPLETE');
  expect(api.requests).toEqual(['GET /health', 'GET /hello']);
  expect(created.exchangesOf('testApiMethods')[0].response?.Data).toEqual({ checked: '2' });
  expect((await stack.delete()).status).toBe('DELETE_COMPLETE');
  expect(api.requests).toHaveLength(2); // nothing runs on deletion
});

test('a 404 fails the deployment with the status in the reason, and the stack rolls back', async () => {
  api.requests.length = 0;
  api.missing.add('/hello');
  const stack = harness.stack(stackArtifact, undefined, { stackName: 'SmokeTestedApi-broken' });

  const created = await stack.create();

  expect(created.status).toBe('ROLLBACK_COMPLETE');
  expect(created.failure?.logicalId).toBe('testApiMethods');
  const [exchange] = created.exchangesOf('testApiMethods', 'Create');
  expect(exchange.bytes).toBeLessThan(4096);
  expect(exchange.response?.Reason).toMatch(/^Deployment script testApiMethods failed: Error: GET \/hello answered 404 Not Found\n/);
  expect(exchange.response?.Reason).toContain('GET /hello -> 404');
  expect(api.requests).toEqual(['GET /health', 'GET /hello']);
});

/** The deployed API's stand-in: answers its paths, 404 for the others and for those marked missing. */
async function startApi(): Promise<typeof api> {
  const requests: string[] = [];
  const missing = new Set<string>();
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const path = req.url ?? '/';
    if ((path === '/health' || path === '/hello') && !missing.has(path)) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path }));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, missing };
}
