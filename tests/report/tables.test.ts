import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsv, readTableCsv, toMarkdown, writeTable, type Row } from '../../lib/report/tables';
import { compactSeeds } from '../../lib/report/provenance';
import { ROOT, SCRATCH_DIR } from '../../lib/util/paths';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-tab-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('tables', () => {
  const rows = [
    { dataset: 'BUSI', arm: 'TL', acc: 0.8125, n: 546, note: 'has, comma' },
    { dataset: 'Chest "CT"', arm: 'SSL', acc: 0.9, n: 613, note: 'two\nlines' },
    { dataset: 'ISIC', arm: 'TL', acc: null, n: 400, note: ' padded ' },
  ];

  it('CSV round-trips through writeTable/readTableCsv, including commas, quotes, newlines and nulls', () => {
    const t = writeTable('roundtrip-smoke', rows, {
      dir,
      provenance: { commit: 'abc', profile: 'smoke', backend: 'cpu' },
    });
    const back = readTableCsv(t.files.csv);
    expect(back.columns).toEqual(['dataset', 'arm', 'acc', 'n', 'note']);
    const values = back.values as unknown as unknown[][];
    expect(values).toEqual(rows.map((r) => [r.dataset, r.arm, r.acc, r.n, r.note]));
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('Markdown has a header rule, right-aligned numbers, escaped pipes and the provenance line', () => {
    const t = writeTable(
      'md-cpu',
      [
        { a: 'x|y', b: 1.23456 },
        { a: 'z', b: 2 },
      ],
      { dir, digits: 2, title: 'T', provenance: { commit: 'abc', profile: 'cpu', backend: 'wasm' } },
    );
    expect(t.markdown.split('\n')).toEqual(['| a | b |', '| --- | ---: |', '| x\\|y | 1.23 |', '| z | 2 |', '']);
    const md = fs.readFileSync(t.files.md, 'utf8');
    expect(md).toContain('**T**');
    expect(md).toContain('medssl abc · profile cpu · backend wasm');
  });

  it('a table name must carry its profile; without a dir, a live process writes below scratch/<profile>/', () => {
    expect(() => writeTable('01-splits', rows, { dir, provenance: { profile: 'cpu' } })).toThrow(
      /"01-splits" does not carry its profile "cpu"/,
    );
    expect(() => writeTable('01-splits-smoke', rows, { dir, provenance: { profile: 'cpu' } })).toThrow(
      /does not carry its profile "cpu"/,
    );
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('01-'))).toEqual([]);
    const saved = process.env.MEDSSL_PUBLISH;
    delete process.env.MEDSSL_PUBLISH; // a live kernel, even on the committed cpu profile
    const name = `test-destination-${process.pid}-cpu`;
    try {
      const t = writeTable(name, rows, { provenance: { profile: 'cpu' } });
      expect(t.files.csv).toBe(path.join(SCRATCH_DIR, 'cpu', 'paper', 'tables', `${name}.csv`));
      expect(readTableCsv(t.files.csv).shape[0]).toBe(3);
      expect(fs.existsSync(path.join(ROOT, 'paper', 'tables', `${name}.csv`))).toBe(false);
    } finally {
      if (saved !== undefined) process.env.MEDSSL_PUBLISH = saved;
      for (const ext of ['csv', 'md'])
        fs.rmSync(path.join(SCRATCH_DIR, 'cpu', 'paper', 'tables', `${name}.${ext}`), { force: true });
    }
  });

  it('parseCsv handles CRLF and a missing final newline', () => {
    expect(parseCsv('a,b\r\n1,"x"\r\n2,')).toEqual([
      ['a', 'b'],
      ['1', 'x'],
      ['2', ''],
    ]);
    expect(() => parseCsv('a,"b')).toThrow(/unterminated/);
  });

  it('a key missing from a row is an empty cell: a dash in Markdown, nothing in CSV, null read back', () => {
    const rows: Row[] = [{ a: 1 }, { a: 2, b: 'q' }];
    expect(toMarkdown(rows).split('\n').slice(0, 3)).toEqual(['| a | b |', '| ---: | --- |', '| 1 | – |']);
    const t = writeTable('missing-smoke', rows, {
      dir,
      provenance: { commit: 'abc', profile: 'smoke', backend: 'cpu' },
    });
    expect(fs.readFileSync(t.files.csv, 'utf8')).toBe('a,b\n1,\n2,q\n');
    const back = readTableCsv(t.files.csv);
    expect(back.columns).toEqual(['a', 'b']);
    expect(back.values as unknown as unknown[][]).toEqual([
      [1, null],
      [2, 'q'],
    ]);
  });

  it('readTableCsv names the file and row on a ragged CSV', () => {
    const f = path.join(dir, 'bad.csv');
    fs.writeFileSync(f, 'a,b\n1\n');
    expect(() => readTableCsv(f)).toThrow(/bad\.csv: row 2 has 1 fields/);
  });

  it('compactSeeds folds runs', () => {
    expect(compactSeeds([3, 0, 1, 2, 7, 9, 10])).toBe('0–3,7,9,10');
  });
});
