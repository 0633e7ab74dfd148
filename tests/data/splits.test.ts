import { describe, it, expect } from 'vitest';
import { makeSplits, splitHash, leakageUnits, formatSplitFile, validateSplitFile, type SplitInputs } from '../../lib/data/splits';
import { Rng } from '../../lib/util/rng';

const entry = { id: 'synthetic', sha256: 'f'.repeat(64) };

function splitOf(s: { train: number[]; val: number[]; test: number[] }): Map<number, string> {
  const m = new Map<number, string>();
  for (const k of ['train', 'val', 'test'] as const) for (const i of s[k]) m.set(i, k);
  return m;
}

/** 600 images, 3 classes (300/200/100), groups of 1–3 images, and some exact duplicates. */
function synthetic(sourceSplit?: (i: number) => string): SplitInputs {
  const r = new Rng(11);
  const n = 600;
  const labels = Int32Array.from({ length: n }, (_, i) => (i < 300 ? 0 : i < 500 ? 1 : 2));
  const groups = Array.from({ length: n }, (_, i) => (i % 7 === 0 ? '' : `p${Math.floor(i / 3)}`));
  const pixelHashes = Array.from({ length: n }, (_, i) => `h${i}`);
  // 40 duplicate pairs, same label, anywhere in the class
  for (let k = 0; k < 40; k++) {
    const a = r.int(n);
    let b = r.int(n);
    while (labels[b] !== labels[a] || b === a) b = r.int(n);
    pixelHashes[b] = pixelHashes[a];
  }
  return { labels, numClasses: 3, sourceSplit: Array.from({ length: n }, (_, i) => sourceSplit?.(i) ?? 'all'), groups, pixelHashes };
}

describe('makeSplits', () => {
  it('random split: stratified 70/15/15, every image once, no group and no duplicate across splits', () => {
    const inp = synthetic();
    const s = makeSplits(entry, inp, 0);
    const where = splitOf(s);
    expect(where.size).toBe(600);
    for (const k of ['train', 'val', 'test'] as const) {
      const frac = [300, 200, 100].map((tot, c) => s.counts[k][c] / tot);
      const want = k === 'train' ? 0.7 : 0.15;
      for (const f of frac) expect(Math.abs(f - want)).toBeLessThan(0.04);
    }
    const byKey = new Map<string, Set<string>>();
    for (let i = 0; i < 600; i++) {
      for (const key of [`px:${inp.pixelHashes[i]}`, inp.groups![i] ? `g:${inp.groups![i]}` : '']) {
        if (!key) continue;
        const set = byKey.get(key) ?? new Set();
        set.add(where.get(i)!);
        byKey.set(key, set);
      }
    }
    for (const [k, set] of byKey) expect(set.size, k).toBe(1);
    expect(s.hash).toBe(splitHash(s));
    expect(makeSplits(entry, inp, 0).hash).toBe(s.hash); // deterministic
    expect(makeSplits(entry, inp, 1).hash).not.toBe(s.hash); // seeded
  });

  it('source split kept (test whole); copies spanning source splits stay only in the most held-out one; conflicting labels dropped outside test', () => {
    const n = 12;
    const labels = Int32Array.from([0, 0, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1]);
    const sourceSplit = ['train', 'train', 'train', 'train', 'val', 'val', 'test', 'test', 'train', 'train', 'train', 'test'];
    const pixelHashes = Array.from({ length: n }, (_, i) => `h${i}`);
    pixelHashes[0] = pixelHashes[6] = 'dupA'; // train + test, same label → keep 6, drop 0
    pixelHashes[1] = pixelHashes[4] = 'dupB'; // train + val → keep 4, drop 1
    pixelHashes[8] = pixelHashes[9] = 'dupC'; // both train → both kept
    pixelHashes[10] = pixelHashes[11] = 'dupD'; // train + test with different labels → test copy kept, train copy dropped
    labels[10] = 0;
    pixelHashes[2] = pixelHashes[3] = 'dupE'; // both train, different labels → both dropped
    labels[3] = 0;
    const s = makeSplits(entry, { labels, numClasses: 2, sourceSplit, pixelHashes });
    expect(s.method).toBe('source split');
    expect(s.train).toEqual([8, 9]);
    expect(s.val).toEqual([4, 5]);
    expect(s.test).toEqual([6, 7, 11]); // the source test split is kept whole
    expect(s.dropped['copy of an image in the source test split']).toEqual([0]);
    expect(s.dropped['copy of an image in the source val split']).toEqual([1]);
    expect(s.dropped['exact duplicate with a different label']).toEqual([2, 3, 10]);
  });

  it('train/test-only source gets val carved from train; train/val-only source uses its val as test', () => {
    const inp = synthetic((i) => (i % 5 === 0 ? 'test' : 'train'));
    inp.groups = undefined;
    const s = makeSplits(entry, inp);
    expect(s.method).toMatch(/val = 0.15 of source train/);
    const where = splitOf(s);
    for (let i = 0; i < 600; i++) if (inp.sourceSplit[i] === 'test' && where.has(i)) expect(where.get(i)).toBe('test');
    const trainTotal = s.train.length + s.val.length;
    expect(Math.abs(s.val.length / trainTotal - 0.15)).toBeLessThan(0.02);
    const tv = synthetic((i) => (i % 5 === 0 ? 'val' : 'train'));
    const s2 = makeSplits(entry, tv);
    expect(s2.method).toMatch(/source 'val' used as test/);
    expect(s2.test.every((i) => i % 5 === 0)).toBe(true);
    expect(s2.val.length).toBeGreaterThan(0);
  });

  it('leakage units join by group and by pixels transitively', () => {
    const u = leakageUnits(5, ['a', 'b', 'a', 'c', 'd'], ['', 'g1', 'g1', '', 'x']);
    // 0~2 by pixels, 1~2 by group → {0,1,2}; 3; 4
    expect(u.map((x) => x.sort()).sort()).toEqual([[0, 1, 2], [3], [4]]);
  });

  it('near-duplicate pairs join units transitively (with pixels and groups); a pair outside the set is refused', () => {
    // 0~2 by pixels, 2~3 near, 3~5 near, 6~7 by group, 7~8 near → {0,2,3,5}, {1}, {4}, {6,7,8}
    const u = leakageUnits(9, ['a', 'b', 'a', 'c', 'd', 'e', 'f', 'g', 'h'], ['', '', '', '', '', '', 'g1', 'g1', ''], [[2, 3], [3, 5], [7, 8]]);
    expect(u.map((x) => x.sort((p, q) => p - q))).toEqual([[0, 2, 3, 5], [1], [4], [6, 7, 8]]);
    expect(() => leakageUnits(3, ['a', 'b', 'c'], undefined, [[1, 3]])).toThrow('near-duplicate pair [1, 3] outside 0..2');
  });

  it('near-duplicate grouping: units kept whole, the split notes say what was merged, and no pairs means no change in indices', () => {
    const inp = synthetic();
    const plain = makeSplits(entry, inp, 0);
    // chains of near-duplicates inside each class: 20 chains of 5 consecutive same-label images
    const pairs: Array<[number, number]> = [];
    for (let c = 0; c < 20; c++) for (let k = 0; k < 4; k++) pairs.push([c * 30 + k, c * 30 + k + 1]);
    const grouped = makeSplits(entry, { ...inp, nearDuplicates: { grouping: { method: 'thumb16-correlation', threshold: 0.9 }, pairs } }, 0);
    const where = splitOf(grouped);
    for (const [a, b] of pairs) expect(where.get(a), `${a}-${b}`).toBe(where.get(b));
    const before = leakageUnits(600, inp.pixelHashes, inp.groups).length;
    const after = leakageUnits(600, inp.pixelHashes, inp.groups, pairs).length;
    expect(after).toBeLessThan(before);
    expect(grouped.notes[0]).toContain(`80 pairs joined ${before} exact-duplicate/group units into ${after}`);
    expect(grouped.method).toBe('random stratified 0.7/0.15/0.15, grouped by group key and exact duplicates and near duplicates (16×16 thumbnail correlation ≥ 0.9)');
    // grouping switched on with no pairs: same indices as without it (only the method text and notes say so)
    const none = makeSplits(entry, { ...inp, nearDuplicates: { grouping: { method: 'thumb16-correlation', threshold: 0.9 }, pairs: [] } }, 0);
    expect(none.hash).toBe(plain.hash);
    expect(none.notes[0]).toMatch(/^near duplicates .*: 0 pairs joined (\d+) exact-duplicate\/group units into \1; 0 merged unit/);
  });

  it('split file text parses back to the same indices', () => {
    const s = makeSplits(entry, synthetic());
    const back = JSON.parse(formatSplitFile(s));
    expect(back.train).toEqual(s.train);
    expect(back.hash).toBe(s.hash);
    expect(splitHash(back)).toBe(s.hash);
  });

  it('a split file with an empty split is refused, naming the file and the split', () => {
    const s = makeSplits(entry, synthetic());
    validateSplitFile(s, entry, 600, 'x.json'); // the real one is fine
    // move every val index into train: still a partition with a correct hash, but nothing to validate on
    const train = [...s.train, ...s.val].sort((a, b) => a - b);
    const emptied = { ...s, train, val: [], hash: splitHash({ train, val: [], test: s.test }) };
    expect(() => validateSplitFile(emptied, entry, 600, 'x.json')).toThrow('x.json: the val split is empty');
  });
});
