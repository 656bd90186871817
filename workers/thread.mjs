// A compute thread of the simd-threads build. Plain JavaScript on purpose: it is loaded as is by Node's
// worker_threads (and by jest, which does not transform worker files) and, in browsers, as a module Web
// Worker (bundlers ship it as a worker entry). It instantiates the shared module over the shared memory
// and runs the wasm worker loop until the host posts JOB_EXIT or terminates it.
// Node hands the start data over as workerData; a browser posts it as the first message. No top-level
// await and no static imports, so that bundlers may emit it as a classic (IIFE) worker too.
const inBrowser = typeof globalThis.WorkerGlobalScope !== 'undefined' && typeof globalThis.postMessage === 'function';

if (inBrowser) {
  globalThis.addEventListener('message', (e) => {
    run(e.data, (m) => globalThis.postMessage(m), () => globalThis.close());
  }, { once: true });
} else {
  const nodeWorkers = 'node:worker_threads';   // a variable: bundlers must not pull Node modules into browser builds
  import(/* @vite-ignore */ /* webpackIgnore: true */ nodeWorkers).then(({ parentPort, workerData }) => {
    run(workerData, (m) => parentPort.postMessage(m), () => process.exit(1));
  });
}

async function run({ module, memory, control, tid, startGeneration }, post, quit) {
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
    post({ ready: true });
  } catch (err) {
    post({ error: `worker ${tid} could not start: ${err?.message ?? err}` });
    quit();
    return;
  }
  try {
    exports.workerLoop(control, tid, startGeneration);
  } catch (err) {
    // A trap inside a job: record it, then count this worker's share as done so the host wakes up.
    exports.markFailed(control, tid);
    exports.jobDone(control);
    post({ error: `worker ${tid} failed: ${err?.message ?? err}` });
  }
}
