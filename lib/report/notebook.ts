// Show figures and tables inline in a tslab notebook. The PNG is what survives in the saved .ipynb (every
// viewer shows it; SVG is stripped from untrusted notebooks and by nbconvert's HTML export). Outside a
// kernel (a script, a test) tslab's display throws "Not ready", so we print where the files are instead.
import * as tslab from 'tslab';
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

/** Display a rendered figure as an inline PNG. */
export function showFigure(fig: RenderedFigure): void {
  if (!inKernel(() => tslab.display.png(fig.png))) console.log(`[figure] ${fig.files.png}`);
}

/** Display a written table as Markdown (its CSV/MD paths are in `table.files`). */
export function showTable(table: WrittenTable): void {
  if (!inKernel(() => tslab.display.markdown(table.markdown))) console.log(table.markdown);
}

/** Display Markdown text (e.g. a generated summary). */
export function showMarkdown(md: string): void {
  if (!inKernel(() => tslab.display.markdown(md))) console.log(md);
}
