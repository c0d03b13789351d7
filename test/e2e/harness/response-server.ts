/**
 * CloudFormation's side of a custom resource's answer: the presigned S3 URL it gives in `ResponseURL`.
 *
 * aws-cdk-lib's Provider framework answers with `https.request({ hostname, path, method: 'PUT' })`: it keeps
 * the host and drops any port, so the answer goes to port 443. The harness serves HTTPS on 127.0.0.1:443 with
 * a certificate generated for the run (a CA and a server certificate for IP 127.0.0.1, made with openssl),
 * which the functions trust through `NODE_EXTRA_CA_CERTS` as Lambda trusts S3's real certificate: TLS
 * verification stays on.
 *
 * Only one process can listen on 443. A harness that finds it taken waits for it (another jest worker's
 * harness holds it until its test file ends), so e2e test files run one at a time whatever the worker count.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';

/** What CloudFormation received at one ResponseURL. */
export interface ReceivedResponse {
  readonly method: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body as received. */
  readonly body: string;
  /** Its size in bytes, as CloudFormation counts it. */
  readonly bytes: number;
}

export interface ResponseServerOptions {
  /** Where the certificates go. */
  readonly directory: string;
  /** How long to wait for port 443 when another harness holds it. @default 10 minutes */
  readonly waitForPortMs?: number;
}

const HOST = '127.0.0.1';
const PORT = 443;

export class ResponseServer {
  static async start(options: ResponseServerOptions): Promise<ResponseServer> {
    const certificates = makeCertificates(options.directory);
    const server = new ResponseServer(certificates);
    await server.listen(options.waitForPortMs ?? 10 * 60_000);
    return server;
  }

  /** The CA certificate file functions must trust (`NODE_EXTRA_CA_CERTS`). */
  readonly caFile: string;
  private readonly server: Server;
  private readonly received = new Map<string, ReceivedResponse[]>();
  private readonly waiters = new Map<string, () => void>();
  private readonly listeners = new Map<string, Set<() => void>>();

  private constructor(certificates: { caFile: string; keyFile: string; certFile: string }) {
    this.caFile = certificates.caFile;
    this.server = createServer({ key: readFileSync(certificates.keyFile), cert: readFileSync(certificates.certFile) }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const path = (req.url ?? '/').split('?')[0];
        const known = this.received.get(path);
        if (!known) {
          // S3 refuses a presigned URL it did not sign.
          res.writeHead(403, { 'content-type': 'application/xml' }).end('<Error><Code>SignatureDoesNotMatch</Code></Error>');
          return;
        }
        const body = Buffer.concat(chunks);
        known.push({ method: req.method ?? '', headers: req.headers, body: body.toString('utf8'), bytes: body.length });
        res.writeHead(200).end();
        this.waiters.get(path)?.();
        for (const listener of this.listeners.get(path) ?? []) listener();
        this.listeners.delete(path);
      });
    });
  }

  /** A new presigned-looking ResponseURL, unique to one request. */
  newResponseUrl(label: string): { url: string; path: string } {
    const path = `/${encodeURIComponent(label)}/${randomUUID()}`;
    this.received.set(path, []);
    const signature = randomBytes(32).toString('hex');
    return {
      path,
      url: `https://${HOST}${path}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20240101T000000Z&X-Amz-Expires=7200&X-Amz-SignedHeaders=host&X-Amz-Signature=${signature}`,
    };
  }

  /** The answers received at a ResponseURL's path. */
  responses(path: string): ReceivedResponse[] {
    return this.received.get(path) ?? [];
  }

  /** Waits up to `ms` for an answer at the path. */
  async waitFor(path: string, ms: number): Promise<ReceivedResponse | undefined> {
    if (this.responses(path).length > 0) return this.responses(path)[0];
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiters.set(path, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.waiters.delete(path);
    return this.responses(path)[0];
  }

  /** Calls `listener` once, when the first answer arrives at the path (at once if one has). */
  onAnswer(path: string, listener: () => void): void {
    if (this.responses(path).length > 0) {
      listener();
      return;
    }
    this.listeners.set(path, (this.listeners.get(path) ?? new Set()).add(listener));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async listen(waitMs: number): Promise<void> {
    const giveUp = Date.now() + waitMs;
    for (;;) {
      try {
        await new Promise<void>((resolve, reject) => {
          const onError = (error: Error) => reject(error);
          this.server.once('error', onError);
          this.server.listen(PORT, HOST, () => {
            this.server.off('error', onError);
            resolve();
          });
        });
        return;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EACCES') {
          throw new Error(`the e2e harness must listen on ${HOST}:${PORT} (the Provider framework answers CloudFormation on port 443 whatever the URL says): run as root, or allow it with 'sysctl net.ipv4.ip_unprivileged_port_start=443'`);
        }
        if (code !== 'EADDRINUSE' || Date.now() > giveUp) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }
}

/** A CA and a server certificate for 127.0.0.1 signed by it, made with openssl. */
function makeCertificates(directory: string): { caFile: string; keyFile: string; certFile: string } {
  const file = (name: string) => join(directory, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', '2', '-subj', '/CN=cdk-deployment-script e2e harness CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', `/CN=${HOST}`);
  writeFileSync(file('server.ext'), `subjectAltName=IP:${HOST}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`);
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial',
    '-out', file('server.crt'), '-days', '2', '-extfile', file('server.ext'));
  return { caFile: file('ca.crt'), keyFile: file('server.key'), certFile: file('server.crt') };
}
