// Render a plotly.js figure with a real headless Chromium to <name>.png and .svg, plus an interactive <name>.html,
// in the profile's figures folder (reportDir: figures/ only for a publishing run of a committed profile, else
// scratch/<profile>/figures/). Every figure carries a small provenance line (commit, profile, backend, seeds, date),
// and its name carries the profile.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic';
import { checkNameCarriesProfile, reportDir } from '../util/paths';
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
}

export interface RenderedFigure {
  name: string;
  png: Uint8Array;
  svg: string;
  files: { png: string; svg: string; html?: string };
  provenance: Provenance;
  width: number;
  height: number;
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

/** The figure with its provenance line added as a small grey annotation under the plot. */
export function withProvenance(fig: Figure, p: Provenance): Figure {
  const layout: Record<string, unknown> = { ...(fig.layout ?? {}) };
  const margin = { l: 70, r: 30, t: 60, b: 80, ...(layout.margin as Partial<Record<'l' | 'r' | 't' | 'b', number>>) };
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

/** Render one figure to PNG + SVG (Chromium) and a standalone interactive HTML file. */
export async function renderFigure(name: string, fig: Figure, opts: RenderOptions = {}): Promise<RenderedFigure> {
  checkName(name);
  const width = opts.width ?? 800;
  const height = opts.height ?? 480;
  const scale = opts.scale ?? 1;
  const prov = provenance(opts.provenance);
  checkNameCarriesProfile('renderFigure', name, prov.profile);
  const full = plain(withProvenance(fig, prov));
  const out = await withBrowser((page) =>
    page.evaluate(
      async ({ f, w, h, s }) => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- runs in the page, whose Plotly and DOM are untyped here
        const page = globalThis as any;
        const P = page.Plotly;
        const div = page.document.getElementById('fig');
        P.purge(div);
        await P.newPlot(div, f.data, { ...f.layout, width: w, height: h }, { staticPlot: true });
        const png: string = await P.toImage(div, { format: 'png', width: w, height: h, scale: s });
        const svg: string = await P.toImage(div, { format: 'svg', width: w, height: h });
        return { png, svg };
      },
      { f: full, w: width, h: height, s: scale },
    ),
  );
  const png = Buffer.from(out.png.slice(out.png.indexOf(',') + 1), 'base64');
  const svg = decodeURIComponent(out.svg.slice(out.svg.indexOf(',') + 1));
  if (!svg.startsWith('<svg')) throw new Error(`renderFigure(${name}): plotly returned no SVG`);

  const dir = opts.dir ?? reportDir('figures', prov.profile);
  const files: RenderedFigure['files'] = { png: path.join(dir, `${name}.png`), svg: path.join(dir, `${name}.svg`) };
  writeFileAtomic(files.png, new Uint8Array(png));
  writeFileAtomic(files.svg, svg);
  if (opts.html !== false) {
    files.html = path.join(dir, `${name}.html`);
    writeFileAtomic(files.html, figureHtml(name, full, width, height, path.dirname(files.html)));
  }
  return { name, png: new Uint8Array(png), svg, files, provenance: prov, width, height };
}

/**
 * Interactive HTML. plotly.js is 10 MB, so it is not inlined: the page loads it from the project's
 * node_modules (works after `npm install`, opened from the checkout) and falls back to the plotly CDN.
 */
export function figureHtml(name: string, fig: Figure, width: number, height: number, htmlDir: string): string {
  const local = path.relative(htmlDir, plotlyBundlePath()).split(path.sep).join('/');
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
