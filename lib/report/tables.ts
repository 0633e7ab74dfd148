// Tables are danfojs DataFrames written as CSV (for machines) and Markdown (for the paper) in the profile's tables
// folder (reportDir: paper/tables/ only for a publishing run of a committed profile, else scratch/<profile>/paper/tables/).
// danfojs' own toCSV does not quote fields that contain commas or quotes, so we write RFC 4180 CSV ourselves.
import fs from 'node:fs';
import path from 'node:path';
import { DataFrame } from 'danfojs-node';
import { writeFileAtomic } from '../util/atomic';
import { checkNameCarriesProfile, reportDir } from '../util/paths';
import { provenance, provenanceLine, type Provenance } from './provenance';

export type Cell = string | number | boolean | null;
export type Row = Record<string, Cell>;

/** Rows of plain objects → DataFrame (columns in first-seen key order; missing cells are null). */
export function toDataFrame(rows: Row[]): DataFrame {
  if (rows.length === 0) throw new Error('toDataFrame: no rows');
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return new DataFrame(
    rows.map((r) => columns.map((c) => (r[c] === undefined ? null : r[c]))),
    { columns },
  );
}

function columnsAndValues(df: DataFrame): { columns: string[]; values: Cell[][] } {
  const columns = df.columns.map(String);
  const values = (df.values as unknown as Cell[][]).map((row) => (Array.isArray(row) ? row : [row]));
  return { columns, values };
}

function csvField(v: Cell): string {
  if (v === null || (typeof v === 'number' && Number.isNaN(v))) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(df: DataFrame): string {
  const { columns, values } = columnsAndValues(df);
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

/** Read a CSV written by writeTable back into a DataFrame; numeric-looking cells become numbers, empty → null. */
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

/** A DataFrame as a GitHub Markdown table; numbers right-aligned and shown with `digits` decimals. */
export function toMarkdown(df: DataFrame, digits = 3): string {
  const { columns, values } = columnsAndValues(df);
  const numericCol = columns.map(
    (_, j) => values.length > 0 && values.every((r) => r[j] === null || typeof r[j] === 'number'),
  );
  const cells = (r: Cell[]) => r.map((v) => mdCell(v, digits));
  return mdTable(cells(columns), values.map(cells), numericCol) + '\n';
}

export interface WrittenTable {
  name: string;
  df: DataFrame;
  markdown: string;
  files: { csv: string; md: string };
  provenance: Provenance;
}

/** Write <tables>/<name>.csv and .md (atomically). The name carries the profile; the Markdown gets a title and a provenance line. */
export function writeTable(
  name: string,
  table: DataFrame | Row[],
  opts: { title?: string; digits?: number; provenance?: Partial<Provenance>; dir?: string } = {},
): WrittenTable {
  if (!/^[A-Za-z0-9][A-Za-z0-9._\-/]*$/.test(name) || name.includes('..')) {
    throw new Error(`writeTable: bad table name "${name}" (letters, digits, . _ - / only)`);
  }
  const df = Array.isArray(table) ? toDataFrame(table) : table;
  const prov = provenance(opts.provenance);
  checkNameCarriesProfile('writeTable', name, prov.profile);
  const dir = opts.dir ?? reportDir('tables', prov.profile);
  const files = { csv: path.join(dir, `${name}.csv`), md: path.join(dir, `${name}.md`) };
  const table_md = toMarkdown(df, opts.digits ?? 3);
  const markdown = (opts.title ? `**${opts.title}**\n\n` : '') + table_md + `\n<sub>${provenanceLine(prov)}</sub>\n`;
  writeFileAtomic(files.csv, toCsv(df));
  writeFileAtomic(files.md, markdown);
  return { name, df, markdown: table_md, files, provenance: prov };
}
