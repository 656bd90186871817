// The compute threads of the simd-threads build. Every worker instantiates the same module over the
// shared memory and waits on atomics in wasm (assembly/threads.ts). A job is posted by writing the
// control block and bumping its generation; the host then awaits C_PENDING == 0 with Atomics.waitAsync,
// so it never blocks and still hears a worker that dies. One job per batch, no postMessage per job.
// The workers are Node worker_threads or, in browsers, module Web Workers: both run workers/thread.mjs.
import * as L from './plan-layout.js';

// Atomics.waitAsync (ES2024) is in Node 16+ and Chromium 87+; typed here for TypeScript's ES2022 lib.
type WaitAsync = (a: Int32Array, i: number, v: number) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** What a worker is told at start (structured-cloned: the module and the shared memory are shared). */
interface ThreadStart { module: WebAssembly.Module; memory: WebAssembly.Memory; control: number; tid: number; startGeneration: number }

/** What the pool hears from a worker. */
interface ThreadEvents {
  message(m: { ready?: boolean; error?: string }): void;
  error(message: string): void;
  exit(code: number): void;
}

/** A started worker, whichever kind. */
interface ThreadHandle {
  terminate(): void;
  /** Node: whether the worker keeps the process alive (browsers: no-ops). */
  ref(): void;
  unref(): void;
}

/** Node: a worker_threads Worker running workers/thread.mjs, given its start data as workerData. */
async function nodeSpawner(): Promise<(start: ThreadStart, on: ThreadEvents) => ThreadHandle> {
  const nodeWorkers = 'node:worker_threads';   // a variable: bundlers leave Node-only modules out of browser builds
  const { Worker } = await import(/* @vite-ignore */ /* webpackIgnore: true */ nodeWorkers) as typeof import('node:worker_threads');
  // Plain JavaScript, loaded as is (jest and bundlers do not transform it).
  const url = new URL('../../workers/thread.mjs', import.meta.url);
  return (start, on) => {
    // execArgv: [] — the parent's flags (e.g. --input-type) are not all valid in workers.
    const worker = new Worker(url, { execArgv: [], workerData: start });
    worker.on('message', on.message);
    worker.on('error', (err: Error) => on.error(err.message));
    worker.on('exit', on.exit);
    return { terminate: () => void worker.terminate(), ref: () => worker.ref(), unref: () => worker.unref() };
  };
}

/** Browsers: a module Web Worker running the same script, given its start data in a first message. */
function browserSpawn(start: ThreadStart, on: ThreadEvents): ThreadHandle {
  // Written out in this form so that bundlers (Vite, webpack 5, Parcel) see and ship the worker script.
  const worker = new Worker(new URL('../../workers/thread.mjs', import.meta.url), { type: 'module', name: `denoise-wasm thread ${start.tid}` });
  worker.onmessage = (e: MessageEvent) => on.message(e.data);
  worker.onerror = (e: ErrorEvent) => { e.preventDefault(); on.error(e.message || 'the worker script failed to load or threw'); };
  worker.onmessageerror = () => on.error('a message could not be deserialized');
  worker.postMessage(start);
  return { terminate: () => worker.terminate(), ref() {}, unref() {} };
}

const isNode = () => typeof process !== 'undefined' && !!process.versions?.node;

export class ThreadPool {
  readonly size: number;
  private readonly memory: WebAssembly.Memory;
  private readonly control: number;
  private readonly workers: ThreadHandle[];
  private failure: Error | null = null;
  private onFailure: ((e: Error) => void) | null = null;
  private disposed = false;

  private constructor(memory: WebAssembly.Memory, control: number, size: number) {
    this.memory = memory;
    this.control = control;
    this.size = size;
    this.workers = [];
  }

  /** Starts `size` workers over `memory` and waits until each has instantiated the module. */
  static async start(module: WebAssembly.Module, memory: WebAssembly.Memory, control: number, size: number): Promise<ThreadPool> {
    const spawn = isNode() ? await nodeSpawner() : browserSpawn;
    const pool = new ThreadPool(memory, control, size);
    const generation = Atomics.load(pool.view(), (control >> 2) + L.C_GENERATION);
    const ready: Promise<void>[] = [];
    for (let tid = 0; tid < size; tid++) {
      ready.push(new Promise<void>((resolve, reject) => {
        pool.workers.push(spawn({ module, memory, control, tid, startGeneration: generation }, {
          message(m) {
            if (m?.ready) resolve();
            if (m?.error) { const e = new Error(`denoise-wasm: ${m.error}`); reject(e); pool.fail(e); }
          },
          error(message) { const e = new Error(`denoise-wasm: worker ${tid} threw: ${message}`); reject(e); pool.fail(e); },
          exit(code) {
            const e = new Error(`denoise-wasm: worker ${tid} exited (code ${code})`);
            reject(e);
            if (!pool.disposed) pool.fail(e);
          },
        }));
      }));
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      pool.dispose();
      throw e;
    }
    pool.idle();
    return pool;
  }

  // Workers hold the process open only while a job (or the start) is under way: a script that forgets
  // dispose() still exits. (Adding a listener refs a worker again, so this runs after they are added.)
  private idle(): void {
    for (const w of this.workers) w.unref();
  }

  private busy(): void {
    for (const w of this.workers) w.ref();
  }

  private view(): Int32Array {
    return new Int32Array(this.memory.buffer);   // a fresh view: the shared buffer changes when memory grows
  }

  private fail(e: Error): void {
    if (this.failure || this.disposed) return;
    this.failure = e;
    this.onFailure?.(e);
    this.terminateAll();
  }

  /** Runs one job (JOB_*) on all threads; rejects if a worker traps or dies. */
  async run(job: number, plan: number, n: number): Promise<void> {
    if (this.disposed) throw new Error('denoise-wasm: the thread pool was disposed');
    if (this.failure) throw new Error(`${this.failure.message} (the model's threads stopped; call dispose() and use it again to restart them)`);
    const v = this.view();
    const c = this.control >> 2;
    Atomics.store(v, c + L.C_JOB, job);
    Atomics.store(v, c + L.C_PLAN, plan);
    Atomics.store(v, c + L.C_N, n);
    Atomics.store(v, c + L.C_THREADS, this.size);
    Atomics.store(v, c + L.C_FAILED, 0);
    Atomics.store(v, c + L.C_NEXT_CLAIM, 0);
    Atomics.store(v, c + L.C_PENDING, this.size);
    Atomics.add(v, c + L.C_GENERATION, 1);
    Atomics.notify(v, c + L.C_GENERATION);
    const failed = new Promise<never>((_, reject) => { this.onFailure = reject; });
    failed.catch(() => {});
    this.busy();
    try {
      for (;;) {
        const pending = Atomics.load(v, c + L.C_PENDING);
        if (pending === 0) break;
        const w = waitAsync(v, c + L.C_PENDING, pending);
        if (w.async) await Promise.race([w.value, failed]);
      }
    } finally {
      this.onFailure = null;
      this.idle();
    }
    const who = Atomics.load(v, c + L.C_FAILED);
    if (who !== 0) {
      const e = new Error(`denoise-wasm: worker ${who - 1} trapped while running a job`);
      this.fail(e);
      throw e;
    }
    if (this.failure) throw this.failure;
  }

  private terminateAll(): void {
    for (const w of this.workers) w.terminate();
  }

  /** Stops the workers. */
  dispose(): void {
    if (this.disposed) return;
    // A job still running rejects (its workers are about to be terminated) instead of pending forever.
    this.onFailure?.(new Error('denoise-wasm: the model was disposed while a call was running'));
    this.disposed = true;
    this.terminateAll();
  }
}
