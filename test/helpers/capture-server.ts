import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/**
 * A small real HTTP server speaking the collector's native ingest API (`POST /v1/events`), for SDK tests: it
 * records every request (headers, write key, decoded body: gzip, JSON or text/plain beacons) and answers like
 * the collector (accepted / rejected / deduplicated by event_id), unless told to answer otherwise for the
 * next requests (5xx, 429 with Retry-After, partial rejections, dropped connections). It answers CORS like a
 * collector must for browsers on another origin. Tests written against it take a `host` and can later point
 * at the real collector unchanged.
 */

export type WireEvent = Record<string, unknown> & { event_id?: string; event_type?: string };

export interface CapturedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** From HTTP Basic (username) or the writeKey query parameter. */
  writeKey: string | null;
  /** Bytes on the wire (before gunzip). */
  bytes: number;
  body: unknown;
  events: WireEvent[];
  /** Status this server answered with. */
  status: number;
  /** Indices rejected in a 200 answer. */
  rejectedIndices: number[];
  at: number;
}

export interface ScriptedResponse {
  status?: number;
  headers?: Record<string, string>;
  /** Reject these batch indices (200 with partial acceptance). */
  reject?: number[];
  /** Close the connection without answering (the client sees a network error). */
  hangUp?: boolean;
  /** Answer after this delay. */
  delayMs?: number;
}

export interface CaptureServerOptions {
  port?: number;
  /** When set, any other write key is answered 401. */
  writeKey?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class CaptureServer {
  readonly requests: CapturedRequest[] = [];
  /** CORS preflights seen. */
  preflights = 0;
  /** Default answer delay for every request (simulates a slow collector). */
  delayMs = 0;
  /** Most requests being answered at the same time. */
  maxConcurrent = 0;
  private concurrent = 0;
  private script: ScriptedResponse[] = [];
  private readonly seen = new Set<string>();
  private server: Server;
  private listening = false;
  port = 0;

  private constructor(private readonly options: CaptureServerOptions) {
    this.server = this.create();
  }

  static async start(options: CaptureServerOptions = {}): Promise<CaptureServer> {
    const s = new CaptureServer(options);
    await s.listen(options.port ?? 0);
    return s;
  }

  /** Base URL, to be given to an SDK as `host`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Queues answers for the next requests, in order; later requests get the default answer again. */
  respondNext(...responses: ScriptedResponse[]): this {
    this.script.push(...responses);
    return this;
  }

  failNext(n: number, status = 500): this {
    for (let i = 0; i < n; i++) this.script.push({ status });
    return this;
  }

  rateLimitNext(n: number, retryAfterSeconds: number): this {
    for (let i = 0; i < n; i++)
      this.script.push({ status: 429, headers: { 'Retry-After': String(retryAfterSeconds) } });
    return this;
  }

  rejectNext(indices: number[]): this {
    this.script.push({ reject: indices });
    return this;
  }

  /** Every event received, duplicates and failed attempts included. */
  allEvents(): WireEvent[] {
    return this.requests.flatMap((r) => r.events);
  }

  /** Events this server stored: from 2xx answers, minus rejected ones, first copy of each event_id. */
  storedEvents(): WireEvent[] {
    const out: WireEvent[] = [];
    const ids = new Set<string>();
    for (const r of this.requests) {
      if (r.status < 200 || r.status >= 300) continue;
      r.events.forEach((e, i) => {
        if (r.rejectedIndices.includes(i) || typeof e.event_id !== 'string' || ids.has(e.event_id)) return;
        ids.add(e.event_id);
        out.push(e);
      });
    }
    return out;
  }

  /** Waits until predicate holds (polling), failing with `what` after timeoutMs. */
  async waitFor(predicate: () => boolean, what = 'condition', timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) {
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what}; saw ${this.requests.length} requests`,
        );
      }
      await sleep(10);
    }
  }

  waitForStored(n: number, timeoutMs = 5000): Promise<void> {
    return this.waitFor(() => this.storedEvents().length >= n, `${n} stored events`, timeoutMs);
  }

  /** Stops listening and drops open connections: clients see the collector as down. */
  async stop(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  /** Listens again on the same port after stop(). */
  async restart(): Promise<void> {
    this.server = this.create();
    await this.listen(this.port);
  }

  close(): Promise<void> {
    return this.stop();
  }

  private create(): Server {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        if (!res.headersSent) res.writeHead(500).end(String(e));
      });
    });
    server.keepAliveTimeout = 2000;
    return server;
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as AddressInfo).port;
        this.listening = true;
        resolve();
      });
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
    if (req.method === 'OPTIONS') {
      this.preflights++;
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, Content-Encoding',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    this.concurrent++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
    try {
      await this.answer(req, res, raw);
    } finally {
      this.concurrent--;
    }
  }

  private async answer(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const record: CapturedRequest = {
      method: req.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      writeKey: writeKeyOf(req.headers.authorization, url.searchParams),
      bytes: raw.length,
      body: undefined,
      events: [],
      status: 0,
      rejectedIndices: [],
      at: Date.now(),
    };
    let malformed: string | null = null;
    try {
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      record.body = JSON.parse(text);
      const events = (record.body as { events?: unknown }).events;
      if (Array.isArray(events)) record.events = events as WireEvent[];
    } catch (e) {
      malformed = (e as Error).message;
    }
    this.requests.push(record);
    const scripted = this.script.shift() ?? {};
    const delay = scripted.delayMs ?? this.delayMs;
    if (delay > 0) await sleep(delay);
    if (scripted.hangUp) {
      req.socket.destroy();
      return;
    }
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || url.pathname !== '/v1/events') {
      return send(404, { error: { code: 'not_found', message: `${req.method} ${url.pathname}` } });
    }
    if (malformed) return send(400, { error: { code: 'malformed_json', message: malformed } });
    if (this.options.writeKey !== undefined && record.writeKey !== this.options.writeKey) {
      return send(401, {
        error: { code: 'invalid_write_key', message: 'the write key is unknown or revoked' },
      });
    }
    if (scripted.status !== undefined && scripted.status !== 200) {
      return send(
        scripted.status,
        { error: { code: 'scripted', message: `scripted ${scripted.status}` } },
        scripted.headers,
      );
    }
    const reject = scripted.reject ?? [];
    record.rejectedIndices = reject;
    let accepted = 0;
    let deduplicated = 0;
    record.events.forEach((e, i) => {
      if (reject.includes(i)) return;
      const id = String(e.event_id);
      if (this.seen.has(id)) deduplicated++;
      else {
        this.seen.add(id);
        accepted++;
      }
    });
    send(
      200,
      {
        success: true,
        accepted,
        deduplicated,
        rejected: reject.map((index) => ({
          index,
          errors: [{ kind: 'schema', pointer: '/properties/price', message: 'must be number' }],
        })),
      },
      scripted.headers,
    );
  }
}

function writeKeyOf(authorization: string | undefined, query: URLSearchParams): string | null {
  if (authorization?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    return i === -1 ? decoded : decoded.slice(0, i);
  }
  return query.get('writeKey');
}
