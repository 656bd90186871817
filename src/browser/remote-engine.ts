// The engine as a browser page sees it: a proxy with Engine's public surface whose real Engine lives in
// a dedicated Web Worker (engine-worker.ts), so the page never blocks and stays smooth while training.
// Engine.create returns one of these on a page's main thread; Sequential, fit and predict run unchanged.
//
// Per batch: the page gathers the batch's rows and transfers them (no copy) with the step request; the
// worker runs the step (on its own thread, or on a pool of Web Workers in the simd-threads build) and
// answers with the loss and the new weights and optimizer state, which the proxy keeps so that
// getParams() and friends stay synchronous as on Engine. Callbacks and AbortSignal run on the page's
// thread; fit posts the next batch before a batch's callbacks run (stepsElsewhere), so the worker is
// never left idle while the page draws.
import { freshSlotState, type Engine, type Samples, type EngineInfo, type EngineOptions, type Graph, type LossCode, type OptimizerSlots, type SlotState } from '../engine/engine.js';
import type { KernelExports } from '../engine/wasm.js';
import { isByteArray } from '../tensor.js';
import { firstNonFinite } from '../train/validate.js';
import type { StepsElsewhere } from '../train/fit.js';
import type { ReplyOf, Reply, Request } from './protocol.js';

type PublicEngine = Pick<Engine, keyof Engine>;

interface Pending { resolve(v: unknown): void; reject(e: Error): void }

export class RemoteEngine implements PublicEngine, StepsElsewhere {
  readonly info: EngineInfo;
  /** Requests queue in the worker in the order posted, so fit may post a step ahead of its callbacks. */
  readonly stepsElsewhere = true;
  private readonly worker: Worker;
  private readonly graph: Graph;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private broken: Error | null = null;
  /** An error from a request nobody awaited (a setter); thrown by the next awaited call. */
  private deferred: Error | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  /** exclusive() calls started or queued and not yet settled. */
  private running = 0;
  private disposed = false;
  private bytes = 0;
  private params: Float32Array;
  private grads: Float32Array;
  private inputGradient: Float32Array | null = null;
  private wantInputGradient = false;
  private step = 0;
  private state: SlotState;

  private constructor(worker: Worker, graph: Graph, info: EngineInfo) {
    this.worker = worker;
    this.graph = graph;
    this.info = info;
    this.params = new Float32Array(graph.numParams);
    this.grads = new Float32Array(graph.numParams);
    this.state = { slots: [0, 1, 2].map(() => new Float32Array(graph.numParams)), accBetas: [1, 1] };
  }

  /** Starts the engine worker and creates the engine there (the worker picks the build and threads). */
  static async create(graph: Graph, options: EngineOptions = {}): Promise<RemoteEngine> {
    // Written out in this form so that bundlers (Vite, webpack 5, Parcel) see and ship the worker.
    const worker = new Worker(new URL('./engine-worker.js', import.meta.url), { type: 'module', name: 'denoise-wasm engine' });
    // URLs do not cross to workers, and a relative base must mean the page's folder, not the worker's.
    const base = options.wasmBase === undefined ? undefined : new URL(String(options.wasmBase), document.baseURI).href;
    const engine = new RemoteEngine(worker, graph, { variant: 'simd', simd: true, threads: 1, threadsReason: '' });
    worker.onmessage = (e: MessageEvent<Reply>) => engine.settle(e.data);
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      const why = e.message || "its script did not load (serve the package's dist/ folder as is, .js as text/javascript; " +
        "with Vite's dev server, set optimizeDeps: { exclude: ['denoise-wasm'] })";
      engine.stop(new Error(`denoise-wasm: the engine worker failed: ${why}`));
    };
    worker.onmessageerror = () => engine.stop(new Error('denoise-wasm: a message from the engine worker could not be read'));
    try {
      const { info, memoryBytes } = await engine.call({ op: 'create', graph, options: { variant: options.variant, threads: options.threads, wasmBase: base } });
      (engine as { info: EngineInfo }).info = info;
      engine.bytes = memoryBytes;
    } catch (e) {
      engine.dispose();
      throw e;
    }
    return engine;
  }

  private settle(reply: Reply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.value);
    else p.reject(new Error(reply.error));
  }

  private stop(e: Error): void {
    if (!this.broken) this.broken = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    this.worker.terminate();
  }

  private send<O extends Request['op']>(request: Extract<Request, { op: O }>, transfer: Transferable[] = []): Promise<ReplyOf<O>> {
    if (this.disposed) return Promise.reject(new Error('denoise-wasm: this engine was disposed'));
    if (this.broken) {
      return Promise.reject(new Error(`${this.broken.message} (call model.dispose() and use the model again to restart it)`));
    }
    const id = this.nextId++;
    return new Promise<ReplyOf<O>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...request, id }, transfer);
    });
  }

  /**
   * A request whose answer is awaited. If it fails, that error is the one reported (an earlier load's
   * failure makes the worker refuse the step after it, with the load's error). If it succeeds, the
   * caller copies the reply's state first and then calls reportDeferred(), so the page never falls
   * behind the worker.
   */
  private async call<O extends Request['op']>(request: Extract<Request, { op: O }>, transfer: Transferable[] = []): Promise<ReplyOf<O>> {
    let reply: ReplyOf<O>;
    try {
      reply = await this.send(request, transfer);
    } catch (e) {
      this.deferred = null;
      throw e;
    }
    this.bytes = (reply as { memoryBytes: number }).memoryBytes;
    return reply;
  }

  /** Throws the failure of a setter or load that nobody awaited, once. */
  private reportDeferred(): void {
    if (this.deferred) {
      const e = this.deferred;
      this.deferred = null;
      throw e;
    }
  }

  /** A request nobody waits for (setters, loads): the worker runs it before anything posted later. */
  private post(request: Request, transfer: Transferable[] = []): void {
    this.send(request, transfer).catch((e: Error) => { if (!this.disposed) this.deferred ??= e; });
  }

  get memoryBytes(): number {
    return this.bytes;
  }

  setLoss(loss: LossCode): void {
    this.post({ op: 'setLoss', loss });
  }

  setOptimizer(o: OptimizerSlots): void {
    this.state = freshSlotState(o, this.graph.numParams);
    this.post({ op: 'setOptimizer', optimizer: o });
  }

  setInputGradient(on: boolean): void {
    this.wantInputGradient = on;
    this.post({ op: 'setInputGradient', on });
  }

  getInputGradient(n: number): Float32Array {
    if (!this.wantInputGradient) throw new Error('denoise-wasm: input gradients are off (setInputGradient(true))');
    return (this.inputGradient ?? new Float32Array(0)).slice(0, n * this.graph.inputSize);
  }

  getParams(): Float32Array {
    return this.params.slice();
  }

  setParams(values: Float32Array): void {
    this.params = Float32Array.from(values.subarray(0, this.graph.numParams));
    const copy = this.params.slice();
    this.post({ op: 'setParams', values: copy }, [copy.buffer]);
  }

  getGradients(): Float32Array {
    return this.grads.slice();
  }

  getOptimizerState(): SlotState {
    return { slots: this.state.slots.map((s) => s.slice()), accBetas: [...this.state.accBetas] };
  }

  setOptimizerState(st: SlotState): void {
    this.state = { slots: st.slots.map((s) => Float32Array.from(s)), accBetas: [...st.accBetas] };
    const copy = { slots: st.slots.map((s) => Float32Array.from(s)), accBetas: [...st.accBetas] as [number, number] };
    this.post({ op: 'setOptimizerState', state: copy }, copy.slots.map((s) => s.buffer));
  }

  setStep(step: number): void {
    this.step = step;
    this.post({ op: 'setStep', step });
  }

  getStep(): number {
    return this.step;
  }

  /** Gathers the batch's rows here (bytes stay bytes: the worker converts them in wasm) and sends them. */
  loadBatch(x: Samples, rows: ArrayLike<number>, y?: Samples): void {
    const n = rows.length;
    const xb = gatherRows(x, rows, this.graph.inputSize);
    const yb = y ? gatherRows(y, rows, this.graph.outputSize) : undefined;
    this.post({ op: 'load', n, x: xb, y: yb }, yb ? [xb.buffer, yb.buffer] : [xb.buffer]);
  }

  loadRange(x: Samples, start: number, n: number, y?: Samples): void {
    const xb = x.slice(start * this.graph.inputSize, (start + n) * this.graph.inputSize);
    const yb = y?.slice(start * this.graph.outputSize, (start + n) * this.graph.outputSize);
    this.post({ op: 'load', n, x: xb, y: yb }, yb ? [xb.buffer, yb.buffer] : [xb.buffer]);
  }

  /**
   * Same contract as Engine.exclusive: one caller's load, step and read at a time. When none is running,
   * fn starts at once, so its requests are posted before the caller's next line (fit posts a step, then
   * runs callbacks).
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const start = (): Promise<T> => { try { return fn(); } catch (e) { return Promise.reject(e); } };
    const result = this.running === 0 ? start() : this.tail.then(start);
    this.running++;
    this.tail = result.finally(() => { this.running--; }).catch(() => {});
    return result;
  }

  async forward(n: number, willFill?: Float32Array): Promise<Float32Array> {
    const reply = this.call({ op: 'forward', n });   // (posted before its first await)
    willFill?.fill(0);   // as Engine.forward does: this thread is idle while the worker runs the job
    const r = await reply;
    this.reportDeferred();
    return r.output;
  }

  /** As Engine.forwardRange, one batch at a time: each batch's rows go to the worker with its own request. */
  async forwardRange(x: Samples, N: number, batchSize: number, nonFinite: (index: number) => Error): Promise<Float32Array> {
    const inSize = this.graph.inputSize, outSize = this.graph.outputSize;
    let out: Float32Array | null = null;   // made once the first batch has loaded
    for (let start = 0; start < N; start += batchSize) {
      const n = Math.min(batchSize, N - start);
      const bad = isByteArray(x) ? -1 : firstNonFinite(x.subarray(start * inSize, (start + n) * inSize));
      if (bad >= 0) throw nonFinite(start * inSize + bad);
      this.loadRange(x, start, n);
      out ??= new Float32Array(N * outSize);
      const rows = out.subarray(start * outSize, (start + n) * outSize);
      rows.set(await this.forward(n, rows));
    }
    return out!;
  }

  async forwardAll(n: number): Promise<Float32Array[]> {
    const r = await this.call({ op: 'forwardAll', n });
    this.reportDeferred();
    return r.outputs;
  }

  async evaluate(n: number): Promise<number> {
    const r = await this.call({ op: 'evaluate', n });
    this.reportDeferred();
    return r.loss;
  }

  async gradients(n: number): Promise<number> {
    const r = await this.call({ op: 'gradients', n });
    this.grads = r.grads;
    this.inputGradient = r.inputGradient;
    this.reportDeferred();
    return r.loss;
  }

  async trainStep(n: number): Promise<number> {
    const r = await this.call({ op: 'trainStep', n });
    this.step = (this.step + 1) >>> 0;
    this.params = r.params;
    this.grads = r.grads;
    this.state = r.state;
    this.reportDeferred();
    return r.loss;
  }

  async trapWorkerForTesting(tid: number): Promise<void> {
    await this.call({ op: 'trap', tid });
  }

  /** Stops the engine worker (and its thread pool); pending calls reject. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const e = new Error('denoise-wasm: the model was disposed while a call was running');
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    // Terminating the engine worker ends the thread pool's workers too (they are its nested workers).
    this.worker.terminate();
  }

  get raw(): { kernels: KernelExports; memory: WebAssembly.Memory } {
    throw new Error('denoise-wasm: raw wasm access is not available on a page\'s main thread (the engine runs in a Web Worker)');
  }
}

/** rows[i] of src (each `size` values) into a fresh array of src's kind, to transfer. */
function gatherRows(src: Samples, rows: ArrayLike<number>, size: number): Samples {
  const out = isByteArray(src) ? new Uint8Array(rows.length * size) : new Float32Array(rows.length * size);
  for (let i = 0; i < rows.length; i++) out.set(src.subarray(rows[i] * size, (rows[i] + 1) * size) as never, i * size);
  return out;
}
