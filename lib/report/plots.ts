// The plots the study needs, as plain plotly figures (render them with renderFigure). Pure functions of
// their inputs: no I/O, so notebooks can tweak a figure's layout before rendering it.
import type { Figure } from './figures';

/** One colour per arm everywhere in the paper. */
export const ARM_COLOURS: Record<string, string> = {
  TL: '#1f77b4',
  SSL: '#d62728',
  'TL (double)': '#6baed6',
  'SSL (double)': '#fc9272',
};
const FALLBACK = ['#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#ff7f0e'];

export function armColour(arm: string, i = 0): string {
  return ARM_COLOURS[arm] ?? FALLBACK[i % FALLBACK.length];
}

export interface CurveSeries {
  arm: string; // e.g. 'TL' or 'SSL'
  epoch: number[];
  train?: number[];
  val?: number[];
}

/** Training curves, both arms on one axis: validation solid, training dashed. */
export function trainingCurves(
  series: CurveSeries[],
  opts: { metric?: string; title?: string; logY?: boolean } = {},
): Figure {
  const metric = opts.metric ?? 'loss';
  const data: Record<string, unknown>[] = [];
  series.forEach((s, i) => {
    const color = armColour(s.arm, i);
    if (s.train)
      data.push({
        type: 'scatter',
        mode: 'lines',
        name: `${s.arm} train`,
        x: s.epoch,
        y: s.train,
        line: { color, dash: 'dash', width: 2 },
      });
    if (s.val)
      data.push({
        type: 'scatter',
        mode: 'lines+markers',
        name: `${s.arm} val`,
        x: s.epoch,
        y: s.val,
        line: { color, width: 2 },
        marker: { size: 5 },
      });
  });
  return {
    data,
    layout: {
      title: { text: opts.title ?? `Training curves (${metric})` },
      xaxis: { title: { text: 'epoch' }, zeroline: false },
      yaxis: { title: { text: metric }, type: opts.logY ? 'log' : 'linear' },
      legend: { orientation: 'h', y: 1.02, yanchor: 'bottom', x: 1, xanchor: 'right' },
    },
  };
}

export interface CiBar {
  group: string; // x category, e.g. a dataset
  arm: string; // bar within the group, e.g. TL / SSL
  value: number;
  lo?: number; // 95% CI bounds (absolute values, not offsets)
  hi?: number;
}

/** Grouped bars with 95% CI whiskers (e.g. TL vs SSL per dataset). Groups and arms keep first-seen order. */
export function groupedBarsCI(
  rows: CiBar[],
  opts: { title?: string; yTitle?: string; yRange?: [number, number]; groupLabel?: (g: string) => string } = {},
): Figure {
  const groups = [...new Set(rows.map((r) => r.group))];
  const arms = [...new Set(rows.map((r) => r.arm))];
  const label = opts.groupLabel ?? ((g: string) => g);
  const data = arms.map((arm, i) => {
    const get = (g: string) => rows.find((r) => r.group === g && r.arm === arm);
    const ys = groups.map((g) => get(g)?.value ?? null);
    const plus = groups.map((g) => {
      const r = get(g);
      return r && r.hi !== undefined ? r.hi - r.value : null;
    });
    const minus = groups.map((g) => {
      const r = get(g);
      return r && r.lo !== undefined ? r.value - r.lo : null;
    });
    return {
      type: 'bar',
      name: arm,
      x: groups.map(label),
      y: ys,
      marker: { color: armColour(arm, i) },
      error_y: {
        type: 'data',
        symmetric: false,
        array: plus,
        arrayminus: minus,
        visible: true,
        thickness: 1.5,
        width: 4,
        color: '#333',
      },
    };
  });
  return {
    data,
    layout: {
      title: { text: opts.title ?? '' },
      barmode: 'group',
      yaxis: { title: { text: opts.yTitle ?? '' }, ...(opts.yRange ? { range: opts.yRange } : {}) },
      legend: { orientation: 'h', y: 1.02, yanchor: 'bottom', x: 1, xanchor: 'right' },
    },
  };
}

/** Confusion matrix heat map; rows = true class, columns = predicted. `normalize` shows row fractions. */
export function confusionHeatmap(
  matrix: number[][],
  classNames: string[],
  opts: { title?: string; normalize?: boolean; colorscale?: string } = {},
): Figure {
  const k = classNames.length;
  if (matrix.length !== k || matrix.some((r) => r.length !== k)) {
    throw new Error(`confusionHeatmap: matrix must be ${k}×${k} for ${k} class names`);
  }
  const z = opts.normalize
    ? matrix.map((r) => {
        const s = r.reduce((a, b) => a + b, 0);
        return r.map((v) => (s > 0 ? v / s : 0));
      })
    : matrix;
  const text = matrix.map((r, i) =>
    r.map((v, j) => (opts.normalize ? `${(z[i][j] * 100).toFixed(0)}%<br>(${v})` : String(v))),
  );
  return {
    data: [
      {
        type: 'heatmap',
        z,
        x: classNames,
        y: classNames,
        text,
        texttemplate: '%{text}',
        hovertemplate: 'true %{y}<br>pred %{x}<br>%{text}<extra></extra>',
        colorscale: opts.colorscale ?? 'Blues',
        showscale: true,
        ...(opts.normalize ? { zmin: 0, zmax: 1 } : {}),
      },
    ],
    layout: {
      title: { text: opts.title ?? 'Confusion matrix' },
      xaxis: { title: { text: 'predicted' }, side: 'bottom' },
      yaxis: { title: { text: 'true' }, autorange: 'reversed' },
    },
  };
}

/** An RGB image, HWC uint8 (3 channels). */
export interface RgbImage {
  width: number;
  height: number;
  rgb: Uint8Array | Uint8ClampedArray | number[];
}

function toZ(img: RgbImage): number[][][] {
  if (img.rgb.length !== img.width * img.height * 3) {
    throw new Error(`imageGrid: image has ${img.rgb.length} values, expected ${img.width}×${img.height}×3`);
  }
  const z: number[][][] = [];
  for (let y = 0; y < img.height; y++) {
    const row: number[][] = [];
    for (let x = 0; x < img.width; x++) {
      const o = (y * img.width + x) * 3;
      row.push([img.rgb[o], img.rgb[o + 1], img.rgb[o + 2]]);
    }
    z.push(row);
  }
  return z;
}

/**
 * A grid of images with row and column titles, e.g. Grad-CAM: one row per test image, columns
 * "image | TL Grad-CAM | SSL Grad-CAM". cells[r][c] may be null (left blank).
 */
export function imageGrid(
  cells: (RgbImage | null)[][],
  opts: { rowTitles?: string[]; colTitles?: string[]; title?: string; gap?: number } = {},
): Figure {
  const nr = cells.length;
  const nc = Math.max(...cells.map((r) => r.length));
  const gap = opts.gap ?? 0.02;
  const data: Record<string, unknown>[] = [];
  const longest = Math.max(0, ...(opts.rowTitles ?? []).flatMap((t) => t.split('<br>').map((l) => l.length)));
  const annotations: Record<string, unknown>[] = [];
  const layout: Record<string, unknown> = {
    title: { text: opts.title ?? '' },
    showlegend: false,
    annotations,
    margin: { l: Math.max(40, 12 + 6 * longest), t: 80 },
  };
  const w = (1 - gap * (nc - 1)) / nc;
  const h = (1 - gap * (nr - 1)) / nr;
  let k = 0;
  for (let r = 0; r < nr; r++) {
    for (let c = 0; c < nc; c++) {
      k++;
      const ax = k === 1 ? '' : String(k);
      const x0 = c * (w + gap);
      const y1 = 1 - r * (h + gap);
      layout[`xaxis${ax}`] = { domain: [x0, x0 + w], visible: false, anchor: `y${ax}` };
      layout[`yaxis${ax}`] = {
        domain: [y1 - h, y1],
        visible: false,
        anchor: `x${ax}`,
        scaleanchor: `x${ax}`,
        autorange: 'reversed',
      };
      const img = cells[r][c];
      if (img) data.push({ type: 'image', z: toZ(img), xaxis: `x${ax}`, yaxis: `y${ax}`, hoverinfo: 'skip' });
      if (r === 0 && opts.colTitles?.[c]) {
        annotations.push({
          text: opts.colTitles[c],
          xref: 'paper',
          yref: 'paper',
          x: x0 + w / 2,
          y: 1,
          yanchor: 'bottom',
          showarrow: false,
          font: { size: 12 },
        });
      }
    }
    if (opts.rowTitles?.[r]) {
      const y1 = 1 - r * (h + gap);
      // Horizontal, right-aligned against the grid: leave room with layout.margin.l (multi-line titles use <br>).
      annotations.push({
        text: opts.rowTitles[r],
        xref: 'paper',
        yref: 'paper',
        x: 0,
        xanchor: 'right',
        xshift: -8,
        y: y1 - h / 2,
        showarrow: false,
        align: 'right',
        font: { size: 10 },
      });
    }
  }
  return { data, layout };
}

/** Blend a heat map (values in [0,1], h×w) over a grey-or-RGB image with a jet-like colour map. */
export function overlayHeatmap(img: RgbImage, heat: ArrayLike<number>, alpha = 0.45): RgbImage {
  if (heat.length !== img.width * img.height)
    throw new Error(`overlayHeatmap: heat map has ${heat.length} values, image ${img.width}×${img.height}`);
  const out = new Uint8Array(img.width * img.height * 3);
  for (let i = 0; i < heat.length; i++) {
    const t = Math.min(1, Math.max(0, heat[i]));
    // jet: blue → cyan → yellow → red
    const r = Math.min(1, Math.max(0, 1.5 - Math.abs(4 * t - 3)));
    const g = Math.min(1, Math.max(0, 1.5 - Math.abs(4 * t - 2)));
    const b = Math.min(1, Math.max(0, 1.5 - Math.abs(4 * t - 1)));
    const c = [r, g, b];
    for (let ch = 0; ch < 3; ch++)
      out[i * 3 + ch] = Math.round((1 - alpha) * img.rgb[i * 3 + ch] + alpha * 255 * c[ch]);
  }
  return { width: img.width, height: img.height, rgb: out };
}

export interface GainPoint {
  dataset: string;
  n: number; // training-set size
  gain: number; // e.g. SSL − TL accuracy, percentage points
  lo?: number;
  hi?: number;
  colour: 'grey' | 'colour';
}

/** Scatter of a gain (with CI) against dataset size, log x, grey and colour sets marked apart. */
export function gainVsSize(points: GainPoint[], opts: { title?: string; yTitle?: string } = {}): Figure {
  const data = (['grey', 'colour'] as const)
    .map((kind) => {
      const ps = points.filter((p) => p.colour === kind);
      if (ps.length === 0) return null;
      return {
        type: 'scatter',
        mode: 'markers+text',
        name: kind === 'grey' ? 'grey datasets' : 'colour datasets',
        x: ps.map((p) => p.n),
        y: ps.map((p) => p.gain),
        text: ps.map((p) => p.dataset),
        textposition: 'top center',
        marker: {
          size: 10,
          symbol: kind === 'grey' ? 'circle' : 'diamond',
          color: kind === 'grey' ? '#555' : '#e6550d',
        },
        error_y: {
          type: 'data',
          symmetric: false,
          array: ps.map((p) => (p.hi !== undefined ? p.hi - p.gain : null)),
          arrayminus: ps.map((p) => (p.lo !== undefined ? p.gain - p.lo : null)),
          visible: true,
        },
      };
    })
    .filter((d) => d !== null) as Record<string, unknown>[];
  return {
    data,
    layout: {
      title: { text: opts.title ?? 'Gain vs dataset size' },
      xaxis: { type: 'log', title: { text: 'training images' } },
      yaxis: { title: { text: opts.yTitle ?? 'gain (points)' }, zeroline: true, zerolinecolor: '#999' },
      shapes: [{ type: 'line', xref: 'paper', x0: 0, x1: 1, y0: 0, y1: 0, line: { color: '#999', dash: 'dot' } }],
      legend: { orientation: 'h', y: 1.02, yanchor: 'bottom', x: 1, xanchor: 'right' },
    },
  };
}

export interface HistorySeries {
  name: string;
  epoch: number[];
  /** loss relative to the run's first epoch (TL and SSL losses are on different scales) */
  relLoss: number[];
  /** k-NN probe top-1 at the epochs it was measured (null elsewhere) */
  knn: (number | null)[];
}

/** Pre-training histories: relative loss (left) and k-NN probe accuracy (right), one colour per run. */
export function pretrainHistoryFigure(series: HistorySeries[], opts: { title?: string } = {}): Figure {
  const data: Record<string, unknown>[] = [];
  series.forEach((s, i) => {
    const color = FALLBACK[i % FALLBACK.length];
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: s.name,
      legendgroup: s.name,
      x: s.epoch,
      y: s.relLoss,
      line: { color, width: 2 },
      xaxis: 'x',
      yaxis: 'y',
    });
    data.push({
      type: 'scatter',
      mode: 'lines+markers',
      name: s.name,
      legendgroup: s.name,
      showlegend: false,
      connectgaps: true,
      x: s.epoch,
      y: s.knn,
      line: { color, width: 2 },
      marker: { size: 6 },
      xaxis: 'x2',
      yaxis: 'y2',
    });
  });
  return {
    data,
    layout: {
      title: { text: opts.title ?? 'Pre-training: loss and k-NN probe per epoch' },
      grid: { rows: 1, columns: 2, pattern: 'independent' },
      xaxis: { title: { text: 'epoch' }, automargin: true },
      yaxis: { title: { text: 'loss / first-epoch loss' }, automargin: true },
      xaxis2: { title: { text: 'epoch' }, automargin: true },
      yaxis2: { title: { text: 'k-NN top-1 (held-out)' }, automargin: true, rangemode: 'tozero' },
      legend: { orientation: 'h', y: -0.25, yanchor: 'top', x: 0.5, xanchor: 'center' },
      margin: { b: 110 },
    },
  };
}
