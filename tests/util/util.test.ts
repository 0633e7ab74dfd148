import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { Rng } from '../../lib/util/rng';
import { canonicalJson, configHash, sha256File } from '../../lib/util/hash';
import { writeJsonAtomic, readJson } from '../../lib/util/atomic';
import { profileName } from '../../lib/util/profile';

describe('Rng', () => {
  it('same seed gives the same stream; state round-trips', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xs);
    const s = a.getState();
    const next = a.nextUint32();
    const c = new Rng(s);
    expect(c.nextUint32()).toBe(next);
    expect(new Rng(43).next()).not.toBe(xs[0]);
  });
  it('is roughly uniform and normal() has the right moments', () => {
    const r = new Rng(1);
    const n = 20000;
    const bins = new Array(10).fill(0);
    for (let i = 0; i < n; i++) bins[r.int(10)]++;
    for (const b of bins) expect(Math.abs(b - n / 10)).toBeLessThan(200); // ~4.7 sd
    let s = 0,
      s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = r.normal();
      s += v;
      s2 += v * v;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.05);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05);
  });
  it('shuffle is a permutation', () => {
    const arr = Array.from({ length: 50 }, (_, i) => i);
    new Rng(3).shuffle(arr);
    expect([...arr].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(arr).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

describe('hash', () => {
  it('canonical JSON ignores key order', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
    expect(configHash({ x: 1, y: 2 })).toBe(configHash({ y: 2, x: 1 }));
    expect(configHash({ x: 1 })).not.toBe(configHash({ x: 2 }));
  });
  it('sha256File matches node crypto on the whole buffer', () => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-')), 'x.bin');
    const buf = crypto.randomBytes(3_000_000);
    fs.writeFileSync(f, buf);
    expect(sha256File(f)).toBe(crypto.createHash('sha256').update(buf).digest('hex'));
  });
});

describe('atomic write', () => {
  it('writes JSON, leaves no temp file, and reports bad JSON with the file name', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-'));
    const f = path.join(dir, 'sub', 'r.json');
    writeJsonAtomic(f, { a: 1 });
    expect(readJson(f)).toEqual({ a: 1 });
    expect(fs.readdirSync(path.dirname(f))).toEqual(['r.json']);
    fs.writeFileSync(f, '{oops');
    expect(() => readJson(f)).toThrow(/r\.json: not valid JSON/);
  });
});

describe('profile', () => {
  it('accepts known profiles and rejects others', () => {
    expect(profileName('smoke')).toBe('smoke');
    expect(() => profileName('huge')).toThrow(/unknown profile "huge"/);
  });
});
