// How close a re-run must come to a stored record. On the same CPU extensions TensorFlow runs the same kernels and a
// re-run is bit for bit (or within the graph-split rounding a test states); on another CPU oneDNN picks other code
// paths and rounds differently — measured: 1.0e-4 (verify) and 4.5e-4 (fineTunedModel) between an AVX-512 record and
// a CPU without AVX2, both with oneDNN on — so there the predictions must agree and the probabilities within 1e-3.
// A record from before `backendInfo.cpu` was kept counts as another CPU.
import { cpuIsa } from '../../lib/backend/select-backend';

export const CROSS_CPU_PROB_TOL = 1e-3;

export function sameCpuKernels(backendInfo: unknown): boolean {
  const cpu = (backendInfo as { cpu?: { avx2?: boolean; avx512f?: boolean } } | undefined)?.cpu;
  if (!cpu) return false;
  const here = cpuIsa();
  return cpu.avx2 === here.avx2 && cpu.avx512f === here.avx512f;
}
