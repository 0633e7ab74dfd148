// npm run code-version [-- --bump AREA | --accept AREA]
// Shows whether the sources behind each code version (lib/code-versions.json) still match their recorded
// fingerprint, and records a new one: --bump when the numbers change, --accept when they do not.
import { cli } from '../lib/util/cli';
import { CODE_AREAS, type CodeArea } from '../lib/util/code-version';

const { values } = cli({
  command: 'npm run code-version --',
  summary: 'Check or record the code versions that name cached fine-tuning runs and pre-training checkpoints.',
  options: {
    bump: {
      type: 'string',
      arg: 'AREA',
      help: `new version for AREA (${CODE_AREAS.join('|')}): its numbers changed, its cached results are misses`,
    },
    accept: {
      type: 'string',
      arg: 'AREA',
      help: "record AREA's new fingerprint, same version: its numbers did not change (check with npm run grid -- --verify N)",
    },
  },
});
// Loaded after the arguments are parsed, so --help and a bad flag answer at once.
const { recordCodeVersion, staleAreas } = await import('../lib/util/code-fingerprint');

function area(v: string): CodeArea {
  if (!(CODE_AREAS as readonly string[]).includes(v))
    throw new Error(`unknown area "${v}": expected one of ${CODE_AREAS.join(', ')}`);
  return v as CodeArea;
}

if (typeof values.bump === 'string' || typeof values.accept === 'string') {
  const bump = typeof values.bump === 'string';
  const a = area((values.bump ?? values.accept) as string);
  const v = recordCodeVersion(a, bump);
  console.log(`${a}: version ${v.version}, fingerprint ${v.fingerprint}${bump ? ' (bumped)' : ' (accepted)'}`);
} else {
  const stale = staleAreas();
  if (!stale.length) console.log(`code versions up to date (${CODE_AREAS.join(', ')})`);
  for (const s of stale) {
    console.log(
      `${s.area}: sources changed since version ${s.recorded.version} (fingerprint ${s.recorded.fingerprint} → ${s.now}).`,
    );
    console.log(`  numbers change → npm run code-version -- --bump ${s.area};  they do not → --accept ${s.area}`);
  }
  if (stale.length) process.exitCode = 1;
}
