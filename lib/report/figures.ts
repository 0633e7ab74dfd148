// Render a plotly.js figure with a real headless Chromium to <name>.png and .svg, plus an interactive <name>.html,
// in the profile's figures folder (reportDir: figures/ only for a publishing run of a committed profile, else
// scratch/<profile>/figures/). Every figure carries a small provenance line (commit, profile, backend, seeds, date),
// and its name carries the profile.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic';
import { checkNameCarriesProfile, reportDir, ROOT } from '../util/paths';
import { withBrowser, plotlyBundlePath } from './browser';
import { provenance, provenanceLine, type Provenance } from './provenance';

/** Plain plotly figure: traces, layout, config (the same objects plotly.js takes). */
export interface Figure {
  data: Record<string, unknown>[];
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

export interface RenderOptions {
  width?: number; // px, default 800
  height?: number; // px, default 480
  scale?: number; // PNG pixel ratio, default 1 (2 for print)
  provenance?: Partial<Provenance>;
  dir?: string; // default reportDir('figures', profile)
  html?: boolean; // write the interactive HTML (default true; image grids hold their pixels as JSON, so large)
  spreadLabels?: boolean; // move scatter point labels that overlap or leave the figure (default true)
}

export interface RenderedFigure {
  name: string;
  png: Uint8Array;
  svg: string;
  files: { png: string; svg: string; html?: string };
  provenance: Provenance;
  width: number;
  height: number;
  /** the figure as rendered (automargin and provenance added): what a live notebook draws interactively */
  spec: Figure;
  /** labels found outside the image or an axis title over a tick label, measured in the browser (empty = clean) */
  problems: string[];
}

/** Typed arrays → arrays, NaN → null: what survives JSON and the trip into the page. */
export function plain<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_k, v) => {
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
      if (typeof v === 'number' && !Number.isFinite(v)) return null;
      return v;
    }),
  );
}

/** Every cartesian axis of a layout: xaxis, yaxis, xaxis2, … (the plotly names). */
export const isAxisKey = (k: string) => /^[xy]axis\d*$/.test(k);

/**
 * The figure with automargin on every axis (the margin grows to fit long tick labels and axis titles instead of
 * clipping them; an axis that sets automargin itself keeps its choice) and its provenance line added as a small
 * grey annotation under the plot.
 */
export function withProvenance(fig: Figure, p: Provenance): Figure {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a plotly layout: any shape plotly accepts
  const layout = { ...(fig.layout ?? {}) } as Record<string, any>;
  for (const k of Object.keys(layout).filter(isAxisKey)) layout[k] = { automargin: true, ...layout[k] };
  // a horizontal legend above the plot shares the top band with the title: title at the top edge, room below it
  const legend = layout.legend as { orientation?: string; y?: number } | undefined;
  const title = layout.title as { text?: string; y?: number } | undefined;
  if (legend?.orientation === 'h' && (legend.y ?? 0) >= 1 && title?.text) {
    layout.title = { y: 0.98, yanchor: 'top', ...title };
    layout.margin = {
      ...(layout.margin ?? {}),
      t: Math.max(100, (layout.margin as { t?: number } | undefined)?.t ?? 0),
    };
  }
  if (!Object.keys(layout).some(isAxisKey) && fig.data.every((t) => t.type !== 'image' && t.type !== 'pie')) {
    layout.xaxis = { automargin: true };
    layout.yaxis = { automargin: true };
  }
  const margin = { l: 70, r: 30, t: 60, b: 80, ...(layout.margin ?? {}) };
  margin.b = Math.max(margin.b, 50);
  layout.margin = margin;
  const note = {
    text: provenanceLine(p),
    xref: 'paper',
    yref: 'paper',
    x: 0,
    y: 0,
    xanchor: 'left',
    yanchor: 'top',
    yshift: -(margin.b - 14),
    showarrow: false,
    font: { size: 9, color: '#888' },
    name: 'provenance',
  };
  layout.annotations = [...((layout.annotations as unknown[] | undefined) ?? []), note];
  layout.font ??= { family: 'DejaVu Sans, Arial, sans-serif', size: 13 };
  layout.paper_bgcolor ??= 'white';
  layout.plot_bgcolor ??= 'white';
  return { ...fig, layout };
}

function checkName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._\-/]*$/.test(name) || name.includes('..')) {
    throw new Error(`renderFigure: bad figure name "${name}" (letters, digits, . _ - / only)`);
  }
}

/**
 * Plotly names a figure's clip paths, gradients and defs after a random id drawn per render (`defs-3f9a1c`,
 * `clip3f9a1cxyplot`, `url(#clip3f9a1cxyplot)`), so two renders of one figure differ in every such name. Replace it
 * with a fixed one, in ids and in references to them only (never inside text or embedded image data), so that a
 * re-render is byte-identical.
 */
export function stableSvgIds(svg: string, fixed = 'medssl'): string {
  const uid = /\bid="defs-([0-9a-z]+)"/.exec(svg)?.[1];
  if (!uid || uid === fixed) return svg;
  const swap = (m: string) => m.split(uid).join(fixed);
  return svg.replace(/\bid="[^"]*"/g, swap).replace(/url\((['"]?)#[^)'"]*/g, swap);
}

/**
 * The SVG a render writes: plotly's random ids fixed (stableSvgIds) and empty `style=""` attributes dropped — the
 * root element gets one before or after its viewBox from render to render, which is the only other way two renders
 * of one figure differ.
 */
export function canonicalSvg(svg: string): string {
  return stableSvgIds(svg).replace(/ style=""/g, '');
}

/** Render one figure to PNG + SVG (Chromium) and a standalone interactive HTML file. */
export async function renderFigure(name: string, fig: Figure, opts: RenderOptions = {}): Promise<RenderedFigure> {
  checkName(name);
  const width = opts.width ?? 800;
  const height = opts.height ?? 480;
  const scale = opts.scale ?? 1;
  const prov = provenance(opts.provenance);
  checkNameCarriesProfile('renderFigure', name, prov.profile);
  const full = plain(withProvenance(fig, prov));
  // a trace without a uid gets a random one per render, which names its colour bar's gradient: number them instead
  full.data.forEach((t, i) => (t.uid ??= `t${i}`));
  const out = await withBrowser((page) =>
    page.evaluate(
      async ({ f, w, h, s, spread }) => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- runs in the page, whose Plotly and DOM are untyped here
        const page = globalThis as any;
        const P = page.Plotly;
        const { overlap, outside } = page.medsslBoxes; // lib/report/browser.ts PAGE_GEOMETRY
        const div = page.document.getElementById('fig');
        P.purge(div);
        await P.newPlot(div, f.data, { ...f.layout, width: w, height: h }, { staticPlot: true });
        // automargin may have grown the bottom margin: keep the provenance line at the bottom edge, under the labels
        const size = div._fullLayout._size;
        const notes = (f.layout?.annotations ?? []) as { name?: string }[];
        const ai = notes.findIndex((a) => a.name === 'provenance');
        if (ai >= 0) await P.relayout(div, { [`annotations[${ai}].yshift`]: -(size.b - 14) });
        // scatter point labels (mode text) printed over each other or past the figure edge: move one of each such
        // pair to its next candidate position and re-draw, until none is left or the candidates run out
        const cands = [
          'top center',
          'bottom center',
          'middle right',
          'middle left',
          'top right',
          'top left',
          'bottom right',
          'bottom left',
        ];
        const moved: Record<number, string[]> = {};
        const fr = div.getBoundingClientRect();
        const frame = { left: fr.left, right: fr.left + w, top: fr.top, bottom: fr.top + h };
        for (let round = 0; spread && round < 40; round++) {
          const items = [...div.querySelectorAll('.textpoint')].map((g) => ({
            r: g.getBoundingClientRect(),
            ti: g.closest('.trace')?.__data__?.[0]?.trace?.index,
            pi: g.__data__?.i,
          }));
          let target = -1;
          for (let a = 0; a < items.length && target < 0; a++) {
            const A = items[a].r;
            if (A.width > 0 && outside(A, frame, 0)) target = a;
            for (let b = a + 1; b < items.length && target < 0; b++) {
              const B = items[b].r;
              if (A.width > 0 && B.width > 0 && overlap(A, B)) target = b;
            }
          }
          if (target < 0) break;
          const { ti, pi } = items[target];
          if (typeof ti !== 'number' || typeof pi !== 'number') break;
          const t = div.data[ti];
          const n = (t.x ?? []).length;
          const cur =
            moved[ti] ??
            (Array.isArray(t.textposition) ? [...t.textposition] : new Array(n).fill(t.textposition ?? 'top center'));
          const k = cands.indexOf(cur[pi]);
          if (k === cands.length - 1) break;
          cur[pi] = cands[k + 1];
          moved[ti] = cur;
          await P.restyle(div, { textposition: [cur] }, [ti]);
        }
        const problems: string[] = [];
        // (no named functions in here: tsx's keepNames would wrap them in a __name() the page does not have)
        const texts = [
          ...div.querySelectorAll(
            '.xtick text, .ytick text, .g-xtitle text, .g-ytitle text, .annotation-text, .gtitle',
          ),
        ];
        const named = texts
          .map((e) => ({ e, r: e.getBoundingClientRect(), t: (e.textContent ?? '').trim() }))
          .filter((x) => x.t && x.r.width > 0);
        for (const x of named) if (outside(x.r, frame, 1)) problems.push(`clipped: "${x.t}"`);
        // the title must not overlap a legend entry (a horizontal legend above the plot shares its band)
        const legendTexts = [...div.querySelectorAll('.legend .legendtext')].map((e) => ({
          r: e.getBoundingClientRect(),
          t: (e.textContent ?? '').trim(),
        }));
        for (const g of named.filter((x) => x.e.closest('.gtitle') || x.e.classList.contains('gtitle')))
          for (const l of legendTexts)
            if (overlap(g.r, l.r)) problems.push(`overlap: title "${g.t}" over legend "${l.t}"`);
        // annotations (image-grid column and row titles, notes) must not overlap each other or the figure title
        const noteTexts = named.filter((x) => x.e.classList.contains('annotation-text'));
        for (const g of named.filter((x) => x.e.closest('.gtitle') || x.e.classList.contains('gtitle')))
          for (const a of noteTexts)
            if (overlap(g.r, a.r)) problems.push(`overlap: title "${g.t}" over annotation "${a.t}"`);
        for (let i = 0; i < noteTexts.length; i++)
          for (let j = i + 1; j < noteTexts.length; j++)
            if (overlap(noteTexts[i].r, noteTexts[j].r))
              problems.push(`overlap: annotation "${noteTexts[i].t}" over "${noteTexts[j].t}"`);
        // an axis title must not overlap a tick label (the "true" over "malignant" case)
        const titles = named.filter((x) => x.e.closest('.g-xtitle, .g-ytitle'));
        const ticks = named.filter((x) => x.e.closest('.xtick, .ytick'));
        for (const a of titles)
          for (const b of ticks)
            if (overlap(a.r, b.r)) problems.push(`overlap: axis title "${a.t}" over tick "${b.t}"`);
        // data-point labels (a scatter's text): inside the figure, inside the plot area where a clip-path would cut
        // them (cliponaxis), and not printed over each other (two sets of the same size)
        const plotArea = {
          left: fr.left + size.l,
          right: fr.left + size.l + size.w,
          top: fr.top + size.t,
          bottom: fr.top + size.t + size.h,
        };
        const points = [...div.querySelectorAll('.textpoint text')]
          .map((e) => ({ e, r: e.getBoundingClientRect(), t: (e.textContent ?? '').trim() }))
          .filter((x) => x.t && x.r.width > 0);
        for (const x of points) {
          let clipped = false;
          for (let a = x.e.parentElement; a && a !== div; a = a.parentElement)
            if (a.getAttribute('clip-path')) clipped = true;
          if (outside(x.r, clipped ? plotArea : frame, 1)) problems.push(`clipped: point label "${x.t}"`);
        }
        for (let i = 0; i < points.length; i++)
          for (let j = i + 1; j < points.length; j++)
            if (overlap(points[i].r, points[j].r))
              problems.push(`overlap: point label "${points[i].t}" over "${points[j].t}"`);
        const finalLayout = JSON.parse(JSON.stringify({ margin: { ...size } }));
        const png: string = await P.toImage(div, { format: 'png', width: w, height: h, scale: s });
        const svg: string = await P.toImage(div, { format: 'svg', width: w, height: h });
        return { png, svg, problems, margin: finalLayout.margin, moved };
      },
      { f: full, w: width, h: height, s: scale, spread: opts.spreadLabels !== false },
    ),
  );
  const png = Buffer.from(out.png.slice(out.png.indexOf(',') + 1), 'base64');
  const svg = canonicalSvg(decodeURIComponent(out.svg.slice(out.svg.indexOf(',') + 1)));
  if (!svg.startsWith('<svg')) throw new Error(`renderFigure(${name}): plotly returned no SVG`);
  const ai = ((full.layout?.annotations ?? []) as { name?: string }[]).findIndex((a) => a.name === 'provenance');
  if (ai >= 0) (full.layout!.annotations as { yshift?: number }[])[ai].yshift = -(out.margin.b - 14);
  // the interactive HTML and the returned spec take the label positions the render settled on
  for (const [ti, pos] of Object.entries(out.moved as Record<string, string[]>))
    full.data[Number(ti)].textposition = pos;
  if (out.problems.length) console.warn(`renderFigure(${name}): ${out.problems.join('; ')}`);

  const dir = opts.dir ?? reportDir('figures', prov.profile);
  const files: RenderedFigure['files'] = { png: path.join(dir, `${name}.png`), svg: path.join(dir, `${name}.svg`) };
  writeFileAtomic(files.png, new Uint8Array(png));
  writeFileAtomic(files.svg, svg);
  if (opts.html !== false) {
    files.html = path.join(dir, `${name}.html`);
    writeFileAtomic(files.html, figureHtml(name, full, width, height, path.dirname(files.html)));
  }
  return {
    name,
    png: new Uint8Array(png),
    svg,
    files,
    provenance: prov,
    width,
    height,
    spec: full,
    problems: out.problems,
  };
}

/**
 * Interactive HTML. plotly.js is 10 MB, so it is not inlined: the page loads it from the project's
 * node_modules (works after `npm install`, opened from the checkout) and falls back to the plotly CDN.
 */
export function figureHtml(name: string, fig: Figure, width: number, height: number, htmlDir: string): string {
  // the bundle as the checkout sees it (ROOT/node_modules), not where a symlinked node_modules really is: the page
  // must not name a path outside the repository
  const resolved = plotlyBundlePath();
  const inCheckout = path.join(ROOT, 'node_modules', 'plotly.js-dist', path.basename(resolved));
  const local = path
    .relative(htmlDir, fs.existsSync(inCheckout) ? inCheckout : resolved)
    .split(path.sep)
    .join('/');
  let version: string;
  try {
    version = JSON.parse(fs.readFileSync(path.join(path.dirname(plotlyBundlePath()), 'package.json'), 'utf8')).version;
  } catch {
    version = 'latest';
  }
  const spec = JSON.stringify(fig).replace(/</g, '\\u003c');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${name}</title>
<script src="${local}"></script>
<script>if (!window.Plotly) document.write('<script src="https://cdn.plot.ly/plotly-${version}.min.js"><\\/script>');</script>
</head><body>
<div id="fig" style="width:${width}px;height:${height}px"></div>
<script>
const fig = ${spec};
Plotly.newPlot('fig', fig.data, fig.layout, Object.assign({ responsive: true }, fig.config || {}));
</script>
</body></html>
`;
}
