import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { codeTokens, recordCodeVersion, sourceFingerprint, staleAreas } from '../../lib/util/code-fingerprint';
import { AREA_SOURCES, CODE_AREAS, readCodeVersions } from '../../lib/util/code-version';
import { ROOT } from '../../lib/util/paths';

describe('code versions name cached results', () => {
  it('the sources behind every code version match their recorded fingerprint', () => {
    // Failing here means code that decides fine-tuning or pre-training numbers changed. If the numbers change,
    // `npm run code-version -- --bump AREA`; if they do not (a rename, a refactor), `-- --accept AREA`, after
    // checking with `npm run grid -- --verify N`.
    const stale = staleAreas();
    expect(
      stale.map((s) => `${s.area}: recorded ${s.recorded.fingerprint} (v${s.recorded.version}), sources now ${s.now}`),
    ).toEqual([]);
  });

  it('comments, white space, quote style and trailing commas do not count; code does', () => {
    const a = codeTokens(`const x = f('a', [1, 2]); // why\n`);
    expect(codeTokens(`/* doc */ const x = f(\n  "a",\n  [1, 2,],\n);`)).toEqual(a);
    expect(codeTokens(`const x = f('a', [1, 3]);`)).not.toEqual(a);
    expect(codeTokens(`let x = f('a', [1, 2]);`)).not.toEqual(a);
    // template literals and regular expressions are parsed, not mis-scanned
    const t = codeTokens('const s = `a ${b} c`; const r = /"`/g;');
    expect(codeTokens('const s = `a ${b} c`;  const r = /"`/g; // note')).toEqual(t);
    expect(codeTokens('const s = `a ${b} d`; const r = /"`/g;')).not.toEqual(t);
    expect(codeTokens(`const x = f('b', [1, 2]);`)).not.toEqual(a);
  });

  it('redundant parentheses (a formatter adds them) do not count; parentheses that change the tree do', () => {
    const p = codeTokens('const y = a % b * c + (d ?? e);');
    expect(codeTokens('const y = ((a % b) * c) + (d ?? e);')).toEqual(p);
    expect(codeTokens('const y = a % (b * c) + (d ?? e);')).not.toEqual(p);
  });

  it("a change to one source changes its area's fingerprint; --bump raises the version, --accept keeps it", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-codever-'));
    try {
      for (const area of CODE_AREAS)
        for (const rel of AREA_SOURCES[area])
          fs.cpSync(path.join(ROOT, rel), path.join(root, rel), { recursive: true });
      const file = path.join(root, 'code-versions.json');
      fs.writeFileSync(file, JSON.stringify(readCodeVersions()));
      expect(staleAreas(root, file)).toEqual([]);
      const src = path.join(root, 'lib/finetune/sampling.ts');
      fs.appendFileSync(src, '\n// only a comment\n');
      expect(staleAreas(root, file)).toEqual([]);
      fs.appendFileSync(src, '\nexport const EXTRA = 1;\n');
      expect(staleAreas(root, file).map((s) => s.area)).toEqual(['finetune']);
      const before = readCodeVersions(file).finetune.version;
      expect(recordCodeVersion('finetune', true, root, file).version).toBe(before + 1);
      expect(staleAreas(root, file)).toEqual([]);
      fs.appendFileSync(path.join(root, 'lib/ssl/ntxent-loss.ts'), '\nexport const EXTRA = 2;\n');
      expect(staleAreas(root, file).map((s) => s.area)).toEqual(['pretrain']);
      expect(recordCodeVersion('pretrain', false, root, file).version).toBe(readCodeVersions().pretrain.version);
      expect(sourceFingerprint('pretrain', root)).toBe(readCodeVersions(file).pretrain.fingerprint);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
