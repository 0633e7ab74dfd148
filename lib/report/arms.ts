// The TL-vs-SSL pairs among the arms a set of records holds, so notebooks pick arms by name (never by position):
// arms are named by lib/pretrain/arms.ts (tl-resnet, ssl-resnet, tl-xception-s1, …; older exports 'tl'/'ssl'), and
// a TL arm pairs with the SSL arm of the same rest of the name ('resnet', 'xception-s1', …). The headline pair
// (lib/pretrain/arms HEADLINE_ARMS) comes first.
import { armLabel, armMethod, HEADLINE_ARMS } from '../pretrain/arms';
import type { RunRecord } from '../finetune/run-record';

/** The method of an arm ('tl' / 'ssl'), or undefined for controls, unknown names and the legacy 'random'. */
function methodOf(arm: string): 'tl' | 'ssl' | undefined {
  if (arm === 'tl' || arm === 'ssl') return arm; // older exports named arms by method only
  try {
    return armMethod(arm);
  } catch {
    return undefined;
  }
}

/** What pairs a TL arm with an SSL arm: the name after 'tl-' / 'ssl-' ('' for the legacy bare names). */
export function pairKey(arm: string): string {
  return arm.replace(/^(tl|ssl)-?/, '');
}

export interface ArmPair {
  /** the TL arm */
  a: string;
  /** the SSL arm */
  b: string;
  /** the shared rest of the name, e.g. 'resnet' ('' for the legacy 'tl'/'ssl') */
  family: string;
  /** armLabel of each: 'TL ResNet', 'SSL ResNet' */
  aLabel: string;
  bLabel: string;
}

/** Every TL/SSL pair present in `records`: the headline pair first, then by name. */
export function tlSslPairs(records: Pick<RunRecord, 'config'>[]): ArmPair[] {
  const arms = [...new Set(records.map((r) => r.config.arm))].sort();
  const out: ArmPair[] = [];
  for (const a of arms.filter((x) => methodOf(x) === 'tl')) {
    const b = arms.find((x) => methodOf(x) === 'ssl' && pairKey(x) === pairKey(a));
    if (b) out.push({ a, b, family: pairKey(a), aLabel: armLabel(a), bLabel: armLabel(b) });
  }
  const headline = (p: ArmPair) => (p.a === HEADLINE_ARMS.tl && p.b === HEADLINE_ARMS.ssl ? 0 : 1);
  return out.sort((x, y) => headline(x) - headline(y));
}
