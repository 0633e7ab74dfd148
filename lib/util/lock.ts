// Advisory lock files, so two processes (two grid shards started by mistake, two SLURM tasks on a shared folder)
// never train the same run or write the same export at once. A lock is a file created exclusively ('wx') that
// names its holder; the holder refreshes its mtime (heartbeat), so a lock left by a killed process is recognised
// as stale: at once on the same host (its pid is gone), after `staleMs` without a heartbeat elsewhere.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface LockInfo {
  pid: number;
  host: string;
  since: string;
  what?: string;
}

export interface Lock {
  file: string;
  release(): void;
}

export interface LockOptions {
  /** A lock whose file was not refreshed for this long is stale (default 10 min). */
  staleMs?: number;
  /** How often the holder refreshes the lock (default 30 s). */
  heartbeatMs?: number;
  /** Free text stored in the lock (what is being done), for the error a second process sees. */
  what?: string;
}

/** Whether a process of this id runs on this machine (EPERM: it exists, owned by another user). */
export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The holder of `file`, or undefined when there is no lock or it is stale. */
export function lockHolder(file: string, staleMs = 10 * 60_000): LockInfo | undefined {
  let info: LockInfo;
  let mtimeMs: number;
  try {
    mtimeMs = fs.statSync(file).mtimeMs;
    info = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
  } catch {
    // Missing, or caught half-written by its creator: a half-written lock is younger than a second.
    try {
      return Date.now() - fs.statSync(file).mtimeMs < 1000 ? { pid: -1, host: '?', since: '' } : undefined;
    } catch {
      return undefined;
    }
  }
  if (info.host === os.hostname()) return info.pid === process.pid || pidAlive(info.pid) ? info : undefined;
  return Date.now() - mtimeMs < staleMs ? info : undefined;
}

/**
 * Take the lock, or return undefined when a live holder has it. A stale lock is removed and taken over. The
 * returned lock must be released (also on error): use try/finally.
 */
export function tryLock(file: string, opts: LockOptions = {}): Lock | undefined {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const body = JSON.stringify({
    pid: process.pid,
    host: os.hostname(),
    since: new Date().toISOString(),
    what: opts.what,
  } satisfies LockInfo);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, body, { flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (lockHolder(file, opts.staleMs)) return undefined;
      fs.rmSync(file, { force: true });
      continue;
    }
    const beat = setInterval(() => {
      const now = new Date();
      try {
        fs.utimesSync(file, now, now);
      } catch {
        /* released or removed: the next tryLock elsewhere decides */
      }
    }, opts.heartbeatMs ?? 30_000);
    beat.unref();
    let released = false;
    return {
      file,
      release() {
        if (released) return;
        released = true;
        clearInterval(beat);
        try {
          const cur = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
          if (cur.pid === process.pid && cur.host === os.hostname()) fs.rmSync(file, { force: true });
        } catch {
          /* already gone */
        }
      },
    };
  }
  return undefined;
}

/** Wait (polling) until the lock can be taken; throws after `timeoutMs` naming the holder. */
export async function acquireLock(
  file: string,
  opts: LockOptions & { timeoutMs?: number; pollMs?: number } = {},
): Promise<Lock> {
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  for (;;) {
    const lock = tryLock(file, opts);
    if (lock) return lock;
    if (Date.now() > deadline) {
      const h = lockHolder(file, opts.staleMs);
      throw new Error(
        `${file}: still locked by pid ${h?.pid} on ${h?.host} since ${h?.since}${h?.what ? ` (${h.what})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 200));
  }
}
