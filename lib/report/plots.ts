// The plots the study needs, as plain plotly figures (render them with renderFigure). Pure functions of
// their inputs: no I/O, so notebooks can tweak a figure's layout before rendering it.
import type { Figure } from './figures';
import { overlayHeatmap } from '../explain/overlay';

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
      xaxis: {
        title: { text: 'epoch' },
        zeroline: false,
        automargin: true,
        // whole epochs only (a two-epoch run would otherwise get ticks at 0.2, 0.4, …)
        ...(Math.max(0, ...series.flatMap((s) => s.epoch)) <= 12 ? { dtick: 1 } : {}),
      },
      yaxis: { title: { text: metric }, type: opts.logY ? 'log' : 'linear', automargin: true },
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
  /** a degenerate cell (lib/report/degenerate.ts): drawn hatched, with a legend entry saying so */
  flagged?: boolean;
}

/** Legend name of the hatched bars. */
export const FLAGGED_LEGEND = 'hatched: degenerate cell (see flags)';

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
    const hatched = groups.map((g) => (get(g)?.flagged ? '/' : ''));
    return {
      type: 'bar',
      name: arm,
      x: groups.map(label),
      y: ys,
      marker: {
        color: armColour(arm, i),
        ...(hatched.some(Boolean)
          ? { pattern: { shape: hatched, fillmode: 'overlay', fgcolor: '#222', solidity: 0.3 } }
          : {}),
      },
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
  const traces: Record<string, unknown>[] = data;
  if (rows.some((r) => r.flagged)) {
    // a legend-only entry explaining the hatching (no data: x/y null)
    traces.push({
      type: 'bar',
      name: FLAGGED_LEGEND,
      x: [null],
      y: [null],
      marker: {
        color: 'white',
        line: { color: '#222', width: 1 },
        pattern: { shape: '/', fillmode: 'overlay', fgcolor: '#222', solidity: 0.3 },
      },
      hoverinfo: 'skip',
    });
  }
  return {
    data: traces,
    layout: {
      // title above a one-line legend above the plot
      title: { text: opts.title ?? '', y: 0.98, yanchor: 'top' },
      margin: { t: 100 },
      barmode: 'group',
      xaxis: { automargin: true, tickangle: groups.some((g) => label(g).length > 14) ? -30 : 0 },
      yaxis: {
        title: { text: opts.yTitle ?? '' },
        automargin: true,
        ...(opts.yRange ? { range: opts.yRange } : {}),
      },
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
        reversescale: opts.colorscale === undefined, // plotly's Blues runs dark → light: make 100% the darkest
        showscale: true,
        ...(opts.normalize ? { zmin: 0, zmax: 1 } : {}),
      },
    ],
    layout: {
      title: { text: opts.title ?? 'Confusion matrix' },
      // automargin + standoff: the axis titles sit outside the (long) class-name ticks, never over them
      xaxis: { title: { text: 'predicted class', standoff: 12 }, side: 'bottom', automargin: true },
      yaxis: { title: { text: 'true class', standoff: 12 }, autorange: 'reversed', automargin: true },
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
  // room above the grid for the column titles (each <br> a line of ~16 px), and the figure title above them
  const titleLines = Math.max(1, ...(opts.colTitles ?? []).map((t) => t.split('<br>').length));
  const layout: Record<string, unknown> = {
    title: { text: opts.title ?? '', yref: 'container', y: 1, yanchor: 'top', pad: { t: 12 } },
    showlegend: false,
    annotations,
    margin: { l: Math.max(40, 12 + 6 * longest), t: 50 + 16 * titleLines },
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

/** A heat map (values in [0, 1], one per pixel) blended over an RGB image: lib/explain/overlay's blend, as an RgbImage. */
export function overlayImage(img: RgbImage, heat: ArrayLike<number>, alpha = 0.45): RgbImage {
  const rgb = overlayHeatmap({ data: img.rgb, width: img.width, height: img.height, channels: 3 }, heat, { alpha });
  return { width: img.width, height: img.height, rgb };
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
  const position = labelPositions(
    points.map((p) => p.n),
    points.map((p) => p.gain),
  );
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
        textposition: ps.map((p) => position[points.indexOf(p)]),
        // a label may reach past the plot area (the largest set's name at the right edge): draw it, do not clip it
        cliponaxis: false,
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
      xaxis: {
        type: 'log',
        title: { text: 'training images' },
        automargin: true,
        range: logRange(points.map((p) => p.n)),
      },
      yaxis: {
        title: { text: opts.yTitle ?? 'gain (points)' },
        zeroline: true,
        zerolinecolor: '#999',
        automargin: true,
      },
      shapes: [{ type: 'line', xref: 'paper', x0: 0, x1: 1, y0: 0, y1: 0, line: { color: '#999', dash: 'dot' } }],
      legend: { orientation: 'h', y: 1.02, yanchor: 'bottom', x: 1, xanchor: 'right' },
    },
  };
}

/** Sets whose sizes are this close on the log axis (decades) share a label column: their labels are spread. */
const LABEL_CLUSTER = 0.08;

/**
 * Text position per point of a log-x scatter. A point alone gets its label above it; points within LABEL_CLUSTER
 * decades of each other (e.g. BUSI 544, BreastMNIST 545 and Chest CT 547 train images) share a column, so their labels
 * go beside them, alternating left and right in the order of their y values: neighbours in y are on opposite sides.
 */
export function labelPositions(xs: readonly number[], ys: readonly number[]): string[] {
  const order = xs.map((x, i) => ({ lx: Math.log10(x), i })).sort((a, b) => a.lx - b.lx);
  const clusters: number[][] = [];
  order.forEach((p, j) => {
    if (j > 0 && p.lx - order[j - 1].lx < LABEL_CLUSTER) clusters[clusters.length - 1].push(p.i);
    else clusters.push([p.i]);
  });
  const out: string[] = new Array(xs.length);
  for (const c of clusters) {
    if (c.length === 1) out[c[0]] = 'top center';
    else [...c].sort((a, b) => ys[a] - ys[b]).forEach((i, k) => (out[i] = k % 2 ? 'middle right' : 'middle left'));
  }
  return out;
}

/** A log-axis range (in decades) padded by a quarter decade each side, so end labels have room. */
function logRange(xs: readonly number[]): [number, number] | undefined {
  const l = xs.filter((x) => x > 0).map(Math.log10);
  return l.length ? [Math.min(...l) - 0.25, Math.max(...l) + 0.25] : undefined;
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

/**
 * A long label broken into lines of at most `width` characters at spaces (plotly's line break is <br>), so a
 * category axis needs less margin than the whole sentence would.
 */
export function wrapLabel(text: string, width = 32): string {
  const lines: string[] = [];
  let cur = '';
  for (const w of text.split(' ')) {
    if (cur && cur.length + 1 + w.length > width) {
      lines.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(cur);
  return lines.join('<br>');
}

/** Horizontal bars, one per labelled row (e.g. throughput per net × backend); long labels get the room they need. */
export function horizontalBars(
  rows: { label: string; value: number; colour?: string }[],
  opts: { title?: string; xTitle?: string; logX?: boolean; digits?: number } = {},
): Figure {
  return {
    data: [
      {
        type: 'bar',
        orientation: 'h',
        y: rows.map((r) => wrapLabel(r.label)),
        x: rows.map((r) => r.value),
        text: rows.map((r) => r.value.toPrecision(opts.digits ?? 3)),
        textposition: 'auto',
        cliponaxis: false,
        ...(rows.some((r) => r.colour) ? { marker: { color: rows.map((r) => r.colour ?? '#1f77b4') } } : {}),
      },
    ],
    layout: {
      title: { text: opts.title ?? '' },
      xaxis: { title: { text: opts.xTitle ?? '' }, type: opts.logX ? 'log' : 'linear', automargin: true },
      yaxis: { autorange: 'reversed', automargin: true },
      showlegend: false,
    },
  };
}

/** Vertical bars per category with an optional colour per bar (e.g. share of coloured images per dataset). */
export function categoryBars(
  rows: { label: string; value: number; colour?: string }[],
  opts: { title?: string; yTitle?: string; yRange?: [number, number] } = {},
): Figure {
  return {
    data: [
      {
        type: 'bar',
        x: rows.map((r) => r.label),
        y: rows.map((r) => r.value),
        ...(rows.some((r) => r.colour) ? { marker: { color: rows.map((r) => r.colour ?? '#636363') } } : {}),
      },
    ],
    layout: {
      title: { text: opts.title ?? '' },
      xaxis: { tickangle: -30, automargin: true },
      yaxis: { title: { text: opts.yTitle ?? '' }, automargin: true, ...(opts.yRange ? { range: opts.yRange } : {}) },
      showlegend: false,
    },
  };
}

/**
 * Stacked horizontal bars of shares (each row sums to 1), segment k the k-th largest: e.g. class shares per
 * dataset, largest class first. `segmentName(k)` names segment k in the legend.
 */
export function stackedShares(
  rows: { label: string; shares: number[] }[],
  opts: { title?: string; xTitle?: string; segmentName?: (k: number) => string } = {},
): Figure {
  const maxK = Math.max(0, ...rows.map((r) => r.shares.length));
  const name = opts.segmentName ?? ((k: number) => `segment ${k + 1}`);
  return {
    data: Array.from({ length: maxK }, (_, k) => ({
      type: 'bar',
      orientation: 'h',
      name: name(k),
      y: rows.map((r) => r.label),
      x: rows.map((r) => r.shares[k] ?? 0),
      marker: { color: `hsl(210, 60%, ${25 + (55 * k) / Math.max(1, maxK - 1)}%)`, line: { color: 'white', width: 1 } },
    })),
    layout: {
      title: { text: opts.title ?? '' },
      barmode: 'stack',
      xaxis: { title: { text: opts.xTitle ?? '' }, range: [0, 1], automargin: true },
      yaxis: { automargin: true },
      legend: { traceorder: 'normal', x: 1.02, y: 1 },
    },
  };
}

/** A 2-D scatter, one trace (colour) per class: e.g. an embedding projected on two principal components. */
export function scatterByClass(
  xy: ArrayLike<number>,
  labels: ArrayLike<number>,
  classNames: string[],
  opts: { title?: string; xTitle?: string; yTitle?: string } = {},
): Figure {
  if (xy.length !== 2 * labels.length)
    throw new Error(`scatterByClass: ${xy.length} coordinates for ${labels.length} points`);
  const data = classNames.map((name, c) => {
    const pts = Array.from(labels)
      .map((y, i) => (y === c ? i : -1))
      .filter((i) => i >= 0);
    return {
      type: 'scatter',
      mode: 'markers',
      name,
      x: pts.map((i) => xy[2 * i]),
      y: pts.map((i) => xy[2 * i + 1]),
      marker: { size: 6, opacity: 0.75 },
    };
  });
  return {
    data,
    layout: {
      title: { text: opts.title ?? '' },
      xaxis: { title: { text: opts.xTitle ?? '' }, automargin: true },
      yaxis: { title: { text: opts.yTitle ?? '' }, automargin: true },
    },
  };
}

/** Effects with 95% CIs as dots on one axis, one labelled row each (e.g. each claim's effect), coloured by verdict. */
export function effectDotsCI(
  rows: { label: string; value: number; lo: number; hi: number; colour: string; text?: string }[],
  opts: { title?: string; xTitle?: string } = {},
): Figure {
  return {
    data: [
      {
        type: 'scatter',
        mode: 'markers',
        y: rows.map((r) => wrapLabel(r.label, 40)),
        x: rows.map((r) => r.value),
        error_x: {
          type: 'data',
          symmetric: false,
          array: rows.map((r) => r.hi - r.value),
          arrayminus: rows.map((r) => r.value - r.lo),
        },
        marker: { size: 11, color: rows.map((r) => r.colour) },
        text: rows.map((r) => r.text ?? ''),
      },
    ],
    layout: {
      title: { text: opts.title ?? '' },
      xaxis: { title: { text: opts.xTitle ?? '' }, zeroline: true, zerolinecolor: '#444', automargin: true },
      yaxis: { autorange: 'reversed', automargin: true },
      showlegend: false,
    },
  };
}
