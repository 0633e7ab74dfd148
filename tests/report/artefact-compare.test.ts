// What `npm run check-reproduction` accepts as "reproduced": real renders that differ only in their provenance line
// pass as provenance; a changed number, bar or table row does not.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeBrowser } from '../../lib/report/browser';
import sharp from 'sharp';
import {
  compareArtefact,
  compareNotebook,
  comparePng,
  compareSvg,
  compareText,
  numbersWithinRoundOff,
} from '../../lib/report/artefact-compare';
import { renderFigure } from '../../lib/report/figures';
import { groupedBarsCI } from '../../lib/report/plots';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-artefacts-'));
afterAll(async () => {
  await closeBrowser();
  fs.rmSync(dir, { recursive: true, force: true });
});

const line = (commit: string, date: string) =>
  `medssl ${commit} · profile cpu · backend tensorflow · seeds 0–2 · ${date}`;

describe('compareText', () => {
  const table = (acc: string, commit: string, took: string) =>
    `| set | accuracy |\n| busi | ${acc} |\nloaded in ${took}\n<sub>${line(commit, '2026-12-02')}</sub>\n`;
  it('provenance only, then timings, then a changed number', () => {
    expect(compareText(table('0.71', 'a1b2c3d4e5', '0.3 s'), table('0.71', 'a1b2c3d4e5', '0.3 s')).verdict).toBe(
      'identical',
    );
    expect(compareText(table('0.71', 'a1b2c3d4e5', '0.3 s'), table('0.71', '0f9e8d7c6b', '0.3 s')).verdict).toBe(
      'provenance',
    );
    expect(compareText(table('0.71', 'a1b2c3d4e5', '0.3 s'), table('0.71', '0f9e8d7c6b', '1.7 s')).verdict).toBe(
      'timings',
    );
    const d = compareText(table('0.71', 'a1b2c3d4e5', '0.3 s'), table('0.72', 'a1b2c3d4e5', '0.3 s'));
    expect(d.verdict).toBe('different');
    expect(d.detail).toMatch(/line 2: committed «\| busi \| 0\.71 \|» vs now «\| busi \| 0\.72 \|»/);
  });
});

describe('round-off', () => {
  it('numbers within 1e-4 of max(1, |value|) are round-off; a last printed digit in a table is not', () => {
    // the size measured between oneDNN on and off: a Grad-CAM statistic and an embedding coordinate
    const csv = (g: string, e: string) => `set,gradcam,pc1\nchest-ct,${g},${e}\n`;
    const r = compareText(csv('0.4334147693873284', '0.0108436'), csv('0.4334193495359101', '0.0108433'));
    expect(r.verdict).toBe('round-off');
    expect(r.detail).toMatch(/2 of \d+ numbers differ, by at most 4\.6e-6/);
    expect(compareText(csv('0.4334', '1'), csv('0.4336', '1')).verdict).toBe('different');
    expect(compareText(csv('251.3', '1'), csv('251.32', '1')).verdict).toBe('round-off'); // 0.8e-4 of 251
    expect(compareText(csv('251.3', '1'), csv('251.4', '1')).verdict).toBe('different');
    expect(compareText('a 0.5 b', 'a 0.50001 c').verdict).toBe('different'); // text around the numbers differs
    expect(compareText('0.5 0.6', '0.5').verdict).toBe('different');
  });

  it('an SVG coordinate may move by one unit of its last printed decimal (plotly prints 0.01 px)', () => {
    expect(numbersWithinRoundOff('translate(5.31,7.2)', 'translate(5.32,7.2)', true)).toMatch(
      /^1 of 2 numbers differ, by at most 1.0e-2/,
    );
    expect(numbersWithinRoundOff('translate(5.31,7.2)', 'translate(5.33,7.2)', true)).toBeNull();
    expect(numbersWithinRoundOff('translate(5.31,7.2)', 'translate(5.32,7.2)', false)).toBeNull();
  });

  const png = async (set: (x: number, y: number, px: Uint8Array) => void) => {
    const w = 40;
    const h = 40;
    const px = new Uint8Array(w * h * 4).fill(200);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) set(x, y, px.subarray((y * w + x) * 4));
    return new Uint8Array(
      await sharp(Buffer.from(px), { raw: { width: w, height: h, channels: 4 } })
        .png()
        .toBuffer(),
    );
  };

  it('pixels one colour level apart are round-off; two levels, or a pixel in the provenance band only, are not', async () => {
    const base = await png(() => {});
    const oneLevel = await png((x, y, p) => {
      if (x === 3 && y < 5) p[0] = 201;
    });
    const twoLevels = await png((x, y, p) => {
      if (x === 3 && y === 3) p[1] = 202;
    });
    const inBand = await png((x, y, p) => {
      if (y === 39) p[2] = 0;
    });
    const r = await comparePng(base, oneLevel);
    expect(r.verdict).toBe('round-off');
    expect(r.detail).toMatch(/^5 pixels differ by 1 colour level at most/);
    expect((await comparePng(base, twoLevels)).verdict).toBe('different');
    expect((await comparePng(base, inBand)).verdict).toBe('provenance');
    // an image embedded in an SVG has no provenance band: a changed pixel anywhere counts
    const svg = (p: Uint8Array, x = '10') =>
      `<svg><image x="${x}" xlink:href="data:image/png;base64,${Buffer.from(p).toString('base64')}"/></svg>`;
    expect((await compareSvg(svg(base), svg(oneLevel))).detail).toMatch(/^embedded image 1: 5 pixels/);
    expect((await compareSvg(svg(base), svg(inBand))).detail).toMatch(/^embedded image 1: pixels differ: x 0–39/);
    expect((await compareSvg(svg(base), svg(base, '12'))).verdict).toBe('different');
    expect((await compareSvg(svg(base), `<svg>${svg(base)}${svg(base)}</svg>`)).verdict).toBe('different');
  });
});

describe('rendered figures (headless Chromium)', () => {
  const bars = (v: number) =>
    groupedBarsCI([
      { group: 'busi', arm: 'TL', value: 0.7, lo: 0.6, hi: 0.8 },
      { group: 'chest-ct', arm: 'TL', value: v, lo: v - 0.1, hi: v + 0.1 },
    ]);
  const render = (name: string, v: number, commit: string) =>
    renderFigure(name, bars(v), {
      width: 500,
      height: 320,
      dir,
      provenance: { profile: 'cpu', commit, date: '2026-12-02' },
    });

  it('the same figure made at another commit differs only in its provenance (SVG and PNG); other data does not', async () => {
    const a = await render('a-cpu', 0.5, 'a1b2c3d4e5');
    const b = await render('b-cpu', 0.5, '0f9e8d7c6b');
    const c = await render('c-cpu', 0.55, 'a1b2c3d4e5');
    expect(a.svg).not.toBe(b.svg);
    const svg = (x: typeof a) => new Uint8Array(Buffer.from(x.svg));
    expect((await compareArtefact('figures/x-cpu.svg', svg(a), svg(b))).verdict).toBe('provenance');
    expect((await compareArtefact('figures/x-cpu.png', a.png, b.png)).verdict).toBe('provenance');
    expect((await compareArtefact('figures/x-cpu.svg', svg(a), svg(c))).verdict).toBe('different');
    const png = await compareArtefact('figures/x-cpu.png', a.png, c.png);
    expect(png.verdict).toBe('different');
    expect(png.detail).toMatch(/pixels differ above the provenance band/);
  });

  it('notebooks: outputs compared as text and as images; run records are named as such', async () => {
    const a = await render('na-cpu', 0.5, 'a1b2c3d4e5');
    const b = await render('nb-cpu', 0.5, '0f9e8d7c6b');
    const c = await render('nc-cpu', 0.55, 'a1b2c3d4e5');
    const nb = (png: Uint8Array, text: string) =>
      JSON.stringify({
        cells: [
          {
            source: ['const x = 1;'],
            outputs: [
              { output_type: 'stream', text: [text] },
              { output_type: 'display_data', data: { 'image/png': Buffer.from(png).toString('base64') } },
            ],
          },
        ],
      });
    expect((await compareNotebook(nb(a.png, 'done in 3 s\n'), nb(b.png, 'done in 4 s\n'))).verdict).toBe('timings');
    expect((await compareNotebook(nb(a.png, 'ok\n'), nb(b.png, 'ok\n'))).verdict).toBe('provenance');
    expect((await compareNotebook(nb(a.png, 'ok\n'), nb(c.png, 'ok\n'))).detail).toMatch(/cell 1, output 2: pixels/);
    expect((await compareNotebook(nb(a.png, 'acc 0.71\n'), nb(a.png, 'acc 0.72\n'))).verdict).toBe('different');
    const u = (t: string) => new Uint8Array(Buffer.from(t));
    expect((await compareArtefact('paper/reproduce-log-cpu.json', u('{"a":1}'), u('{"a":2}'))).verdict).toBe(
      'run record',
    );
    const kernel = (v: string) => u(`| platform | linux 6.18.44-fc-${v} |`);
    expect(
      (await compareArtefact('paper/tables/00-environment-cpu.md', kernel('v1045'), kernel('v1147'))).verdict,
    ).toBe('run record');
    expect((await compareArtefact('paper/tables/09-claims-cpu.md', u('1'), u('2'))).verdict).toBe('different');
  });
});
