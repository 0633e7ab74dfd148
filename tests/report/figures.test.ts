// Real Chromium rendering: the PNG must have the requested size and non-blank pixels where the data is,
// the SVG must contain the trace, and the provenance line must be on the figure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { chromiumPath, closeBrowser, plotlyPage } from '../../lib/report/browser';
import { renderFigure, stableSvgIds } from '../../lib/report/figures';
import { FIGURES_DIR, SCRATCH_DIR } from '../../lib/util/paths';
import {
  confusionHeatmap,
  gainVsSize,
  groupedBarsCI,
  imageGrid,
  overlayImage,
  trainingCurves,
  horizontalBars,
  effectDotsCI,
  FLAGGED_LEGEND,
  stackedShares,
  categoryBars,
  scatterByClass,
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

  it('a figure rendered twice gives the same SVG and PNG bytes (plotly draws a random id per render)', async () => {
    // a heat map (gradient defs), a legend and clip paths: the ids plotly names after its random id
    const fig = confusionHeatmap(
      [
        [5, 1],
        [2, 7],
      ],
      ['benign', 'malignant'],
    );
    const opts = { width: 360, height: 300, dir, provenance: { profile: 'cpu', date: '2026-12-02', commit: 'abc' } };
    const a = await renderFigure('twice-a-cpu', fig, opts);
    const b = await renderFigure('twice-b-cpu', fig, opts);
    expect(a.svg).toMatch(/id="defs-medssl"/);
    expect(a.svg).toBe(b.svg);
    expect(Buffer.from(a.png).equals(Buffer.from(b.png))).toBe(true);
  });

  it('stableSvgIds renames the random id in ids and references only, not in text or image data', () => {
    const svg =
      '<svg><defs id="defs-3f9a1c"><clipPath id="clip3f9a1cxyplot"></clipPath></defs>' +
      '<g clip-path="url(#clip3f9a1cxyplot)"><rect style="fill: url(\'#g3f9a1c-cb\')"/>' +
      '<image href="data:image/png;base64,AA3f9a1cBB"/><text>run 3f9a1c</text></g></svg>';
    expect(stableSvgIds(svg)).toBe(
      '<svg><defs id="defs-medssl"><clipPath id="clipmedsslxyplot"></clipPath></defs>' +
        '<g clip-path="url(#clipmedsslxyplot)"><rect style="fill: url(\'#gmedssl-cb\')"/>' +
        '<image href="data:image/png;base64,AA3f9a1cBB"/><text>run 3f9a1c</text></g></svg>',
    );
    expect(stableSvgIds(stableSvgIds(svg))).toBe(stableSvgIds(svg));
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
      grid: imageGrid([[img, overlayImage(img, heat)]], { colTitles: ['image', 'Grad-CAM'] }),
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

  it('automargin on every axis of every helper, and no label clipped or under an axis title, with long labels', async () => {
    const long = ['pbc-blood (colour)', 'alzheimer-mri (grey)', 'iq-oth-nccd (grey)', 'eye-fundus (colour)'];
    const figs = {
      bars: groupedBarsCI(
        long.flatMap((g, i) => [
          { group: g, arm: 'TL', value: 0.6 + i / 20, lo: 0.5, hi: 0.7, flagged: i === 1 },
          { group: g, arm: 'SSL', value: 0.55 + i / 20, lo: 0.45, hi: 0.65 },
        ]),
        { yTitle: 'accuracy', yRange: [0, 1] },
      ),
      cm: confusionHeatmap(
        [
          [5, 1, 0],
          [2, 7, 1],
          [0, 1, 9],
        ],
        ['adenocarcinoma', 'large.cell.carcinoma', 'squamous.cell.carcinoma'],
        { normalize: true },
      ),
      bench: horizontalBars(
        [
          { label: 'small-xception-w16 · tensorflow · 2 thr', value: 135.2 },
          { label: 'mini-resnet18-w32 · pytorch · 1 thr', value: 51.2 },
        ],
        { xTitle: 'training images / s', logX: true },
      ),
      shares: stackedShares(
        [
          { label: 'alzheimer-mri (5120)', shares: [0.5, 0.35, 0.14, 0.01] },
          { label: 'busi (546)', shares: [0.56, 0.27, 0.17] },
        ],
        { xTitle: 'share of training images' },
      ),
      colour: categoryBars(
        [
          { label: 'iq-oth-nccd', value: 0.02 },
          { label: 'eye-fundus', value: 0.98, colour: '#e6550d' },
        ],
        { yTitle: 'share of sampled images', yRange: [0, 1.05] },
      ),
      embedding: scatterByClass([0, 1, 2, 3, -1, 0.5], [0, 1, 1], ['benign', 'malignant'], {
        xTitle: 'PC 1',
        yTitle: 'PC 2',
      }),
      claims: effectDotsCI(
        [
          {
            label: 'C3b: SSL beats TL on grey sets by a margin that matters',
            value: 2,
            lo: -1,
            hi: 5,
            colour: '#7f7f7f',
          },
        ],
        { xTitle: 'effect (points)' },
      ),
    };
    for (const [name, fig] of Object.entries(figs)) {
      const r = await renderFigure(`${name}-labels-smoke`, fig, {
        width: 600,
        height: 400,
        dir,
        provenance: { profile: 'smoke' },
      });
      const axes = Object.keys(r.spec.layout ?? {}).filter((k) => /^[xy]axis\d*$/.test(k));
      expect(axes.length, name).toBeGreaterThanOrEqual(2);
      for (const k of axes)
        expect((r.spec.layout as Record<string, { automargin?: boolean }>)[k].automargin, `${name} ${k}`).toBe(true);
      expect(r.problems, name).toEqual([]);
    }
    // a title and a horizontal legend above the plot: the legend moves under the title
    const curves = trainingCurves(
      [
        { arm: 'TL', epoch: [0, 1], train: [0.37, 0.56], val: [0.35, 0.35] },
        { arm: 'SSL', epoch: [0, 1], train: [0.36, 0.5], val: [0.1, 0.31] },
      ],
      { metric: 'accuracy', title: 'chest-ct: accuracy per epoch (seed 0)' },
    );
    const rc = await renderFigure('curves-legend-smoke', curves, {
      width: 800,
      height: 400,
      dir,
      provenance: { profile: 'smoke' },
    });
    expect(rc.problems).toEqual([]);
    const crowded = {
      ...curves,
      layout: { ...curves.layout, title: { text: 'chest-ct: accuracy per epoch (seed 0)', y: 0.78 } },
    };
    const rx = await renderFigure('curves-crowded-smoke', crowded, {
      width: 800,
      height: 400,
      dir,
      provenance: { profile: 'smoke' },
    });
    expect(rx.problems.join(' ')).toMatch(/overlap: title "chest-ct: accuracy per epoch \(seed 0\)" over legend/);
    // the hatched bar has a legend entry saying what the hatching means
    expect(figs.bars.data.map((t) => t.name)).toContain(FLAGGED_LEGEND);
  });

  it('the label check finds a clipped label and a title over a tick', async () => {
    const clipped = {
      data: [{ type: 'bar', x: ['a really very long category name that cannot fit'], y: [1] }],
      layout: { xaxis: { automargin: false, tickangle: 0 }, yaxis: { automargin: false }, margin: { l: 0 } },
    };
    const r = await renderFigure('clipped-labels-smoke', clipped, {
      width: 200,
      height: 200,
      dir,
      provenance: { profile: 'smoke' },
    });
    expect(r.problems.join(' ')).toMatch(/clipped: "a really very long/);
    const over = {
      data: [{ type: 'bar', y: ['malignant', 'benign'], x: [1, 2], orientation: 'h' }],
      layout: { yaxis: { automargin: false, title: { text: 'true', standoff: 0 } }, margin: { l: 40 } },
    };
    const r2 = await renderFigure('overlap-labels-smoke', over, {
      width: 300,
      height: 200,
      dir,
      provenance: { profile: 'smoke' },
    });
    expect(r2.problems.join(' ')).toMatch(/overlap: axis title "true" over tick "(malignant|benign)"|clipped/);
  });

  it("gain vs size: the eleven cpu sets' labels neither clip nor overlap; the old fixed layout did both", async () => {
    // the cpu grid's training-set sizes: three sets of 544–547 images, two of ~4,500 at the right edge
    const sizes: [string, number, 'grey' | 'colour'][] = [
      ['busi', 544, 'grey'],
      ['breastmnist', 545, 'grey'],
      ['chest-ct', 547, 'grey'],
      ['iq-oth-nccd', 768, 'grey'],
      ['ct-kidney', 1261, 'grey'],
      ['alzheimer-mri', 4480, 'grey'],
      ['pneumoniamnist', 4698, 'grey'],
      ['isic-uda1', 280, 'colour'],
      ['ham10000', 1766, 'colour'],
      ['eye-fundus', 2080, 'colour'],
      ['pbc-blood', 2104, 'colour'],
    ];
    // the three sets of the same size also have about the same gain: their labels would print over each other
    const gain = (i: number) => (i < 3 ? 0.2 * i : (i % 3) - 1);
    const pts = sizes.map(([dataset, n, colour], i) => ({
      dataset,
      n,
      colour,
      gain: gain(i),
      lo: gain(i) - 3,
      hi: gain(i) + 3,
    }));
    const fig = gainVsSize(pts, { title: 'TL − SSL vs training-set size', yTitle: 'TL − SSL (points)' });
    const opts = { width: 900, height: 420, dir, provenance: { profile: 'smoke' } };
    expect((await renderFigure('gain-size-smoke', fig, opts)).problems).toEqual([]);
    // the same points with one label position and the plot area clipping them, as before
    const old = {
      ...fig,
      data: fig.data.map((t) => ({ ...t, textposition: 'top center', cliponaxis: true })),
      layout: { ...fig.layout, xaxis: { ...(fig.layout as { xaxis: object }).xaxis, range: undefined } },
    };
    const p = (await renderFigure('gain-size-old-smoke', old, { ...opts, spreadLabels: false })).problems.join(' ');
    expect(p).toMatch(/overlap: point label "(busi|breastmnist|chest-ct)" over "(busi|breastmnist|chest-ct)"/);
    expect(p).toMatch(/clipped: point label "(pneumoniamnist|isic-uda1)"/);
  });

  it('image-grid column titles: the check finds two titles printed over each other; broken into lines they fit', async () => {
    const img = { width: 8, height: 8, rgb: new Uint8Array(8 * 8 * 3).fill(128) };
    const grid = (titles: string[]) =>
      imageGrid([[img, img, img]], { colTitles: titles, title: 'chest-ct: Grad-CAM, seed 0' });
    // three columns of about 120 px (notebook 07 sizes its grid the same way: margin + columns × cell)
    const opts = { width: 40 + 30 + 3 * 120, height: 120 + 130, dir, provenance: { profile: 'smoke' } };
    const long = ['image', 'TL ResNet Grad-CAM<br>(layer 8×8)', 'SSL ResNet Grad-CAM<br>(layer 8×8)'];
    const p = (await renderFigure('grid-titles-long-smoke', grid(long), opts)).problems.join(' ');
    expect(p).toMatch(/overlap: annotation "TL ResNet Grad-CAM.*" over "SSL ResNet Grad-CAM/);
    const broken = ['image', 'TL ResNet<br>Grad-CAM<br>(layer 8×8)', 'SSL ResNet<br>Grad-CAM<br>(layer 8×8)'];
    const fig = grid(broken);
    expect((await renderFigure('grid-titles-broken-smoke', fig, opts)).problems).toEqual([]);
    // three-line column titles under the fixed 80 px top margin the grid had: they reach up into the figure title
    const cramped = {
      ...fig,
      layout: { ...fig.layout, title: { text: 'chest-ct: Grad-CAM, seed 0' }, margin: { l: 40, t: 80 } },
    };
    const q = (await renderFigure('grid-titles-cramped-smoke', cramped, opts)).problems.join(' ');
    expect(q).toMatch(/overlap: title "chest-ct: Grad-CAM, seed 0" over annotation "TL ResNetGrad-CAM/);
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

describe('overlayImage', () => {
  it('blends: alpha 0 keeps the image, hot pixels go red, cold go blue', () => {
    const img = { width: 2, height: 1, rgb: new Uint8Array([100, 100, 100, 100, 100, 100]) };
    expect(Array.from(overlayImage(img, [0, 1], 0).rgb)).toEqual([100, 100, 100, 100, 100, 100]);
    const o = overlayImage(img, [0, 1], 1).rgb;
    expect(o[2]).toBeGreaterThan(o[0]); // t=0: blue-ish
    expect(o[3]).toBeGreaterThan(o[5]); // t=1: red-ish
  });
});
