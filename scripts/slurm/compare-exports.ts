// tsx scripts/slurm/compare-exports.ts A.json B.json [--subset]
//
// Do two run exports hold the same runs with the same numbers? Same config hashes (with --subset: every run of A
// is in B), and for each run the same config and the same test results (metrics, labels, image indices,
// probabilities as exported). Timings, hosts and dates may differ. Exit 0 when they agree, 1 with every
// difference listed otherwise. The SLURM test compares a sharded run's merged export with a single process's.
import { readExportFile, runLabel } from '../../lib/finetune/export';
import { canonicalJson } from '../../lib/util/hash';
import { cli } from '../../lib/util/cli';

const { values: opt, positionals } = cli({
  command: 'tsx scripts/slurm/compare-exports.ts',
  summary: 'Compare two run exports by config hash and numbers (exit 1 listing every difference).',
  positionals: '<A.json> <B.json>',
  options: { subset: { type: 'boolean', help: 'A may hold fewer runs than B (each of A must be in B, equal)' } },
});
if (positionals.length !== 2) {
  console.error('give two export files: A.json B.json');
  process.exit(2);
}
const [fa, fb] = positionals;
const [a, b] = [fa, fb].map((f) => new Map(readExportFile(f).map((r) => [r.configHash, r])));
const problems: string[] = [];
if (!a.size) problems.push(`${fa} holds no runs`);
for (const h of a.keys()) if (!b.has(h)) problems.push(`${h} ${runLabel(a.get(h)!.config)}: in A, not in B`);
if (!opt.subset)
  for (const h of b.keys()) if (!a.has(h)) problems.push(`${h} ${runLabel(b.get(h)!.config)}: in B, not in A`);
for (const [h, ra] of a) {
  const rb = b.get(h);
  if (!rb) continue;
  if (canonicalJson(ra.config) !== canonicalJson(rb.config)) problems.push(`${h}: configs differ`);
  for (const k of ['metrics', 'labels', 'indices', 'probs'] as const) {
    if (canonicalJson(ra.test[k]) !== canonicalJson(rb.test[k]))
      problems.push(`${h} ${runLabel(ra.config)}: test ${k} differ`);
  }
}
if (problems.length) {
  console.log(`[compare] ${fa} vs ${fb}: ${problems.length} differences`);
  for (const p of problems) console.log(`  ${p}`);
  process.exit(1);
}
console.log(
  `[compare] same: ${a.size} runs${opt.subset ? ` (of ${b.size} in B)` : ''}, identical config hashes, configs and test numbers (metrics, labels, indices, probabilities)`,
);
