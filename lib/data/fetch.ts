// Download a dataset file that has a byte-identical upstream copy (MedMNIST on Zenodo) into data/cache/, with a
// progress bar, streaming sha256, and an atomic rename only once size and checksum match. downloadVerified is the
// one downloader (lib/weights/fetch.ts uses it for Keras's weight files, whose published checksums are md5).
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
  return downloadVerified(
    { url, dest, label: entry.id, hash: { algorithm: 'sha256', hex: entry.sha256 }, bytes: entry.bytes, expectedBy: 'registry' },
    opts,
  );
}

export interface DownloadSpec {
  url: string;
  dest: string;
  /** Names the file in the progress bar and errors. */
  label: string;
  /** Published checksum (Keras publishes md5, the dataset registry sha256). */
  hash: { algorithm: 'sha256' | 'md5'; hex: string };
  /** Exact size when known; otherwise the Content-Length, when the server sends one, must be met. */
  bytes?: number;
  /** Who publishes the checksum, for error messages ("registry", "Keras"). */
  expectedBy: string;
}

/**
 * Download `spec.url` to `spec.dest` with a progress bar and a streaming checksum; the file appears (atomic rename)
 * only once size and checksum match. An existing file with the right checksum is returned as is.
 */
export async function downloadVerified(spec: DownloadSpec, opts: Omit<FetchOptions, 'url' | 'destDir'> = {}): Promise<string> {
  const { url, dest, hash: want } = spec;
  if (fs.existsSync(dest) && !opts.force) {
    const h = await hashOf(dest, want.algorithm);
    if (h === want.hex) return dest;
    throw new Error(`${dest}: already exists but its ${want.algorithm} ${h} is not the ${spec.expectedBy}'s ${want.hex}; remove it or pass --force`);
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
      throw new Error(`${url}: download failed (${ctrl.signal.aborted ? `no response for ${idle} ms` : (e as Error).message}${cause ? `: ${cause}` : ''})`, { cause: e });
    }
    if (!res.ok || !res.body) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`);
    const announced = Number(res.headers.get('content-length')) || undefined;
    const expected = spec.bytes ?? announced;
    const bar = new Progress(`fetch ${spec.label}`, expected ?? 0, { silent: opts.silent, logEveryMs: 2000 });
    const hash = crypto.createHash(want.algorithm);
    const fd = fs.openSync(tmp, 'w');
    let got = 0;
    try {
      const reader = res.body.getReader();
      for (;;) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (e) {
          throw new Error(`${url}: download interrupted after ${got} bytes (${ctrl.signal.aborted ? `no data for ${idle} ms` : (e as Error).message})`, { cause: e });
        }
        if (chunk.done) break;
        arm();
        fs.writeSync(fd, chunk.value);
        hash.update(chunk.value);
        got += chunk.value.length;
        if (spec.bytes !== undefined && got > spec.bytes) throw new Error(`${url}: more than the expected ${spec.bytes} bytes; not the ${spec.expectedBy}'s file`);
        bar.update(got, { MB: got / 1e6 });
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    bar.done({ MB: got / 1e6 });
    if (expected !== undefined && got !== expected) throw new Error(`${url}: got ${got} bytes, expected ${expected} (truncated download or a different file)`);
    const h = hash.digest('hex');
    if (h !== want.hex) throw new Error(`${url}: ${want.algorithm} mismatch: downloaded ${h}, ${spec.expectedBy} expects ${want.hex} for "${spec.label}"`);
    fs.renameSync(tmp, dest);
    return dest;
  } finally {
    clearTimeout(timer);
    fs.rmSync(tmp, { force: true });
  }
}

async function hashOf(file: string, algorithm: 'sha256' | 'md5'): Promise<string> {
  const h = crypto.createHash(algorithm);
  for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}
