// A compute thread of the simd-threads build. Plain JavaScript on purpose: it is loaded as is by Node's
// worker_threads (and by jest, which does not transform worker files). It instantiates the shared
// module over the shared memory and runs the wasm worker loop until the host posts JOB_EXIT.
import { parentPort, workerData } from 'node:worker_threads';

const { module, memory, control, tid, startGeneration } = workerData;
let exports;
try {
  const instance = await WebAssembly.instantiate(module, {
    env: {
      memory,
      abort(_message, _file, line, column) {
        throw new Error(`wasm abort at ${line}:${column}`);
      },
    },
  });
  exports = instance.exports;
  parentPort.postMessage({ ready: true });
} catch (err) {
  parentPort.postMessage({ error: `worker ${tid} could not start: ${err?.message ?? err}` });
  process.exit(1);
}

try {
  exports.workerLoop(control, tid, startGeneration);
} catch (err) {
  // A trap inside a job: record it, then count this worker's share as done so the host wakes up.
  exports.markFailed(control, tid);
  exports.jobDone(control);
  parentPort.postMessage({ error: `worker ${tid} failed: ${err?.message ?? err}` });
}
