// Notebooks are authored as TypeScript in "percent" format (notebooks/NN-name.ts, the jupytext convention):
//
//   // %% [markdown]
//   // # A title
//   // Prose, each line behind `// `.
//   // %%
//   const code = 1;
//
// and built into notebooks/NN-name.ipynb for the tslab kernel. The .ts file is the source of truth (reviewable
// diffs, type-checkable, runnable with `tsx`); the .ipynb is what users open in Jupyter and what
// `npm run reproduce` executes and saves with its outputs.
import { sha256Hex } from '../util/hash';

export interface SourceCell {
  type: 'markdown' | 'code';
  source: string;
}

export interface NbOutput {
  output_type: 'stream' | 'display_data' | 'execute_result' | 'error';
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
  [k: string]: unknown;
}

export interface NbCell {
  cell_type: 'markdown' | 'code';
  id: string;
  metadata: Record<string, unknown>;
  source: string[];
  outputs?: NbOutput[];
  execution_count?: number | null;
}

export interface Notebook {
  cells: NbCell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

const MARKER = /^\/\/ %%(.*)$/;
// Terminal colour codes in tracebacks and stderr start with ESC, a control character by design.
// eslint-disable-next-line no-control-regex
const ANSI_COLOUR = /\x1b\[[0-9;]*m/g;

/** Split a percent-format .ts file into cells. Text before the first marker must be blank or comments. */
export function parsePercent(text: string, file = '<notebook>'): SourceCell[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const cells: SourceCell[] = [];
  let cur: { type: SourceCell['type']; lines: string[] } | null = null;
  const flush = () => {
    if (!cur) return;
    while (cur.lines.length && cur.lines[cur.lines.length - 1].trim() === '') cur.lines.pop();
    while (cur.lines.length && cur.lines[0].trim() === '') cur.lines.shift();
    if (cur.lines.length) cells.push({ type: cur.type, source: cur.lines.join('\n') });
  };
  lines.forEach((line, i) => {
    const m = line.match(MARKER);
    if (m) {
      flush();
      const tag = m[1].trim();
      if (tag !== '' && tag !== '[markdown]' && tag !== '[md]') {
        throw new Error(`${file}:${i + 1}: unknown cell marker "${line}" (use "// %%" or "// %% [markdown]")`);
      }
      cur = { type: tag === '' ? 'code' : 'markdown', lines: [] };
      return;
    }
    if (!cur) {
      if (line.trim() !== '' && !line.startsWith('//'))
        throw new Error(`${file}:${i + 1}: code before the first "// %%" marker`);
      return;
    }
    if (cur.type === 'markdown') {
      if (line.trim() === '') cur.lines.push('');
      else if (line.startsWith('// ')) cur.lines.push(line.slice(3));
      else if (line === '//') cur.lines.push('');
      else throw new Error(`${file}:${i + 1}: markdown lines must start with "// " (got "${line.slice(0, 40)}")`);
    } else cur.lines.push(line);
  });
  flush();
  return cells;
}

/** Jupyter's multi-line source form: every line keeps its "\n" except the last. */
function toSourceLines(s: string): string[] {
  const lines = s.split('\n');
  return lines.map((l, i) => (i < lines.length - 1 ? l + '\n' : l)).filter((l) => l !== '');
}

export const TSLAB_METADATA = {
  kernelspec: { name: 'tslab', display_name: 'TypeScript (tslab, medssl)', language: 'typescript' },
  language_info: {
    name: 'typescript',
    codemirror_mode: { mode: 'typescript', name: 'javascript', typescript: true },
    file_extension: '.ts',
    mimetype: 'text/typescript',
  },
};

/** Build an unexecuted notebook. Cell ids are stable (hash of name + position), so rebuilds diff cleanly. */
export function buildNotebook(name: string, cells: SourceCell[]): Notebook {
  return {
    cells: cells.map((c, i) => {
      const id = sha256Hex(`${name}:${i}:${c.type}`).slice(0, 8);
      const source = toSourceLines(c.source);
      return c.type === 'markdown'
        ? { cell_type: 'markdown', id, metadata: {}, source }
        : { cell_type: 'code', id, metadata: {}, source, outputs: [], execution_count: null };
    }),
    metadata: {
      ...TSLAB_METADATA,
      medssl: { source: `${name}.ts`, note: `generated from ${name}.ts; edit that file` },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

export function cellText(cell: NbCell): string {
  return cell.source.join('');
}

function joinText(t: string | string[] | undefined): string {
  return Array.isArray(t) ? t.join('') : (t ?? '');
}

export interface CellFailure {
  index: number; // 0-based index among all cells
  codeIndex: number; // 1-based among code cells (what Jupyter shows as "In [n]" after a clean run)
  source: string;
  stderr: string; // tslab puts compile and runtime errors here, with an empty `evalue`
  error: string; // ename: evalue + traceback, when present
}

/**
 * First code cell with an error output, with its source and stderr (tslab's errors live in stderr). tslab
 * sometimes reports a runtime error without an `error` output; `failedIndex` (the cell the executor saw fail)
 * covers that case.
 */
export function firstFailure(nb: Notebook, failedIndex?: number): CellFailure | null {
  let codeIndex = 0;
  for (let i = 0; i < nb.cells.length; i++) {
    const c = nb.cells[i];
    if (c.cell_type !== 'code') continue;
    codeIndex++;
    const outs = c.outputs ?? [];
    const err =
      outs.find((o) => o.output_type === 'error') ??
      (i === failedIndex ? ({ output_type: 'error', ename: 'Error', evalue: '' } as NbOutput) : undefined);
    if (!err) continue;
    const stderr = outs
      .filter((o) => o.output_type === 'stream' && o.name === 'stderr')
      .map((o) => joinText(o.text))
      .join('');
    const tb = (err.traceback ?? []).join('\n').replace(ANSI_COLOUR, '');
    return {
      index: i,
      codeIndex,
      source: cellText(c),
      stderr,
      error: `${err.ename ?? 'Error'}: ${err.evalue ?? ''}${tb ? '\n' + tb : ''}`,
    };
  }
  return null;
}

/** Cell types and sources (no outputs): what must agree between a .ts source and its built or executed .ipynb. */
export function cellSources(nb: Notebook): string[] {
  return nb.cells.map((c) => `${c.cell_type}:${cellText(c)}`);
}

export interface ErrorSummary {
  message: string; // e.g. "Error: no runs for profile smoke" or "1:7 - Type 'string' is not assignable to type 'number'."
  line?: string; // the offending source line (with its file when it is not the cell), when stderr or the cell shows it
}

const ERROR_LINE = /^[A-Z]\w*(?:Error|Exception)(?: \[[\w-]+\])?: /;
const DIAGNOSTIC = /^(?:\S+ )?(\d+):(\d+) - (.*)$/;
const ARROW_HEADER = /^(\S.*):(\d+)$/; // Node's "file:line" above the offending line and its caret

/**
 * The message and source line of a tslab failure, read from the cell's stderr (tslab leaves `evalue` empty).
 * Type errors print as `line:col - message`, one per diagnostic, the line counted in the cell. A thrown error
 * prints as `evalmachine.<anonymous>:4` (or `/path/lib/x.ts:12`), the offending line, a caret, a blank line, then
 * `Error: message` and the stack; an awaited rejection prints only the message and the stack.
 */
export function summarizeError(stderr: string, cellSource = ''): ErrorSummary {
  const lines = stderr.replace(ANSI_COLOUR, '').split(/\r?\n/);
  const diags = lines.map((l) => l.match(DIAGNOSTIC)).filter((m): m is RegExpMatchArray => m !== null);
  if (diags.length > 0) {
    const srcLine = cellSource.split('\n')[Number(diags[0][1]) - 1];
    return { message: diags.map((m) => m[0]).join('; '), ...(srcLine !== undefined ? { line: srcLine.trim() } : {}) };
  }
  let line: string | undefined;
  const at = lines.findIndex(
    (l, i) => ARROW_HEADER.test(l) && (lines[i + 1] ?? '').trim() !== '' && /^\s*\^/.test(lines[i + 2] ?? ''),
  );
  if (at >= 0) {
    const where = lines[at].match(ARROW_HEADER)![1];
    if (where === 'evalmachine.<anonymous>') line = lines[at + 1].trim();
    else if (!where.startsWith('<')) line = `${lines[at + 1].trim()} (${where}:${lines[at].match(ARROW_HEADER)![2]})`;
  }
  const skip = new Set(at >= 0 ? [at, at + 1, at + 2] : []);
  const msg =
    lines.find((l) => ERROR_LINE.test(l.trim())) ??
    lines.find((l, i) => !skip.has(i) && l.trim() !== '' && !/^\s+at /.test(l));
  return { message: msg?.trim() || '(no error text on stderr)', ...(line ? { line } : {}) };
}
