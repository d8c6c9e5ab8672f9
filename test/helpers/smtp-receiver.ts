import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  user: string;
  raw: string;
}

/** The text body of a single-part message, decoded from quoted-printable or base64 when it was encoded. */
export function textOf(raw: string): string {
  const split = raw.indexOf('\r\n\r\n');
  const headers = raw.slice(0, split);
  const body = raw.slice(split + 4);
  const encoding = /^Content-Transfer-Encoding:\s*(\S+)/im.exec(headers)?.[1]?.toLowerCase();
  if (encoding === 'base64') return Buffer.from(body, 'base64').toString('utf8');
  if (encoding !== 'quoted-printable') return body;
  const bytes = body
    .replace(/=\r\n/g, '')
    .replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/**
 * A real SMTP server on loopback (smtp-server) requiring AUTH: it keeps every message it accepted, and can
 * refuse the next recipients with given SMTP codes (4xx transient, 5xx permanent).
 */
export class SmtpReceiver {
  readonly mails: ReceivedMail[] = [];
  private readonly refusals: number[] = [];
  private constructor(
    private readonly server: SMTPServer,
    readonly user: string,
    readonly pass: string,
  ) {}

  static async start(user = 'plaza', pass = 'smtp-secret'): Promise<SmtpReceiver> {
    let self: SmtpReceiver | undefined;
    const server = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth(auth, _session, cb) {
        if (auth.username === user && auth.password === pass) cb(null, { user });
        else cb(new Error('invalid credentials'));
      },
      onRcptTo(_address, _session, cb) {
        const code = self!.refusals.shift();
        if (code === undefined) return cb();
        cb(Object.assign(new Error(`refused for the test (${code})`), { responseCode: code }));
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          self!.mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            user: String(session.user),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          cb();
        });
      },
    });
    self = new SmtpReceiver(server, user, pass);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return self;
  }

  get port(): number {
    return (this.server.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `smtp://${this.user}:${this.pass}@127.0.0.1:${this.port}`;
  }

  refuseNext(...codes: number[]): this {
    this.refusals.push(...codes);
    return this;
  }

  async waitFor(n: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.mails.length < n) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${n} mails; got ${this.mails.length}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
