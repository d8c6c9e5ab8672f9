import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { isRetryable, retryAfterMs } from './retry.js';
import type { NativeEvent } from './types.js';

const gzip = promisify(gzipCb);

/** Bodies smaller than this are sent as is: gzip would save little and cost a thread-pool round trip. */
const GZIP_MIN_BYTES = 1024;

export interface WireRejection {
  index: number;
  errors: { kind: string; pointer: string; message: string }[];
}

export type Outcome =
  | { kind: 'ok'; status: number; accepted: number; deduplicated: number; rejected: WireRejection[] }
  | { kind: 'retry'; status: number; afterMs: number | null; message: string }
  | { kind: 'refused'; status: number; message: string };

/** One HTTP request per batch to `POST /v1/events`, classified into what the client should do next. */
export class Transport {
  private readonly url: string;
  private readonly auth: string;

  constructor(
    host: string,
    writeKey: string,
    private readonly useGzip: boolean,
    private readonly timeoutMs: number,
    private readonly userAgent: string,
  ) {
    this.url = `${host.replace(/\/+$/, '')}/v1/events`;
    this.auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  }

  /** Sends a batch; stamps sent_at on every event first (so a retry reports its own send time). */
  async send(batch: NativeEvent[]): Promise<{ outcome: Outcome; bytes: number }> {
    const now = new Date().toISOString();
    for (const e of batch) e.sent_at = now;
    const json = JSON.stringify({ events: batch });
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Authorization: this.auth,
      'User-Agent': this.userAgent,
    };
    let body: string | Buffer = json;
    if (this.useGzip && json.length >= GZIP_MIN_BYTES) {
      body = await gzip(json, { level: 4 });
      headers['Content-Encoding'] = 'gzip';
    }
    const bytes = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers,
        // zlib output is a Buffer over a plain ArrayBuffer; the DOM typing only wants that spelled out.
        body: body as string | Uint8Array<ArrayBuffer>,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await res.text();
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause;
      const message = `${(e as Error).name === 'TimeoutError' ? 'timeout' : 'network error'}: ${cause?.code ?? (e as Error).message}`;
      return { outcome: { kind: 'retry', status: 0, afterMs: null, message }, bytes };
    }
    const status = res.status;
    if (status >= 200 && status < 300) {
      let parsed: { accepted?: unknown; deduplicated?: unknown; rejected?: unknown } = {};
      try {
        parsed = JSON.parse(text);
      } catch {
        // A 2xx means the events are stored even if the body says nothing more.
      }
      const rejected = Array.isArray(parsed.rejected) ? (parsed.rejected as WireRejection[]) : [];
      const deduplicated = typeof parsed.deduplicated === 'number' ? parsed.deduplicated : 0;
      const accepted =
        typeof parsed.accepted === 'number' ? parsed.accepted : batch.length - rejected.length - deduplicated;
      return { outcome: { kind: 'ok', status, accepted, deduplicated, rejected }, bytes };
    }
    const message = `HTTP ${status}: ${errorMessage(text)}`;
    if (isRetryable(status)) {
      return {
        outcome: { kind: 'retry', status, afterMs: retryAfterMs(res.headers.get('retry-after')), message },
        bytes,
      };
    }
    return { outcome: { kind: 'refused', status, message }, bytes };
  }
}

function errorMessage(text: string): string {
  try {
    const j = JSON.parse(text) as { error?: { message?: string }; message?: string };
    return j.error?.message ?? j.message ?? text.slice(0, 200);
  } catch {
    return text.slice(0, 200);
  }
}
