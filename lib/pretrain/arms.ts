// The arms of the fine-tuning grid: one name per backbone, the ONE vocabulary every stage uses (grid, records,
// report, notebooks). A backbone we pre-train is named as `npm run pretrain -- --only` names its run, so the arm
// says method, architecture, source and seed:
//   tl-resnet, ssl-xception          supervised / SimCLR pre-training of the profile's architecture (2×2 design)
//   tl-resnet-s1                     the same with pre-training seed 1 (seed spread)
//   ssl-resnet-medical-all           SimCLR on the pooled medical train splits (in-domain control)
//   random-resnet, random-xception   the architecture at seeded random init (the no-pre-training floor)
//   imagenet-mnv2                    ImageNet MobileNetV2 α0.35 (real ImageNet supervised weights, ../shared/weights)
//   imagenet-xception, imagenet-resnet50, keras-file:<name>
//                                    Keras weights converted by `npm run weights` (lib/weights)
import type { PretrainMethod, SourceDataset } from './config';
import type { ArchFamily } from './profiles';

/** An arm's name (see the table above); parse it with `parseArm`. */
export type Arm = string;

export type ArmSpec =
  | { kind: 'pretrained'; method: PretrainMethod; arch: ArchFamily; source?: SourceDataset; seed?: number }
  | { kind: 'random'; arch: ArchFamily }
  | { kind: 'imagenet-mnv2' }
  | { kind: 'keras'; weights: string };

const PRETRAINED = /^(tl|ssl)-(resnet|xception)(?:-(medical-all|cifar10|imagenette))?(?:-s(\d+))?$/;
const RANDOM = /^random-(resnet|xception)$/;
const KERAS_NAMED = new Set(['imagenet-xception', 'imagenet-resnet50']);

/** What an arm's name means; throws naming the accepted forms. */
export function parseArm(arm: Arm): ArmSpec {
  const p = PRETRAINED.exec(arm);
  if (p) {
    const spec: ArmSpec = { kind: 'pretrained', method: p[1] as PretrainMethod, arch: p[2] as ArchFamily };
    if (p[3]) spec.source = p[3] as SourceDataset;
    if (p[4] !== undefined) spec.seed = Number(p[4]);
    return spec;
  }
  const r = RANDOM.exec(arm);
  if (r) return { kind: 'random', arch: r[1] as ArchFamily };
  if (arm === IMAGENET_MNV2_ARM) return { kind: 'imagenet-mnv2' };
  if (KERAS_NAMED.has(arm)) return { kind: 'keras', weights: arm };
  if (arm.startsWith('keras-file:') && arm.length > 'keras-file:'.length)
    return { kind: 'keras', weights: arm.slice('keras-file:'.length) };
  throw new Error(
    `unknown arm "${arm}": expected tl|ssl-resnet|xception[-medical-all][-s<seed>], random-resnet|xception, ` +
      `imagenet-mnv2, imagenet-xception, imagenet-resnet50 or keras-file:<name>`,
  );
}

/** The pre-training method an arm stands for in the TL-vs-SSL comparison (undefined for controls). */
export function armMethod(arm: Arm): PretrainMethod | undefined {
  const s = parseArm(arm);
  return s.kind === 'pretrained' ? s.method : undefined;
}

/** The architecture family of an arm built from the profile's variants (undefined for ImageNet/Keras arms). */
export function armArch(arm: Arm): ArchFamily | undefined {
  const s = parseArm(arm);
  return s.kind === 'pretrained' || s.kind === 'random' ? s.arch : undefined;
}

/** Older exports named arms by method only ('tl' = the paper pairing's TL arm, …). */
const LEGACY_LABELS: Record<string, string> = { tl: 'TL', ssl: 'SSL', imagenet: 'ImageNet', random: 'random init' };

/** Human label: "TL ResNet", "SSL Xception (seed 1)", "SSL ResNet (medical)", "random ResNet", … */
export function armLabel(arm: Arm): string {
  if (LEGACY_LABELS[arm]) return LEGACY_LABELS[arm];
  let s: ArmSpec;
  try {
    s = parseArm(arm);
  } catch {
    return arm;
  }
  const archName = (a: ArchFamily) => (a === 'resnet' ? 'ResNet' : 'Xception');
  if (s.kind === 'pretrained')
    return `${s.method.toUpperCase()} ${archName(s.arch)}${s.source === 'medical-all' ? ' (medical)' : s.source ? ` (${s.source})` : ''}${s.seed !== undefined ? ` (seed ${s.seed})` : ''}`;
  if (s.kind === 'random') return `random ${archName(s.arch)}`;
  if (s.kind === 'imagenet-mnv2') return 'ImageNet MobileNetV2';
  return `Keras ${s.weights}`;
}

/** The headline comparison: TL and SSL on the same architecture (the matched ResNet pair). */
export const HEADLINE_ARMS = { tl: 'tl-resnet', ssl: 'ssl-resnet' } as const;

/** The ImageNet control: real ImageNet supervised MobileNetV2 weights (../shared/weights). */
export const IMAGENET_MNV2_ARM = 'imagenet-mnv2';

/**
 * The TL and SSL arms a report compares among the arms present: the headline pair when both are there, else the
 * first TL and first SSL arm (by name order), else the older exports' 'tl'/'ssl' (which named the paper pairing).
 */
export function comparedArms(present: Iterable<Arm>): { tl: Arm; ssl: Arm } {
  const arms = [...new Set(present)].sort();
  if (arms.includes(HEADLINE_ARMS.tl) && arms.includes(HEADLINE_ARMS.ssl)) return { ...HEADLINE_ARMS };
  const method = (a: Arm) => {
    try {
      return armMethod(a);
    } catch {
      return undefined;
    }
  };
  const tl = arms.find((a) => method(a) === 'tl');
  const ssl = arms.find((a) => method(a) === 'ssl');
  if (tl && ssl) return { tl, ssl };
  return { tl: 'tl', ssl: 'ssl' };
}
