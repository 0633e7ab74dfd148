// runs/ is git-ignored (one file per run, with full per-epoch logs). The reference results of a profile are
// exported, compacted, into <artefact root>/paper/results/finetune-<profile>.json so a fresh clone can rebuild the
// figures and tables without re-training: probabilities rounded to 4 decimals, everything else as recorded.
//
// An export only grows by merging: records are added or replaced by run identity (the config hash), never lost
// because runs/ is empty or holds one shard's share. Dropping records takes an explicit predicate and is
// reported. Two records with the same identity but different numbers are a conflict: reported, and the record
// already exported is kept unless the caller asks for the new one.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, readJson } from '../util/atomic';
import { canonicalJson } from '../util/hash';
import { acquireLock } from '../util/lock';
import { artefactRoot } from '../util/paths';
import {
  byConfigHash,
  loadRuns,
  recordFromJson,
  runHash,
  RECORD_SCHEMA,
  type RunConfig,
  type RunRecord,
} from './run-record';

export function exportPath(profile: string, root = artefactRoot(profile)): string {
  return path.join(root, 'paper', 'results', `finetune-${profile}.json`);
}

const round4 = (v: number) => Math.round(v * 1e4) / 1e4;

/** A record as exported: test probabilities rounded to 4 decimals. Idempotent. */
export function compactRecord(r: RunRecord): RunRecord {
  return { ...r, test: { ...r.test, probs: r.test.probs.map((row) => row.map(round4)) } };
}

/**
 * What a run measured (not when or how fast): two records of one identity must agree on it. The test predictions
 * at the export's 4 decimals; the metrics are left out because they are a function of them computed before the
 * rounding (a loss or ECE differing in the 8th decimal is the same result).
 */
function resultKey(r: RunRecord): string {
  const t = compactRecord(r).test;
  return canonicalJson({ labels: t.labels, indices: t.indices, probs: t.probs });
}

/** A short human label of a record's cell. */
export function runLabel(c: RunConfig): string {
  return `${c.dataset}/${c.arm}/${c.condition}/seed ${c.seed}`;
}

export interface MergeReport {
  before: number;
  after: number;
  added: number;
  unchanged: number;
  /** Of the unchanged: the same result re-run with the CPU time the exported record predates (the re-run is kept). */
  timed: { configHash: string; label: string }[];
  /** Same identity, different numbers: configHash + label. `kept` says which record the merge kept. */
  conflicts: { configHash: string; label: string; kept: 'existing' | 'incoming' }[];
  dropped: { configHash: string; label: string }[];
}

export interface MergeOptions {
  /** For a conflict: keep the record already exported (default) or take the incoming one. */
  onConflict?: 'keep' | 'replace';
  /** Existing records to remove (explicit: e.g. records of an older backbone). Each is reported. */
  drop?: (r: RunRecord) => boolean;
}

/** Merge `incoming` into `existing` by configHash (see the file comment). Records come back compacted. */
export function mergeRecords(
  existing: RunRecord[],
  incoming: RunRecord[],
  o: MergeOptions = {},
): { records: RunRecord[]; report: MergeReport } {
  const report: MergeReport = {
    before: existing.length,
    after: 0,
    added: 0,
    unchanged: 0,
    timed: [],
    conflicts: [],
    dropped: [],
  };
  const byHash = new Map<string, RunRecord>();
  for (const r of existing) {
    if (o.drop?.(r)) report.dropped.push({ configHash: r.configHash, label: runLabel(r.config) });
    else byHash.set(r.configHash, compactRecord(r));
  }
  for (const raw of incoming) {
    const r = compactRecord(raw);
    const cur = byHash.get(r.configHash);
    if (!cur) {
      byHash.set(r.configHash, r);
      report.added++;
    } else if (resultKey(cur) === resultKey(r)) {
      report.unchanged++;
      // The result is the same; a record made before runs logged CPU time gains it from the re-run (C6 needs it).
      if (cur.cpuSeconds == null && r.cpuSeconds != null) {
        byHash.set(r.configHash, r);
        report.timed.push({ configHash: r.configHash, label: runLabel(r.config) });
      }
    } else {
      const kept = o.onConflict === 'replace' ? 'incoming' : 'existing';
      if (kept === 'incoming') byHash.set(r.configHash, r);
      report.conflicts.push({ configHash: r.configHash, label: runLabel(r.config), kept });
    }
  }
  const records = [...byHash.values()].sort(byConfigHash);
  report.after = records.length;
  return { records, report };
}

/** One line per part of a merge report, for the terminal. */
export function formatMergeReport(file: string, r: MergeReport): string {
  const lines = [
    `${file}: ${r.before} → ${r.after} records (${r.added} added, ${r.unchanged} unchanged, ${r.conflicts.length} conflicts, ${r.dropped.length} dropped)`,
  ];
  for (const t of r.timed)
    lines.push(`  timed ${t.configHash} ${t.label}: same result, CPU time added from the re-run`);
  for (const c of r.conflicts)
    lines.push(`  CONFLICT ${c.configHash} ${c.label}: same identity, different results; kept the ${c.kept} record`);
  for (const d of r.dropped) lines.push(`  dropped ${d.configHash} ${d.label}`);
  return lines.join('\n');
}

function writeExport(file: string, profile: string, records: RunRecord[]): void {
  // Compact, one record per line: pretty-printing puts every probability on its own line (~3× the bytes).
  const body = records.map((r) => JSON.stringify(r)).join(',\n');
  writeFileAtomic(file, `{"schema":${RECORD_SCHEMA},"profile":${JSON.stringify(profile)},"runs":[\n${body}\n]}\n`);
}

/** Records exported in `file` (empty when there is none). A file that cannot be read is an error naming it. */
export function readExportFile(file: string): RunRecord[] {
  if (!fs.existsSync(file)) return [];
  const j = readJson<{ schema?: number; runs?: RunRecord[] }>(file);
  if (j.schema !== RECORD_SCHEMA || !Array.isArray(j.runs)) {
    throw new Error(
      `${file}: not a schema-${RECORD_SCHEMA} run export (schema ${j.schema ?? 'missing'}${Array.isArray(j.runs) ? '' : ', no "runs" array'})`,
    );
  }
  return j.runs.map((r, i) => recordFromJson(r, `${file}: run ${i} (${r.configHash})`));
}

/** Records exported for a profile (empty when none were exported). */
export function readExport(profile: string, root?: string): RunRecord[] {
  return readExportFile(exportPath(profile, root));
}

export interface ExportOptions extends MergeOptions {
  runsDir?: string;
  /** Artefact root (tests); default artefactRoot(profile). */
  root?: string;
  /** Records to merge instead of the profile's records in runs/ (the SLURM merge step passes shard records). */
  records?: RunRecord[];
}

/**
 * Merge the profile's records in runs/ (or `o.records`) into its export, under a lock so shards exporting at the
 * same time serialise instead of overwriting each other.
 */
export async function exportRuns(
  profile: string,
  o: ExportOptions = {},
): Promise<{ file: string; report: MergeReport }> {
  const file = exportPath(profile, o.root);
  const lock = await acquireLock(`${file}.lock`, { what: `export ${profile}`, timeoutMs: 10 * 60_000 });
  try {
    const incoming = o.records ?? loadRuns({ profile }, { dir: o.runsDir });
    const { records, report } = mergeRecords(readExportFile(file), incoming, o);
    writeExport(file, profile, records);
    exportIndex.delete(file);
    return { file, report };
  } finally {
    lock.release();
  }
}

const exportIndex = new Map<string, { mtimeMs: number; size: number; byHash: Map<string, RunRecord> }>();

/**
 * The exported reference record of this exact config, if the profile's export holds one. A fresh clone has an
 * empty runs/, so without this `npm run reproduce` would repeat hours of fine-tuning that the committed export
 * already records; with it, re-running an exported config is a cache hit like any other. The config hash covers
 * everything that decides the result (backbone weights, code version, data: see RunConfig), so a hit is a run
 * the current code would produce.
 */
export function exportedRun(config: RunConfig, root?: string): RunRecord | undefined {
  const file = exportPath(config.profile, root);
  if (!fs.existsSync(file)) return undefined;
  const st = fs.statSync(file);
  let idx = exportIndex.get(file);
  if (!idx || idx.mtimeMs !== st.mtimeMs || idx.size !== st.size) {
    idx = { mtimeMs: st.mtimeMs, size: st.size, byHash: new Map(readExportFile(file).map((r) => [r.configHash, r])) };
    exportIndex.set(file, idx);
  }
  return idx.byHash.get(runHash(config));
}

export interface RecordComparison {
  /** Accuracy of [a, b]. */
  accuracy: [number, number];
  /** Largest absolute difference of a test probability (both compacted to 4 decimals). */
  maxProbDiff: number;
  /**
   * identical: equal to the export's rounding; close: accuracy within `tol` (another backend, or float order);
   * different: anything else, or other test images.
   */
  verdict: 'identical' | 'close' | 'different';
}

/** Compare two records of one config (an exported one and a re-run). */
export function compareRecords(a: RunRecord, b: RunRecord, tol = 0.01): RecordComparison {
  const acc = (r: RunRecord) => r.test.metrics.accuracy;
  const accuracy: [number, number] = [acc(a), acc(b)];
  const pa = compactRecord(a).test,
    pb = compactRecord(b).test;
  if (canonicalJson(pa.indices) !== canonicalJson(pb.indices) || pa.probs.length !== pb.probs.length)
    return { accuracy, maxProbDiff: Infinity, verdict: 'different' };
  let maxProbDiff = 0;
  pa.probs.forEach((row, i) =>
    row.forEach((v, j) => (maxProbDiff = Math.max(maxProbDiff, Math.abs(v - pb.probs[i][j])))),
  );
  const verdict =
    maxProbDiff <= 1e-4 + 1e-9 ? 'identical' : Math.abs(accuracy[0] - accuracy[1]) <= tol ? 'close' : 'different';
  return { accuracy, maxProbDiff, verdict };
}
