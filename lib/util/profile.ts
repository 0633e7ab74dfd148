// One environment variable picks the scale of every experiment: smoke (CI, minutes), cpu (2-core laptop,
// the default), gpu (paper scale). Each stage keeps its own table of knobs keyed by profile name.
export type ProfileName = 'smoke' | 'cpu' | 'gpu';
export const PROFILES: readonly ProfileName[] = ['smoke', 'cpu', 'gpu'];

export function profileName(explicit?: string): ProfileName {
  const p = (explicit ?? process.env.MEDSSL_PROFILE ?? 'cpu').toLowerCase();
  if (!(PROFILES as readonly string[]).includes(p)) {
    throw new Error(`unknown profile "${p}" (MEDSSL_PROFILE or --profile): expected one of ${PROFILES.join(', ')}`);
  }
  return p as ProfileName;
}
