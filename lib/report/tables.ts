// Tables are rows (one plain object per row) written as CSV (for machines) and Markdown (for the paper) in the
// profile's tables folder (reportDir: paper/tables/ only for a publishing run of a committed profile, else
// scratch/<profile>/paper/tables/). Every table is built row by row from a computation (a bootstrap, a verdict), so
// rows are what callers have; a danfojs DataFrame is what a table READ BACK becomes (readTableCsv), where querying,
// grouping and describing it is what a reader wants. danfojs' own toCSV does not quote fields that contain commas
// or quotes, so we write RFC 4180 CSV ourselves.
import fs from 'node:fs';
import path from 'node:path';
import { DataFrame } from 'danfojs-node';
import { writeFileAtomic } from '../util/atomic';
import { checkNameCarriesProfile, reportDir } from '../util/paths';
import { provenance, provenanceLine, type Provenance } from './provenance';

export type Cell = string | number | boolean | null;
export type Row = Record<string, Cell>;

/** Columns in first-seen key order and one value list per row (a missing cell is null). */
function columnsAndValues(rows: Row[]): { columns: string[]; values: Cell[][] } {
  if (rows.length === 0) throw new Error('table: no rows');
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return { columns, values: rows.map((r) => columns.map((c) => (r[c] === undefined ? null : r[c]))) };
}

function csvField(v: Cell): string {
  if (v === null || (typeof v === 'number' && Number.isNaN(v))) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(rows: Row[]): string {
  const { columns, values } = columnsAndValues(rows);
  return [columns.map(csvField).join(','), ...values.map((r) => r.map(csvField).join(','))].join('\n') + '\n';
}

/** RFC 4180 parser (quoted fields, doubled quotes, embedded newlines). Returns raw strings. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else field += ch;
      i++;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
    i++;
  }
  if (quoted) throw new Error('parseCsv: unterminated quoted field');
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/**
 * Read a CSV written by writeTable back as a danfojs DataFrame (to query, group or describe it); numeric-looking
 * cells become numbers, empty → null.
 */
export function readTableCsv(file: string): DataFrame {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read table (${(e as Error).message})`, { cause: e });
  }
  const [header, ...rows] = parseCsv(text);
  if (!header) throw new Error(`${file}: empty CSV`);
  rows.forEach((r, i) => {
    if (r.length !== header.length)
      throw new Error(`${file}: row ${i + 2} has ${r.length} fields, header has ${header.length}`);
  });
  const numeric = header.map((_, j) => rows.every((r) => r[j] === '' || isNumeric(r[j])));
  const values = rows.map((r) => r.map((v, j) => (v === '' ? null : numeric[j] ? Number(v) : v)));
  return new DataFrame(values, { columns: header });
}

function isNumeric(s: string): boolean {
  return s.trim() === s && s !== '' && Number.isFinite(Number(s));
}

function mdCell(v: Cell, digits: number): string {
  if (v === null || (typeof v === 'number' && Number.isNaN(v))) return '–';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(digits);
  return String(v);
}

/**
 * GitHub Markdown table of text cells (`|` escaped, line breaks folded to spaces); columns with `right[j]` are
 * right-aligned. No trailing newline.
 */
export function mdTable(head: string[], rows: string[][], right: readonly boolean[] = []): string {
  const line = (r: string[]) => `| ${r.map((s) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')).join(' | ')} |`;
  const rule = `|${head.map((_, j) => (right[j] ? ' ---: ' : ' --- ')).join('|')}|`;
  return [line(head), rule, ...rows.map(line)].join('\n');
}

/** Rows as a GitHub Markdown table; numbers right-aligned and shown with `digits` decimals, missing cells '–'. */
export function toMarkdown(rows: Row[], digits = 3): string {
  const { columns, values } = columnsAndValues(rows);
  const numericCol = columns.map(
    (_, j) => values.length > 0 && values.every((r) => r[j] === null || typeof r[j] === 'number'),
  );
  const cells = (r: Cell[]) => r.map((v) => mdCell(v, digits));
  return mdTable(cells(columns), values.map(cells), numericCol) + '\n';
}

export interface WrittenTable {
  name: string;
  rows: Row[];
  markdown: string;
  files: { csv: string; md: string };
  provenance: Provenance;
}

/** Write <tables>/<name>.csv and .md (atomically). The name carries the profile; the Markdown gets a title and a provenance line. */
export function writeTable(
  name: string,
  rows: Row[],
  opts: { title?: string; digits?: number; provenance?: Partial<Provenance>; dir?: string } = {},
): WrittenTable {
  if (!/^[A-Za-z0-9][A-Za-z0-9._\-/]*$/.test(name) || name.includes('..')) {
    throw new Error(`writeTable: bad table name "${name}" (letters, digits, . _ - / only)`);
  }
  const prov = provenance(opts.provenance);
  checkNameCarriesProfile('writeTable', name, prov.profile);
  const dir = opts.dir ?? reportDir('tables', prov.profile);
  const files = { csv: path.join(dir, `${name}.csv`), md: path.join(dir, `${name}.md`) };
  const table_md = toMarkdown(rows, opts.digits ?? 3);
  const markdown = (opts.title ? `**${opts.title}**\n\n` : '') + table_md + `\n<sub>${provenanceLine(prov)}</sub>\n`;
  writeFileAtomic(files.csv, toCsv(rows));
  writeFileAtomic(files.md, markdown);
  return { name, rows, markdown: table_md, files, provenance: prov };
}
