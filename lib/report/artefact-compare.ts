// Is a regenerated artefact the committed one? `npm run reproduce` on a fresh clone must give every table, figure
// and notebook back byte for byte, except for what describes the run itself: the provenance line (commit, date),
// wall-clock durations and load averages printed while it ran, and the few files that are records of the run
// (its log, the speeds notebook 00 measures on the machine). compareArtefact says which of these a difference is;
// anything else is "different" and is shown. One more kind is named, never hidden: round-off. Notebooks 02 and 07
// compute features and Grad-CAM maps live through TensorFlow, whose kernels round differently on another CPU or
// kernel family (measured, oneDNN on vs off: 1.6e-6 in an embedding coordinate, up to 6.7e-5 in a Grad-CAM statistic,
// isolated pixels one colour level apart), so a clean re-run on another machine moves their last digits.
import path from 'node:path';
import sharp from 'sharp';
import { canonicalSvg } from './figures';

export type ArtefactVerdict = 'identical' | 'provenance' | 'timings' | 'round-off' | 'run record' | 'different';

/**
 * What counts as round-off: every number within `relative` × max(1, |a|, |b|) of its committed value (in an SVG also
 * one unit of its last printed decimal, since plotly prints coordinates to 0.01 px), every pixel within
 * `pixelLevels` of its committed colour in each channel, and everything else equal. A table entry printed to a few
 * digits that changes in its last digit is therefore still "different".
 */
export const ROUND_OFF = { relative: 1e-4, pixelLevels: 1 } as const;

export interface ArtefactComparison {
  verdict: ArtefactVerdict;
  /** for "different": the first differing line (or pixel box) of each side; for "run record": why it may differ */
  detail?: string;
}

/** Files that record the run that made them, so they differ on every run by design (path pattern, reason). */
export const RUN_RECORDS: readonly [RegExp, string][] = [
  [/^paper\/(.*\/)?reproduce-log-[^/]+\.json$/, 'the log of the reproduce run (its dates and durations)'],
  [/^paper\/tables\/00-measured-here-[^/]+\.(csv|md)$/, 'speeds measured on the machine that ran notebook 00'],
  [/^paper\/tables\/00-environment-[^/]+\.(csv|md)$/, 'the software and machine (kernel, CPUs) that ran notebook 00'],
  [/^notebooks\/00-environment\.ipynb$/, 'notebook 00 describes and measures the machine that runs it'],
];

/** `medssl <commit> · profile … · <date>`: lib/report/provenance.ts provenanceLine. */
const PROVENANCE = /medssl [0-9a-f]{7,40}(\+dirty)?( · [^·<>"\n\\]+)*? · \d{4}-\d{2}-\d{2}/g;
/** Durations and loads a run prints: "in 0.3 s", "(13 s)", "in 1:05", "load average 7.2", "12.5 s wall". */
const TIMINGS = [/\b\d+(\.\d+)?\s?(s|ms|min)\b/g, /\b\d+:\d\d(:\d\d)?\b/g, /load average:? [\d.]+(, [\d.]+)*/g];

export function maskProvenance(text: string): string {
  return text.replace(PROVENANCE, 'PROVENANCE');
}

export function maskTimings(text: string): string {
  return TIMINGS.reduce((t, re) => t.replace(re, 'TIME'), text);
}

/** An SVG in canonical form (figures.ts canonicalSvg) without the annotation that carries the provenance line. */
export function svgWithoutProvenance(svg: string): string {
  const s = maskProvenance(canonicalSvg(svg));
  const at = s.indexOf('PROVENANCE');
  if (at < 0) return s;
  const start = s.lastIndexOf('<g class="annotation"', at);
  if (start < 0) return s;
  // the annotation's own </g>: count nested groups from its start
  let depth = 0;
  const re = /<g\b|<\/g>/g;
  re.lastIndex = start;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    depth += m[0] === '</g>' ? -1 : 1;
    if (depth === 0) return s.slice(0, start) + s.slice(m.index + 4);
  }
  return s;
}

function firstDifference(a: string, b: string): string {
  const la = a.split('\n');
  const lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) {
      const [x, y] = [la[i] ?? '', lb[i] ?? ''];
      let c = 0;
      while (c < x.length && x[c] === y[c]) c++;
      const cut = (t: string) => t.slice(Math.max(0, c - 60), c + 80);
      return `line ${i + 1}: committed «${cut(x)}» vs now «${cut(y)}»`;
    }
  }
  return '';
}

/** Text: identical, or equal once provenance lines (then also timings) are masked. */
export function compareText(committed: string, now: string, kind: 'text' | 'svg' = 'text'): ArtefactComparison {
  if (committed === now) return { verdict: 'identical' };
  const prov = kind === 'svg' ? svgWithoutProvenance : maskProvenance;
  const [a, b] = [prov(committed), prov(now)];
  if (a === b) return { verdict: 'provenance' };
  const [ta, tb] = [maskTimings(a), maskTimings(b)];
  if (ta === tb) return { verdict: 'timings' };
  const r = numbersWithinRoundOff(ta, tb, kind === 'svg');
  if (r) return { verdict: 'round-off', detail: r };
  return { verdict: 'different', detail: firstDifference(a, b) };
}

const NUMBER = /-?\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi;

/**
 * When a and b are the same text apart from numbers that all differ by round-off (ROUND_OFF), a description of the
 * largest difference; otherwise null.
 */
export function numbersWithinRoundOff(a: string, b: string, svg = false): string | null {
  if (a.replace(NUMBER, '#') !== b.replace(NUMBER, '#')) return null;
  const [na, nb] = [a.match(NUMBER) ?? [], b.match(NUMBER) ?? []];
  if (na.length !== nb.length) return null;
  let n = 0;
  let worst = 0;
  let worstRel = 0;
  for (let i = 0; i < na.length; i++) {
    if (na[i] === nb[i]) continue;
    const [x, y] = [Number(na[i]), Number(nb[i])];
    const d = Math.abs(x - y);
    const decimals = Math.max(...[na[i], nb[i]].map((t) => /\.(\d+)/.exec(t)?.[1].length ?? 0));
    const lastDigit = svg && !/e/i.test(na[i] + nb[i]) ? 10 ** -decimals * (1 + 1e-9) : 0;
    const rel = d / Math.max(1, Math.abs(x), Math.abs(y));
    if (rel > ROUND_OFF.relative && d > lastDigit) return null;
    n++;
    worst = Math.max(worst, d);
    worstRel = Math.max(worstRel, rel);
  }
  return `${n} of ${na.length} numbers differ, by at most ${worst.toExponential(1)} (${worstRel.toExponential(1)} of max(1, |value|))`;
}

/**
 * PNG: the same size and the same pixels outside the bottom band where the provenance line is drawn (16 rows, 32
 * for a figure wider than 1000 px, i.e. rendered at scale 2).
 */
export async function comparePng(
  committed: Uint8Array,
  now: Uint8Array,
  o: { provenanceBand?: boolean } = {},
): Promise<ArtefactComparison> {
  if (Buffer.from(committed).equals(Buffer.from(now))) return { verdict: 'identical' };
  const [A, B] = await Promise.all(
    [committed, now].map((p) => sharp(Buffer.from(p)).ensureAlpha().raw().toBuffer({ resolveWithObject: true })),
  );
  const { width: w, height: h } = A.info;
  if (w !== B.info.width || h !== B.info.height)
    return { verdict: 'different', detail: `size ${w}×${h} committed vs ${B.info.width}×${B.info.height} now` };
  const band = o.provenanceBand === false ? 0 : w > 1000 ? 32 : 16;
  let box: number[] | undefined;
  let pixels = 0;
  let levels = 0;
  for (let y = 0; y < h - band; y++)
    for (let x = 0; x < w; x++) {
      const p = (y * w + x) * 4;
      if (A.data.readUInt32LE(p) !== B.data.readUInt32LE(p)) {
        box = box ? [Math.min(box[0], x), Math.max(box[1], x), box[2], y] : [x, x, y, y];
        pixels++;
        for (let c = 0; c < 4; c++) levels = Math.max(levels, Math.abs(A.data[p + c] - B.data[p + c]));
      }
    }
  if (!box) return { verdict: o.provenanceBand === false ? 'identical' : 'provenance' };
  const where = `x ${box[0]}–${box[1]}, y ${box[2]}–${box[3]}`;
  if (levels <= ROUND_OFF.pixelLevels)
    return { verdict: 'round-off', detail: `${pixels} pixels differ by ${levels} colour level at most (${where})` };
  return {
    verdict: 'different',
    detail: `pixels differ${band ? ' above the provenance band' : ''}: ${where} (${pixels} pixels, up to ${levels} levels)`,
  };
}

const DATA_PNG = /data:image\/png;base64,([A-Za-z0-9+/=]+)/g;

/** An SVG: text as compareText, with raster images embedded as data URIs compared as PNGs (same count, same order). */
export async function compareSvg(committed: string, now: string): Promise<ArtefactComparison> {
  if (committed === now) return { verdict: 'identical' };
  const images = (t: string) => [...t.matchAll(DATA_PNG)].map((m) => Buffer.from(m[1], 'base64'));
  const [ia, ib] = [images(committed), images(now)];
  const strip = (t: string) => t.replace(DATA_PNG, 'data:image/png;base64,IMAGE');
  if (ia.length !== ib.length)
    return { verdict: 'different', detail: `${ia.length} embedded images committed vs ${ib.length} now` };
  let verdict = compareText(strip(committed), strip(now), 'svg');
  if (verdict.verdict === 'different') return verdict;
  for (let i = 0; i < ia.length; i++) {
    const r = await comparePng(ia[i], ib[i], { provenanceBand: false });
    if (r.verdict === 'different') return { verdict: 'different', detail: `embedded image ${i + 1}: ${r.detail}` };
    if (r.verdict === 'round-off' && verdict.verdict !== 'round-off')
      verdict = { verdict: 'round-off', detail: `embedded image ${i + 1}: ${r.detail}` };
  }
  return verdict.verdict === 'identical' ? { verdict: 'provenance' } : verdict;
}

type NbOutput = { output_type: string; text?: string | string[]; data?: Record<string, string | string[]> };
type Nb = { cells: { source: string | string[]; outputs?: NbOutput[] }[] };
const joined = (t: string | string[] | undefined) => (Array.isArray(t) ? t.join('') : (t ?? ''));
const worse = (a: ArtefactVerdict, b: ArtefactVerdict): ArtefactVerdict => {
  const order: ArtefactVerdict[] = ['identical', 'provenance', 'timings', 'round-off', 'run record', 'different'];
  return order.indexOf(a) >= order.indexOf(b) ? a : b;
};

/** A notebook: the same cells; outputs compared as text (provenance, timings masked) and embedded PNGs as PNGs. */
export async function compareNotebook(committed: string, now: string): Promise<ArtefactComparison> {
  if (committed === now) return { verdict: 'identical' };
  const [a, b] = [JSON.parse(committed) as Nb, JSON.parse(now) as Nb];
  if (a.cells.length !== b.cells.length)
    return { verdict: 'different', detail: `${a.cells.length} cells committed vs ${b.cells.length} now` };
  let verdict: ArtefactVerdict = 'identical';
  let roundOff = '';
  for (let i = 0; i < a.cells.length; i++) {
    const [ca, cb] = [a.cells[i], b.cells[i]];
    const where = `cell ${i + 1}`;
    if (joined(ca.source) !== joined(cb.source)) return { verdict: 'different', detail: `${where}: source differs` };
    const [oa, ob] = [ca.outputs ?? [], cb.outputs ?? []];
    if (oa.length !== ob.length)
      return { verdict: 'different', detail: `${where}: ${oa.length} outputs committed vs ${ob.length} now` };
    for (let k = 0; k < oa.length; k++) {
      const [x, y] = [oa[k], ob[k]];
      const pngX = x.data?.['image/png'];
      const pngY = y.data?.['image/png'];
      let r: ArtefactComparison;
      if (pngX !== undefined || pngY !== undefined) {
        if (pngX === undefined || pngY === undefined) r = { verdict: 'different', detail: 'an image on one side only' };
        else r = await comparePng(Buffer.from(joined(pngX), 'base64'), Buffer.from(joined(pngY), 'base64'));
      } else {
        const text = (o: NbOutput) =>
          joined(o.text) +
          Object.entries(o.data ?? {})
            .map(([m, v]) => `\n${m}: ${joined(v)}`)
            .join('');
        r = compareText(text(x), text(y));
      }
      if (r.verdict === 'different') return { verdict: 'different', detail: `${where}, output ${k + 1}: ${r.detail}` };
      if (r.verdict === 'round-off' && verdict !== 'round-off') roundOff = `${where}, output ${k + 1}: ${r.detail}`;
      verdict = worse(verdict, r.verdict);
    }
  }
  // cells and outputs agree (up to provenance, timings and round-off): what is left is notebook metadata
  if (verdict === 'round-off') return { verdict, detail: roundOff };
  return { verdict: verdict === 'identical' ? 'provenance' : verdict };
}

/** Compare one artefact (path relative to the repository root) with its committed bytes. */
export async function compareArtefact(
  file: string,
  committed: Uint8Array,
  now: Uint8Array,
): Promise<ArtefactComparison> {
  if (Buffer.from(committed).equals(Buffer.from(now))) return { verdict: 'identical' };
  const record = RUN_RECORDS.find(([re]) => re.test(file));
  if (record) return { verdict: 'run record', detail: record[1] };
  const ext = path.extname(file).toLowerCase();
  const text = (u: Uint8Array) => Buffer.from(u).toString('utf8');
  if (ext === '.png') return comparePng(committed, now);
  if (ext === '.ipynb') return compareNotebook(text(committed), text(now));
  if (ext === '.svg') return compareSvg(text(committed), text(now));
  return compareText(text(committed), text(now));
}
