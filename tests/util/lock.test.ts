import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireLock, lockHolder, tryLock } from '../../lib/util/lock';
import { cleanStaleTemps, writeFileAtomic } from '../../lib/util/atomic';
import { tmpDirsRemovedAfterEach } from '../helpers/tmp-dirs';

const tmpDir = tmpDirsRemovedAfterEach('lock');
/** A pid that certainly ran and is gone: a child process that has exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

describe('lock files', () => {
  it('a second taker is refused while the holder lives, and gets it after release', () => {
    const f = path.join(tmpDir(), 'x.lock');
    const a = tryLock(f, { what: 'training x' });
    expect(a).toBeDefined();
    expect(tryLock(f)).toBeUndefined();
    expect(lockHolder(f)).toMatchObject({ pid: process.pid, host: os.hostname(), what: 'training x' });
    a!.release();
    expect(fs.existsSync(f)).toBe(false);
    const b = tryLock(f);
    expect(b).toBeDefined();
    b!.release();
  });

  it('a lock left by a dead process on this host is taken over at once', () => {
    const f = path.join(tmpDir(), 'x.lock');
    fs.writeFileSync(f, JSON.stringify({ pid: deadPid(), host: os.hostname(), since: new Date().toISOString() }));
    const l = tryLock(f);
    expect(l).toBeDefined();
    l!.release();
  });

  it("another host's lock counts until its heartbeat is older than staleMs", () => {
    const f = path.join(tmpDir(), 'x.lock');
    fs.writeFileSync(f, JSON.stringify({ pid: 1, host: 'some-other-node', since: '' }));
    expect(tryLock(f, { staleMs: 60_000 })).toBeUndefined();
    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(f, old, old);
    const l = tryLock(f, { staleMs: 60_000 });
    expect(l).toBeDefined();
    l!.release();
  });

  it('acquireLock waits for the holder, and times out naming it', async () => {
    const f = path.join(tmpDir(), 'x.lock');
    const a = tryLock(f, { what: 'export smoke' })!;
    setTimeout(() => a.release(), 150);
    const b = await acquireLock(f, { pollMs: 20, timeoutMs: 5000 });
    b.release();
    const c = tryLock(f)!;
    await expect(acquireLock(f, { pollMs: 20, timeoutMs: 100 })).rejects.toThrow(/still locked by pid \d+/);
    c.release();
  });
});

describe('temp files of interrupted atomic writes', () => {
  it("removes a dead process's temp file older than a minute, keeps live and fresh ones", () => {
    const dir = tmpDir();
    writeFileAtomic(path.join(dir, 'a.json'), '{}');
    const dead = path.join(dir, `.b.json.${deadPid()}.${Date.now()}.tmp`);
    const deadFresh = path.join(dir, `.c.json.${deadPid()}.${Date.now()}.tmp`);
    const mine = path.join(dir, `.d.json.${process.pid}.${Date.now()}.tmp`);
    for (const f of [dead, deadFresh, mine]) fs.writeFileSync(f, 'half');
    const old = new Date(Date.now() - 5 * 60_000);
    fs.utimesSync(dead, old, old);
    expect(cleanStaleTemps(dir)).toEqual([dead]);
    expect(cleanStaleTemps(dir, { graceMs: 0 })).toEqual([deadFresh]);
    expect(fs.readdirSync(dir).sort()).toEqual([path.basename(mine), 'a.json'].sort());
  });
});
