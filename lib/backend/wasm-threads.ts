// Multithreaded wasm in Node: NOT enabled (tfjs-backend-wasm 4.22 runs XNNPACK on one thread under Node).
//
// Why: the package reports WASM_HAS_MULTITHREAD_SUPPORT=false under Node (tensorflow/tfjs#3830) and would load
// its pthread worker and main script from Blob URLs, which Node's worker_threads cannot open. We tried (2026-11-25)
// a post-install patch that hands it file paths instead (worker script written to a temp file, main script
// wasm-out/tfjs-backend-wasm-threaded-simd.js) and forcing the flag: the threaded build then loads and computes
// correct gradients, but getThreadsCount() still reports 1 and a 3×3 conv of [64,32,32,32] took ~10 s instead
// of ~40 ms (load average ~10 at the time), so it was reverted. ../../../shared/ENVIRONMENT.md reports +38 % for
// ResNet training from an earlier working patch on an idle machine. PyTorch is compared at 1 and 2 threads.

/** Try to enable the threaded-SIMD wasm build before the backend initialises; returns true when it will be used. */
export function enableWasmThreads(): boolean {
  return false;
}
