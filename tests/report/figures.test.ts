// Real Chromium rendering: the PNG must have the requested size and non-blank pixels where the data is,
// the SVG must contain the trace, and the provenance line must be on the figure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { chromiumPath, closeBrowser, plotlyPage } from '../../lib/report/browser';
import { renderFigure } from '../../lib/report/figures';
import { FIGURES_DIR, SCRATCH_DIR } from '../../lib/util/paths';
import {
  confusionHeatmap,
  gainVsSize,
  groupedBarsCI,
  imageGrid,
  overlayHeatmap,
  trainingCurves,
} from '../../lib/report/plots';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-fig-'));
afterAll(async () => {
  await closeBrowser();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function pixels(png: Uint8Array) {
  const { data, info } = await sharp(Buffer.from(png)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, info };
}

/** Fraction of pixels that differ (any channel by more than 16) between two renders of the same size. */
async function differingFraction(a: Uint8Array, b: Uint8Array): Promise<number> {
  const [pa, pb] = await Promise.all([pixels(a), pixels(b)]);
  expect([pa.info.width, pa.info.height]).toEqual([pb.info.width, pb.info.height]);
  let n = 0;
  for (let i = 0; i < pa.data.length; i += 3) {
    if (
      Math.abs(pa.data[i] - pb.data[i]) > 16 ||
      Math.abs(pa.data[i + 1] - pb.data[i + 1]) > 16 ||
      Math.abs(pa.data[i + 2] - pb.data[i + 2]) > 16
    )
      n++;
  }
  return n / (pa.info.width * pa.info.height);
}

describe('renderFigure (headless Chromium)', () => {
  it('renders a bar chart to PNG of the requested size with the bar drawn in its colour', async () => {
    const fig = {
      data: [{ type: 'bar', x: ['a', 'b'], y: [1, 3], name: 'trace-xyz', marker: { color: '#ff0000' } }],
      layout: { showlegend: true },
    };
    const r = await renderFigure('bars-smoke', fig, {
      width: 420,
      height: 300,
      dir,
      provenance: { profile: 'smoke', backend: 'cpu', seeds: [0, 1, 2] },
    });
    const meta = await sharp(r.files.png).metadata();
    expect([meta.width, meta.height]).toEqual([420, 300]);
    const { data } = await pixels(r.png);
    let red = 0;
    let nonWhite = 0;
    for (let i = 0; i < data.length; i += 3) {
      if (data[i] > 200 && data[i + 1] < 60 && data[i + 2] < 60) red++;
      if (data[i] < 250 || data[i + 1] < 250 || data[i + 2] < 250) nonWhite++;
    }
    // The two bars cover a clear fraction of the plot area; a blank render has neither.
    expect(red / (420 * 300)).toBeGreaterThan(0.05);
    expect(nonWhite).toBeGreaterThan(red);
    expect(r.svg).toContain('<svg');
    expect(r.svg).toContain('trace-xyz'); // legend entry of the trace
    expect(r.svg).toMatch(/class="trace bars"/);
    expect(r.svg).toContain('profile smoke');
    expect(r.svg).toContain('seeds 0–2');
    const html = fs.readFileSync(r.files.html!, 'utf8');
    expect(html).toContain('Plotly.newPlot');
    expect(html).toContain('trace-xyz');
    // the script tag points at a bundle that exists, relative to the HTML file
    const src = html.match(/<script src="([^"]+)"><\/script>/)![1];
    expect(fs.existsSync(path.resolve(path.dirname(r.files.html!), src))).toBe(true);
  });

  it('reuses one browser page: a second figure renders on the same page and differs from the first', async () => {
    const a = await renderFigure(
      'line-cpu',
      { data: [{ type: 'scatter', y: [1, 2, 3], name: 'up' }] },
      { width: 300, height: 200, dir, provenance: { profile: 'cpu' } },
    );
    const page = await plotlyPage();
    const b = await renderFigure(
      'line2-cpu',
      { data: [{ type: 'scatter', y: [3, 2, 1], name: 'down' }] },
      { width: 300, height: 200, dir, provenance: { profile: 'cpu' } },
    );
    expect(await plotlyPage()).toBe(page); // no second browser or page was started
    expect(page.isClosed()).toBe(false);
    // the rising and the falling line cross in the middle: most of each line is drawn where the other is not
    expect(await differingFraction(a.png, b.png)).toBeGreaterThan(0.005);
  });

  it('renders every plot helper', async () => {
    const img = { width: 8, height: 8, rgb: new Uint8Array(8 * 8 * 3).fill(128) };
    const heat = Float32Array.from({ length: 64 }, (_, i) => i / 63);
    const figs = {
      curves: trainingCurves([
        { arm: 'TL', epoch: [1, 2, 3], train: [1, 0.6, 0.4], val: [1.1, 0.8, 0.7] },
        { arm: 'SSL', epoch: [1, 2, 3], train: [1.2, 0.7, 0.5], val: [1.2, 0.9, 0.8] },
      ]),
      ci: groupedBarsCI([
        { group: 'BUSI', arm: 'TL', value: 0.8, lo: 0.75, hi: 0.85 },
        { group: 'BUSI', arm: 'SSL', value: 0.82, lo: 0.78, hi: 0.86 },
      ]),
      cm: confusionHeatmap(
        [
          [5, 1],
          [2, 7],
        ],
        ['benign', 'malignant'],
        { normalize: true },
      ),
      grid: imageGrid([[img, overlayHeatmap(img, heat)]], { colTitles: ['image', 'Grad-CAM'] }),
      gain: gainVsSize([{ dataset: 'BUSI', n: 546, gain: 2, lo: -1, hi: 5, colour: 'grey' }]),
    };
    const opts = { width: 360, height: 260, dir, provenance: { profile: 'smoke' as const } };
    for (const [name, fig] of Object.entries(figs)) {
      const r = await renderFigure(`${name}-smoke`, fig, opts);
      // The same figure without its traces keeps the frame, titles, annotations and provenance line: the traces
      // must draw a visible share of the pixels on top of that (a blank or trace-less chart fails).
      const bare = await renderFigure(`${name}-bare-smoke`, { ...fig, data: [] }, opts);
      const changed = await differingFraction(r.png, bare.png);
      expect(changed, `${name}: share of pixels its traces change`).toBeGreaterThan(0.005);
      expect(r.svg).toContain('<svg');
    }
    expect(fs.readFileSync(path.join(dir, 'cm-smoke.svg'), 'utf8')).toContain('malignant');
    expect(fs.readFileSync(path.join(dir, 'ci-smoke.svg'), 'utf8')).toContain('errorbar');
  });

  it('rejects names that would escape the figures folder', async () => {
    await expect(renderFigure('../x', { data: [] }, { dir })).rejects.toThrow(/bad figure name/);
  });

  it('refuses a name without its profile, before rendering anything', async () => {
    await expect(
      renderFigure('00-bench-throughput', { data: [] }, { dir, provenance: { profile: 'smoke' } }),
    ).rejects.toThrow(/"00-bench-throughput" does not carry its profile "smoke"/);
    await expect(renderFigure('03-bars-cpu', { data: [] }, { dir, provenance: { profile: 'smoke' } })).rejects.toThrow(
      /does not carry its profile/,
    );
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('00-') || f.startsWith('03-'))).toEqual([]);
  });

  it('writes below scratch/<profile>/figures/ unless a publishing run of a committed profile asks for figures/', async () => {
    const saved = process.env.MEDSSL_PUBLISH;
    const name = `test-destination-${process.pid}-smoke`;
    const scratchFig = path.join(SCRATCH_DIR, 'smoke', 'figures', `${name}.png`);
    try {
      process.env.MEDSSL_PUBLISH = '1'; // publishing, but smoke is not a committed profile
      const r = await renderFigure(
        name,
        { data: [{ type: 'bar', y: [1] }] },
        { width: 200, height: 150, html: false, provenance: { profile: 'smoke' } },
      );
      expect(r.files.png).toBe(scratchFig);
      expect(fs.existsSync(scratchFig)).toBe(true);
      expect(fs.existsSync(path.join(FIGURES_DIR, `${name}.png`))).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.MEDSSL_PUBLISH;
      else process.env.MEDSSL_PUBLISH = saved;
      for (const ext of ['png', 'svg']) fs.rmSync(scratchFig.replace(/png$/, ext), { force: true });
    }
  });
});

describe('chromiumPath', () => {
  it('says how to install Chromium when there is none', () => {
    const saved = process.env.MEDSSL_CHROMIUM;
    delete process.env.MEDSSL_CHROMIUM;
    try {
      expect(() => chromiumPath(['/nonexistent/chromium'])).toThrow(/apt-get install chromium/);
      process.env.MEDSSL_CHROMIUM = '/nonexistent/chrome';
      expect(() => chromiumPath()).toThrow(/MEDSSL_CHROMIUM=\/nonexistent\/chrome: no such file/);
    } finally {
      if (saved === undefined) delete process.env.MEDSSL_CHROMIUM;
      else process.env.MEDSSL_CHROMIUM = saved;
    }
  });
});

describe('overlayHeatmap', () => {
  it('blends: alpha 0 keeps the image, hot pixels go red, cold go blue', () => {
    const img = { width: 2, height: 1, rgb: new Uint8Array([100, 100, 100, 100, 100, 100]) };
    expect(Array.from(overlayHeatmap(img, [0, 1], 0).rgb)).toEqual([100, 100, 100, 100, 100, 100]);
    const o = overlayHeatmap(img, [0, 1], 1).rgb;
    expect(o[2]).toBeGreaterThan(o[0]); // t=0: blue-ish
    expect(o[3]).toBeGreaterThan(o[5]); // t=1: red-ish
  });
});
