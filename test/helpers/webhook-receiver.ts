import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  raw: string;
  body: any;
  /** Checked here with node:crypto directly, not with Plaza's own signing code. */
  signatureValid: boolean;
  status: number;
  /** When it arrived (ms since the epoch). */
  at: number;
}

/**
 * A real HTTP server receiving webhooks: it records each request, checks its HMAC-SHA256 signature over
 * `<X-Plaza-Timestamp>.<body>`, and answers 200 unless statuses were queued with `failNext`.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private readonly script: number[] = [];
  private constructor(
    private readonly server: Server,
    readonly secret: string,
  ) {}

  static async start(secret: string): Promise<WebhookReceiver> {
    let self: WebhookReceiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => self!.handle(req.headers, Buffer.concat(chunks).toString('utf8'), res));
    });
    self = new WebhookReceiver(server, secret);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return self;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/plaza`;
  }

  /** Answers the next requests with these statuses, in order. */
  failNext(...statuses: number[]): this {
    this.script.push(...statuses);
    return this;
  }

  /** Requests answered 2xx. */
  accepted(): ReceivedWebhook[] {
    return this.received.filter((r) => r.status < 300);
  }

  async waitFor(predicate: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; received ${this.received.length} webhooks`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(
    headers: IncomingHttpHeaders,
    raw: string,
    res: { writeHead(s: number): { end(b?: string): void } },
  ) {
    const ts = String(headers['x-plaza-timestamp'] ?? '');
    const want = `sha256=${createHmac('sha256', this.secret).update(`${ts}.${raw}`).digest('hex')}`;
    const status = this.script.shift() ?? 200;
    let body: unknown = null;
    try {
      body = JSON.parse(raw);
    } catch {}
    this.received.push({
      headers,
      raw,
      body,
      signatureValid: headers['x-plaza-signature'] === want,
      status,
      at: Date.now(),
    });
    res.writeHead(status).end(status < 300 ? 'ok' : 'try again');
  }
}
