import cliProgress from 'cli-progress';
import type { Progress } from './runner.js';

export interface ProgressView {
  update(p: Progress): void;
  stop(): void;
}

const fmt = new Intl.NumberFormat('en-US');
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * A bar over simulated time while history loads when stderr is a terminal; otherwise a plain line every
 * few seconds (CI logs, pipes). Live mode prints a line now and then in both cases.
 */
export function progressView(
  history: { start: number; end: number },
  out: NodeJS.WriteStream = process.stderr,
): ProgressView {
  const totalDays = Math.max(1, Math.round((history.end - history.start) / 86_400_000));
  const dayOf = (t: number) =>
    Math.min(totalDays, Math.max(0, Math.floor((t - history.start) / 86_400_000) + 1));
  const bar = out.isTTY
    ? new cliProgress.SingleBar(
        {
          stream: out,
          hideCursor: true,
          format:
            'history |{bar}| day {value}/{total} {date} · {sent} events · {rate}/s · {accepted} accepted{issues}',
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let barStarted = false;
  let lastLine = 0;
  let live = false;
  const issues = (p: Progress) =>
    p.rejected + p.failed > 0 ? ` · ${fmt.format(p.rejected)} rejected, ${fmt.format(p.failed)} failed` : '';
  const stopBar = () => {
    if (bar && barStarted) {
      bar.stop();
      barStarted = false;
    }
  };
  return {
    update(p) {
      const payload = {
        date: day(p.simTime),
        sent: fmt.format(p.sent + p.skipped),
        rate: fmt.format(Math.round(p.rate)),
        accepted: fmt.format(p.accepted),
        issues: issues(p),
      };
      if (p.phase === 'history' && bar) {
        if (!barStarted) {
          bar.start(totalDays, dayOf(p.simTime), payload);
          barStarted = true;
        } else bar.update(dayOf(p.simTime), payload);
        return;
      }
      if (p.phase === 'live' && !live) {
        live = true;
        stopBar();
        out.write('history loaded; streaming live events (Ctrl-C to stop)\n');
      }
      const every = p.phase === 'live' ? 30_000 : 5_000;
      if (Date.now() - lastLine < every) return;
      lastLine = Date.now();
      out.write(
        p.phase === 'history'
          ? `history: day ${dayOf(p.simTime)}/${totalDays} (${payload.date}), ${payload.sent} events, ${payload.rate}/s, ${payload.accepted} accepted${payload.issues}\n`
          : `live: ${payload.sent} events in all, last at ${new Date(p.simTime).toISOString()}${payload.issues}\n`,
      );
    },
    stop: stopBar,
  };
}
