// A grid split into shards (SLURM array tasks, or `--shard i/n` on several machines) and merged back.
//
// Completeness is decided by the records alone: shard i of n is complete when every config shardConfigs assigns
// to it has a record in one of the runs folders. Each shard also leaves a manifest when it finishes
// (runs/shards/<profile>-<grid key>/shard-<i>-of-<n>.json: its configs and what became of each) so the merge
// can say WHY a shard is incomplete: no manifest means the task never finished (cancelled, killed, timed out,
// still running); a manifest lists the configs that failed or were locked by another process.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readJson, writeJsonAtomic } from '../util/atomic';
import { configHash } from '../util/hash';
import { runLabel } from './export';
import { shardConfigs } from './grid';
import { readRunsDir, runHash, type RunConfig, type RunRecord } from './run-record';

export const MANIFEST_SCHEMA = 1;

/** Names one grid (the set of its config hashes), so manifests of another grid in the same folder are ignored. */
export function gridKey(configs: RunConfig[]): string {
  return configHash(configs.map(runHash).sort());
}

export type ConfigOutcome = 'done' | 'failed' | 'locked';

export interface ShardManifest {
  schema: typeof MANIFEST_SCHEMA;
  profile: string;
  gridKey: string;
  /** Configs in the whole grid. */
  total: number;
  shard: { index: number; count: number };
  host: string;
  /** SLURM_JOB_ID, SLURM_ARRAY_JOB_ID, SLURM_ARRAY_TASK_ID, SLURM_RESTART_COUNT when run under SLURM. */
  slurm?: Record<string, string>;
  finishedAt: string;
  wallSeconds: number;
  loadAverage: number[];
  ran: number;
  cached: number;
  configs: { configHash: string; label: string; outcome: ConfigOutcome; error?: string }[];
}

export function manifestDir(runsDir: string, profile: string, key: string): string {
  return path.join(runsDir, 'shards', `${profile}-${key}`);
}

export function manifestPath(runsDir: string, profile: string, key: string, index: number, count: number): string {
  return path.join(manifestDir(runsDir, profile, key), `shard-${index}-of-${count}.json`);
}

const SLURM_VARS = ['SLURM_JOB_ID', 'SLURM_ARRAY_JOB_ID', 'SLURM_ARRAY_TASK_ID', 'SLURM_RESTART_COUNT'];

export interface ShardOutcome {
  ran: number;
  cached: number;
  wallSeconds: number;
  failed: { config: RunConfig; error: string }[];
  locked: RunConfig[];
}

/** The manifest of shard `index`/`count` of the grid `all`, after it ran `res` (written atomically). */
export function writeManifest(
  runsDir: string,
  all: RunConfig[],
  index: number,
  count: number,
  res: ShardOutcome,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const failed = new Map(res.failed.map((f) => [runHash(f.config), f.error]));
  const locked = new Set(res.locked.map(runHash));
  const key = gridKey(all);
  const slurm = Object.fromEntries(SLURM_VARS.filter((v) => env[v] !== undefined).map((v) => [v, env[v]!]));
  const m: ShardManifest = {
    schema: MANIFEST_SCHEMA,
    profile: all[0]?.profile ?? 'unknown',
    gridKey: key,
    total: all.length,
    shard: { index, count },
    host: os.hostname(),
    ...(Object.keys(slurm).length ? { slurm } : {}),
    finishedAt: new Date().toISOString(),
    wallSeconds: res.wallSeconds,
    loadAverage: os.loadavg(),
    ran: res.ran,
    cached: res.cached,
    configs: shardConfigs(all, index, count).map((c) => {
      const h = runHash(c);
      const outcome: ConfigOutcome = failed.has(h) ? 'failed' : locked.has(h) ? 'locked' : 'done';
      return { configHash: h, label: runLabel(c), outcome, ...(failed.has(h) ? { error: failed.get(h) } : {}) };
    }),
  };
  const file = manifestPath(runsDir, m.profile, key, index, count);
  writeJsonAtomic(file, m);
  return file;
}

/** The manifest of a shard in the first folder that has one; a manifest that cannot be read is an error naming it. */
export function readManifest(
  runsDirs: string[],
  profile: string,
  key: string,
  index: number,
  count: number,
): { file: string; manifest: ShardManifest } | undefined {
  for (const dir of runsDirs) {
    const file = manifestPath(dir, profile, key, index, count);
    if (!fs.existsSync(file)) continue;
    const manifest = readJson<ShardManifest>(file);
    if (
      manifest.schema !== MANIFEST_SCHEMA ||
      manifest.gridKey !== key ||
      manifest.shard?.index !== index ||
      manifest.shard?.count !== count
    ) {
      throw new Error(
        `${file}: not the manifest of shard ${index}/${count} of grid ${key} (schema ${manifest.schema}, grid ${manifest.gridKey}, shard ${manifest.shard?.index}/${manifest.shard?.count})`,
      );
    }
    return { file, manifest };
  }
  return undefined;
}

export interface ShardStatus {
  index: number;
  count: number;
  assigned: number;
  /** Assigned configs without a record in any runs folder. */
  missing: RunConfig[];
  manifest?: { file: string; manifest: ShardManifest };
}

export interface GatheredRecords {
  /** Records of the grid's configs, from every folder (a config found in two folders appears twice). */
  records: RunRecord[];
  /** Per folder: records read, and records that belong to no config of this grid (other grids, older code). */
  perDir: { dir: string; read: number; outside: number }[];
}

/** Read the records of the grid `all` from several runs folders (shards that ran without a shared folder). */
export function gatherRecords(
  all: RunConfig[],
  runsDirs: string[],
  onSkip?: (file: string, why: string) => void,
): GatheredRecords {
  const want = new Set(all.map(runHash));
  const records: RunRecord[] = [];
  const perDir: GatheredRecords['perDir'] = [];
  for (const dir of runsDirs) {
    if (!fs.existsSync(dir)) throw new Error(`runs folder ${dir} does not exist`);
    const got = readRunsDir(dir, onSkip);
    const mine = got.filter((r) => want.has(r.configHash));
    records.push(...mine);
    perDir.push({ dir, read: got.length, outside: got.length - mine.length });
  }
  return { records, perDir };
}

/** Which of the n shards of grid `all` have all their records (see the file comment). */
export function shardStatus(all: RunConfig[], count: number, have: Set<string>, runsDirs: string[]): ShardStatus[] {
  const key = gridKey(all);
  const profile = all[0]?.profile ?? 'unknown';
  const out: ShardStatus[] = [];
  for (let index = 1; index <= count; index++) {
    const assigned = shardConfigs(all, index, count);
    out.push({
      index,
      count,
      assigned: assigned.length,
      missing: assigned.filter((c) => !have.has(runHash(c))),
      manifest: readManifest(runsDirs, profile, key, index, count),
    });
  }
  return out;
}

/** One line per shard; incomplete shards say what is missing, why (from the manifest) and how to redo them. */
export function formatShardStatus(status: ShardStatus[], maxListed = 5): string {
  const lines: string[] = [];
  for (const s of status) {
    const head = `shard ${s.index}/${s.count}: ${s.assigned - s.missing.length}/${s.assigned} records`;
    if (!s.missing.length) {
      lines.push(
        `${head}, complete${s.manifest ? '' : ' (no manifest: records copied in or made by an unsharded run)'}`,
      );
      continue;
    }
    const m = s.manifest?.manifest;
    let why: string;
    if (!m) why = 'no manifest: the shard never finished (cancelled, killed, timed out, or still running)';
    else {
      const failed = m.configs.filter((c) => c.outcome === 'failed').length;
      const locked = m.configs.filter((c) => c.outcome === 'locked').length;
      why = `finished on ${m.host} at ${m.finishedAt} with ${failed} failed and ${locked} locked by another process`;
    }
    lines.push(`${head}, INCOMPLETE (${s.missing.length} missing): ${why}`);
    const errors = new Map(m?.configs.filter((c) => c.error).map((c) => [c.configHash, c.error!]) ?? []);
    for (const c of s.missing.slice(0, maxListed)) {
      const h = runHash(c);
      lines.push(`    missing ${h} ${runLabel(c)}${errors.has(h) ? `: ${errors.get(h)}` : ''}`);
    }
    if (s.missing.length > maxListed) lines.push(`    … and ${s.missing.length - maxListed} more`);
  }
  return lines.join('\n');
}
