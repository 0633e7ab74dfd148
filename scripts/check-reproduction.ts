// npm run check-reproduction [-- --base REV]
// After `npm run reproduce` on a clean checkout: every artefact the run changed, added or removed, compared with the
// committed one (lib/report/artefact-compare.ts). Prints one line per changed file with its verdict — provenance
// (only the provenance line), timings (also durations and loads printed during the run), round-off (numbers and
// pixels that TensorFlow computed live moved within ROUND_OFF, as on another CPU), run record (a file that records
// the run itself) — and exits 1 if any is different.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cli, stringOption } from '../lib/util/cli';

const { values } = cli({
  command: 'npm run check-reproduction --',
  summary: 'Compare the artefacts a reproduce run regenerated with the committed ones.',
  options: { base: { type: 'string', arg: 'REV', help: 'the committed version to compare with (default HEAD)' } },
});
const { compareArtefact, ROUND_OFF } = await import('../lib/report/artefact-compare');
const { ROOT } = await import('../lib/util/paths');

const base = stringOption(values, 'base') ?? 'HEAD';
const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, maxBuffer: 1 << 30 });
const paths = (...args: string[]) =>
  git(...args)
    .toString()
    .split('\n')
    .filter(Boolean);
const ARTEFACTS = ['figures', 'paper', 'notebooks'];
const changed = paths('diff', '--name-only', base, '--', ...ARTEFACTS);
const added = paths('ls-files', '--others', '--exclude-standard', '--', ...ARTEFACTS);

const counts = new Map<string, number>();
let bad = 0;
for (const file of changed) {
  const abs = path.join(ROOT, file);
  let line: string;
  let verdict: string;
  if (!fs.existsSync(abs)) {
    verdict = 'different';
    line = 'removed by the run';
  } else {
    const r = await compareArtefact(file, new Uint8Array(git('show', `${base}:${file}`)), fs.readFileSync(abs));
    verdict = r.verdict;
    line = r.detail ?? '';
  }
  counts.set(verdict, (counts.get(verdict) ?? 0) + 1);
  if (verdict === 'different') bad++;
  console.log(`${verdict.padEnd(10)} ${file}${line ? `: ${line}` : ''}`);
}
for (const file of added) {
  bad++;
  counts.set('different', (counts.get('different') ?? 0) + 1);
  console.log(`different  ${file}: new, not committed`);
}
const tracked = paths('ls-files', '--', ...ARTEFACTS).length;
console.log(
  `\n[check-reproduction] ${tracked} committed artefacts; byte-identical ${tracked - changed.length}; ` +
    [...counts].map(([k, n]) => `${k} ${n}`).join(', ') +
    (bad ? ` → ${bad} differ beyond provenance, timings, round-off and run records` : ' → reproduced') +
    (counts.get('round-off')
      ? ` (round-off: numbers within ${ROUND_OFF.relative} × max(1, |value|), pixels within ${ROUND_OFF.pixelLevels} colour level)`
      : ''),
);
process.exitCode = bad ? 1 : 0;
