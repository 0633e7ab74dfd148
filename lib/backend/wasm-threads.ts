// Multithreaded wasm in Node. tfjs-backend-wasm 4.22 reports WASM_HAS_MULTITHREAD_SUPPORT=false under Node
// (tensorflow/tfjs#3830), so XNNPACK runs on one thread. See enableWasmThreads().

/**
 * Try to enable the threaded-SIMD wasm build. Returns true when it will be used. Must run before the wasm backend
 * initialises.
 */
export function enableWasmThreads(): boolean {
  return false;
}
