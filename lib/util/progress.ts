// A one-line progress bar for long runs: done/total, rate, ETA and any extra fields (loss, img/s).
// Writes to stderr and redraws in place on a TTY; on a pipe (CI) it prints at most every `logEveryMs`.
export class Progress {
  private start = Date.now();
  private lastPrint = 0;
  constructor(
    private label: string,
    private total: number,
    private opts: { logEveryMs?: number; stream?: NodeJS.WriteStream; silent?: boolean } = {},
  ) {}

  update(done: number, fields: Record<string, string | number> = {}): void {
    if (this.opts.silent) return;
    const stream = this.opts.stream ?? process.stderr;
    const now = Date.now();
    const tty = !!stream.isTTY;
    if (!tty && now - this.lastPrint < (this.opts.logEveryMs ?? 10_000) && done < this.total) return;
    this.lastPrint = now;
    const el = (now - this.start) / 1000;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 0;
    const eta = frac > 0 ? el * (1 / frac - 1) : NaN;
    const width = 24;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    const extra = Object.entries(fields)
      .map(([k, v]) => `${k}=${typeof v === 'number' ? fmt(v) : v}`)
      .join(' ');
    const line = `${this.label} [${bar}] ${done}/${this.total} ${fmtTime(el)} eta ${fmtTime(eta)} ${extra}`;
    stream.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
  }

  done(fields: Record<string, string | number> = {}): void {
    this.update(this.total, fields);
    if (!this.opts.silent && (this.opts.stream ?? process.stderr).isTTY)
      (this.opts.stream ?? process.stderr).write('\n');
  }
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toPrecision(4);
}

export function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  return h > 0 ? `${h}h${String(m % 60).padStart(2, '0')}m` : `${m}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
}
