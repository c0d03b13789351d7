/** The script's event: the parameters the stack gives it. */
interface SmokeTest {
  /** The API's base URL, resolved at deploy time. */
  readonly apiURL: string;
  /** Paths to GET, relative to the base URL. */
  readonly testPaths: readonly string[];
}

/** GETs each path of the freshly deployed API; any answer but 2xx fails the deployment. */
export async function handler(event: SmokeTest): Promise<{ checked: number }> {
  for (const testPath of event.testPaths) {
    const url = new URL(testPath, event.apiURL);
    const started = Date.now();
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    console.log(`GET ${url.pathname} -> ${response.status} (${Date.now() - started} ms)`);
    if (!response.ok) {
      // Throwing fails the deployment: CloudFormation shows this message and rolls the stack back.
      throw new Error(`GET ${url.pathname} answered ${response.status} ${response.statusText}`);
    }
  }
  return { checked: event.testPaths.length };
}
