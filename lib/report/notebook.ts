// Show figures and tables inline in a tslab notebook.
// - Live kernel (a student in Jupyter; MEDSSL_PUBLISH unset): figures are interactive plotly (hover, zoom), drawn
//   by plotly.js from node_modules, sent into the page once per kernel (no CDN, works offline), with the PNG as
//   the fallback where scripts do not run.
// - Publishing run (`npm run reproduce`, MEDSSL_PUBLISH=1): PNG only, so the committed .ipynb stay small and
//   render on GitHub (SVG is stripped from untrusted notebooks and by nbconvert's HTML export).
// Outside a kernel (a script, a test) tslab's display throws "Not ready", so we print where the files are instead.
import fs from 'node:fs';
import * as tslab from 'tslab';
import { isPublishing } from '../util/paths';
import { plotlyBundlePath } from './browser';
import type { RenderedFigure } from './figures';
import type { WrittenTable } from './tables';

function inKernel(fn: () => void): boolean {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
}

/** How a figure is shown: interactive in a live kernel, static PNG in a publishing run. */
export function figureMode(env: NodeJS.ProcessEnv = process.env): 'interactive' | 'png' {
  return isPublishing(env) ? 'png' : 'interactive';
}

let figureCounter = 0;

/** plotly.js itself as an inline script (10 MB; `</script` inside it escaped). */
export function plotlyScriptTag(): string {
  return `<script>${fs.readFileSync(plotlyBundlePath(), 'utf8').replace(/<\/script/gi, '<\\/script')}</script>`;
}

/**
 * The HTML output of one interactive figure: a div, the figure's spec, and a PNG fallback shown when
 * window.Plotly is missing (the page was reloaded, or scripts do not run). `withPlotly` prepends plotly.js.
 */
export function interactiveFigureHtml(fig: RenderedFigure, withPlotly: boolean): string {
  const id = `medssl-${fig.name.replace(/[^A-Za-z0-9_-]/g, '_')}-${process.pid}-${++figureCounter}`;
  const spec = JSON.stringify(fig.spec).replace(/</g, '\\u003c');
  const png = Buffer.from(fig.png).toString('base64');
  return `${withPlotly ? plotlyScriptTag() : ''}
<div id="${id}" style="width:${fig.width}px;height:${fig.height}px"><img alt="${fig.name}" src="data:image/png;base64,${png}"></div>
<script>(function () {
  var el = document.getElementById(${JSON.stringify(id)});
  if (!el || !window.Plotly) return; // keep the PNG
  var f = ${spec};
  el.innerHTML = '';
  window.Plotly.newPlot(el, f.data, Object.assign({}, f.layout, { width: ${fig.width}, height: ${fig.height} }), { displaylogo: false });
})();</script>`;
}

let plotlySent = false;

/** Display a rendered figure: interactive in a live kernel, PNG in a publishing run (see the header). */
export function showFigure(fig: RenderedFigure): void {
  const shown =
    figureMode() === 'interactive'
      ? inKernel(() => tslab.display.html(interactiveFigureHtml(fig, !plotlySent)))
      : inKernel(() => tslab.display.png(fig.png));
  if (shown && figureMode() === 'interactive') plotlySent = true;
  if (!shown) console.log(`[figure] ${fig.files.png}`);
  if (fig.problems?.length) console.log(`[figure] ${fig.name}: ${fig.problems.join('; ')}`);
}

/** Display a written table as Markdown (its CSV/MD paths are in `table.files`). */
export function showTable(table: WrittenTable): void {
  if (!inKernel(() => tslab.display.markdown(table.markdown))) console.log(table.markdown);
}

/** Display Markdown text (e.g. a generated summary). */
export function showMarkdown(md: string): void {
  if (!inKernel(() => tslab.display.markdown(md))) console.log(md);
}
