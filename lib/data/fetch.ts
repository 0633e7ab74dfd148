// Download a dataset file that has a byte-identical upstream copy (MedMNIST on Zenodo) into data/cache/, with a
// progress bar, streaming sha256, and an atomic rename only once size and checksum match.
import fs from 'node:fs';
import { cleanStaleTemps } from '../util/atomic';
import path from 'node:path';
import crypto from 'node:crypto';
import { CACHE_DIR } from '../util/paths';
import { Progress } from '../util/progress';
import { getEntry, type DatasetEntry } from './registry';

export interface FetchOptions {
  /** Override the URL (tests serve a file from 127.0.0.1). */
  url?: string;
  /** Folder laid out like ../shared/datasets (default data/cache). */
  destDir?: string;
  /** Give up when no byte arrives for this long (default 60 s). */
  idleTimeoutMs?: number;
  /** Replace an existing file. */
  force?: boolean;
  silent?: boolean;
}

/** Download `id` and return the path of the verified file. Throws naming the URL and the problem. */
export async function fetchDataset(id: string | DatasetEntry, opts: FetchOptions = {}): Promise<string> {
  const entry = typeof id === 'string' ? getEntry(id) : id;
  const url = opts.url ?? entry.url;
  if (!url) {
    const why = entry.upstreamFile
      ? `its upstream file ${entry.upstreamFile.url} is not the same file (${entry.upstreamFile.note})`
      : 'it has no byte-identical public download';
    throw new Error(`${entry.file}: "${entry.id}" cannot be fetched: ${why}. Copy it from the project's shared datasets folder instead.`);
  }
  const dest = path.join(opts.destDir ?? CACHE_DIR, entry.file);
  if (fs.existsSync(dest) && !opts.force) {
    const sha = await sha256Of(dest);
    if (sha === entry.sha256) return dest;
    throw new Error(`${dest}: already exists but its sha256 ${sha} is not the registry's ${entry.sha256}; remove it or pass --force`);
  }
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  cleanStaleTemps(path.dirname(dest), { graceMs: 0 }); // a download killed half-way (this checkout's own folder)
  const tmp = `${dest}.${process.pid}.download`;
  const ctrl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const idle = opts.idleTimeoutMs ?? 60_000;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => ctrl.abort(), idle);
  };
  try {
    arm();
    let res: Response;
    try {
      res = await fetch(url, { signal: ctrl.signal, redirect: 'follow' });
    } catch (e) {
      const cause = (e as Error & { cause?: Error }).cause?.message;
      throw new Error(`${url}: download failed (${ctrl.signal.aborted ? `no response for ${idle} ms` : (e as Error).message}${cause ? `: ${cause}` : ''})`);
    }
    if (!res.ok || !res.body) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`);
    const total = Number(res.headers.get('content-length') ?? entry.bytes) || entry.bytes;
    const bar = new Progress(`fetch ${entry.id}`, total, { silent: opts.silent, logEveryMs: 2000 });
    const hash = crypto.createHash('sha256');
    const fd = fs.openSync(tmp, 'w');
    let got = 0;
    try {
      const reader = res.body.getReader();
      for (;;) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (e) {
          throw new Error(`${url}: download interrupted after ${got} bytes (${ctrl.signal.aborted ? `no data for ${idle} ms` : (e as Error).message})`);
        }
        if (chunk.done) break;
        arm();
        fs.writeSync(fd, chunk.value);
        hash.update(chunk.value);
        got += chunk.value.length;
        if (got > entry.bytes) throw new Error(`${url}: more than the expected ${entry.bytes} bytes; not the registry's file`);
        bar.update(got, { MB: got / 1e6 });
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    bar.done({ MB: got / 1e6 });
    if (got !== entry.bytes) throw new Error(`${url}: got ${got} bytes, expected ${entry.bytes} (truncated download or a different file)`);
    const sha = hash.digest('hex');
    if (sha !== entry.sha256) throw new Error(`${url}: sha256 mismatch: downloaded ${sha}, registry expects ${entry.sha256} for "${entry.id}"`);
    fs.renameSync(tmp, dest);
    return dest;
  } finally {
    clearTimeout(timer);
    fs.rmSync(tmp, { force: true });
  }
}

async function sha256Of(file: string): Promise<string> {
  const h = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}
