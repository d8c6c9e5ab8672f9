import nodemailer from 'nodemailer';
import { DeliveryError, type Notifier, type OutboxMessage } from './types.js';

export interface EmailNotifierOptions {
  /** smtp://user:pass@host:port, or smtps:// for implicit TLS (STARTTLS is used when the server offers it). */
  smtpUrl: string;
  from: string;
  /** Connection, greeting and socket timeouts (default 10 s). */
  timeoutMs?: number;
}

/**
 * E-mail over SMTP through nodemailer, plain text. The Message-ID is the outbox row id, so a message sent
 * again after a crash (delivery is at least once) is recognisable as the same one. SMTP's own codes decide
 * retries: 5xx replies to the message are permanent refusals; 4xx replies, connection problems and refused
 * logins are worth retrying.
 */
export function createEmailNotifier(o: EmailNotifierOptions): Notifier {
  const timeout = o.timeoutMs ?? 10_000;
  const transport = nodemailer.createTransport({
    url: o.smtpUrl,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  const domain = o.from.includes('@') ? o.from.slice(o.from.lastIndexOf('@') + 1).replace(/>$/, '') : 'plaza';
  return {
    channel: 'email',
    async deliver(m: OutboxMessage): Promise<void> {
      try {
        await transport.sendMail({
          from: o.from,
          to: m.recipient,
          subject: m.subject,
          text: m.body,
          messageId: `<${m.id}@${domain}>`,
          headers: { 'X-Plaza-Kind': m.kind },
        });
      } catch (e) {
        const err = e as { responseCode?: number; code?: string; message?: string };
        // A 5xx about the message or its recipient is final; a refused login is Plaza's configuration, which
        // an operator can fix, so the message waits for it like for a server that is down.
        const permanent =
          typeof err.responseCode === 'number' && err.responseCode >= 500 && err.code !== 'EAUTH';
        throw new DeliveryError(
          `smtp to ${m.recipient}: ${err.responseCode ?? err.code ?? ''} ${err.message ?? String(e)}`.trim(),
          !permanent,
          { cause: e },
        );
      }
    },
    async close() {
      transport.close();
    },
  };
}
