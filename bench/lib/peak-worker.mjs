// One thread of the peak-FLOP/s measurement (bench/lib/peak.mjs): instantiates the peak kernel module,
// warms it up (so V8's optimizing tier runs it), then runs one timed batch of calls per "go" signal.
import { parentPort, workerData } from 'node:worker_threads';

const { module, kernel, iters, calls, runs, warmupMs, go } = workerData;
const instance = await WebAssembly.instantiate(module, { env: { abort() { throw new Error('abort'); } } });
const fn = instance.exports[kernel];
let sink = 0;
const t0 = performance.now();
while (performance.now() - t0 < warmupMs) sink += fn(iters >> 3, 1, 1e-9);
parentPort.postMessage({ ready: true });
const flag = new Int32Array(go);
for (let r = 0; r < runs; r++) {
  Atomics.wait(flag, 0, r);           // released when the main thread stores r + 1
  const t = performance.now();
  for (let i = 0; i < calls; i++) sink += fn(iters, 1, 1e-9);
  parentPort.postMessage({ run: r, seconds: (performance.now() - t) / 1000, sink });
}
