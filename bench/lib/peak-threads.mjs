// The peak kernel on several worker threads at once (bench/lib/peak-worker.mjs, one instance per thread),
// released run by run: the all-cores peak (peak.mjs) and the adjacent peak of multi-thread rows (child.mjs).
import { Worker } from 'node:worker_threads';

/**
 * Starts `threads` workers running `kernel` of the compiled peak module, warmed up and waiting; each
 * run(r) (r = 0, 1, ... < runs, in order) releases them at once and returns each thread's seconds for
 * its `calls` calls. A worker's error or failed exit makes run() throw instead of waiting for it forever.
 */
export async function startPeakThreads(module, kernel, threads, { iters, calls, runs, warmupMs }) {
  const go = new SharedArrayBuffer(4), flag = new Int32Array(go);
  const results = Array.from({ length: threads }, () => []);
  let failure = null;
  const workers = results.map(() => new Worker(new URL('./peak-worker.mjs', import.meta.url),
    { workerData: { module, kernel, iters, calls, runs, warmupMs, go } }));
  await Promise.all(workers.map((w, t) => new Promise((resolve, reject) => {
    w.on('message', (m) => (m.ready ? resolve() : results[t].push(m)));
    w.on('error', (e) => { failure ??= e; reject(e); });
    w.on('exit', (code) => {   // (code 0: it ran all its runs)
      if (code !== 0) failure ??= new Error(`peak: worker ${t} exited with code ${code}`);
      reject(failure ?? new Error(`peak: worker ${t} exited before it was ready`));
    });
  })));
  const run = async (r) => {
    if (r >= runs) throw new Error(`peak: ${runs} runs were planned`);
    Atomics.store(flag, 0, r + 1);
    Atomics.notify(flag, 0);
    while (results.some((a) => a.length <= r)) {
      if (failure) throw failure;
      await new Promise((res) => setTimeout(res, 1));
    }
    return results.map((a) => a[r].seconds);
  };
  return { run, close: () => Promise.all(workers.map((w) => w.terminate())) };
}
