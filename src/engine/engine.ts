// The engine: the only place that knows about pointers. It lays out one arena in wasm memory for a
// compiled model (plan, parameters, optimizer slots, gradient partials, activations for a batch
// capacity), writes the plan, and runs whole batches with one call into wasm each.
import type { OpSpec, Activation } from '../model/layers.js';
import * as L from './plan-layout.js';
import { compileVariant, instantiateKernels, simdSupported, relaxedSimdSupported, isThreadsVariant, type KernelExports, type Variant, type VariantRequest } from './wasm.js';
import { ThreadPool } from './pool.js';

/** Fixed number of chunks a batch is cut into for gradient reductions (results depend on it, not on threads). */
export const MAX_CHUNKS = 16;
const PAGE = 65536;
const ALIGN = 64;

/** A model as the engine sees it: compute ops in order, with offsets into the flat parameter block. */
export interface Graph {
  ops: Array<OpSpec & { kernelOffset: number; biasOffset: number }>;
  numParams: number;
  inputSize: number;   // floats per sample
  outputSize: number;
}

export type LossCode = typeof L.LOSS_BCE | typeof L.LOSS_MSE | typeof L.LOSS_MAE;

/** Optimizer as the runner needs it: kind code and hyper-parameters (see plan.ts H_P*). */
export interface OptimizerSlots {
  kind: number;
  lr: number;
  p1?: number; p2?: number; p3?: number; p4?: number;
  epsilon?: number;
  flag?: boolean;
  /** Adam: beta1 and beta2, whose powers the host tracks for bias correction. */
  betas?: [number, number];
  /** Adagrad: state1's starting value. */
  initialAccumulator?: number;
}

/** Which build runs and why. */
export interface EngineInfo {
  variant: Variant;
  simd: boolean;
  /** Compute threads in use (1: the calling thread, no workers). */
  threads: number;
  /** Why threads are off or fewer than asked, or '' when they run as asked. */
  threadsReason: string;
}

export interface EngineOptions {
  /**
   * 'auto' picks the fastest mul + add build the runtime supports (the same bits in every runtime);
   * 'auto-relaxed' also considers the relaxed-SIMD builds (fused multiply-add) where the runtime validates them.
   */
  variant?: VariantRequest;
  /** 'auto' (default): one thread per available core; 1: no workers at all. */
  threads?: 'auto' | number;
  /** Folder (URL) holding the .wasm files, when they are not next to the package. */
  wasmBase?: string | URL;
}

const MAX_PAGES = 16384;   // 1 GiB: the shared memory's maximum (the simd-threads build declares it)

/** Cores this runtime offers (Node: os.availableParallelism; browsers: navigator.hardwareConcurrency). */
export async function availableThreads(): Promise<number> {
  if (isNodeRuntime()) {
    const nodeOs = 'node:os';   // a variable: bundlers leave Node-only modules out of browser builds
    const os = await import(/* @vite-ignore */ /* webpackIgnore: true */ nodeOs) as typeof import('node:os');
    return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  }
  return (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) || 1;
}

const isNodeRuntime = () => typeof process !== 'undefined' && !!process.versions?.node;
/** A browser page or a Web Worker (not Node, even where Node defines `navigator`). */
const isBrowser = () => !isNodeRuntime() && (typeof window !== 'undefined' || typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined');
/** A browser window's own thread, where nothing may block: the engine then lives in a Web Worker. */
export const onBrowserMainThread = () => isBrowser() && typeof window !== 'undefined' && typeof document !== 'undefined';

const ISOLATION_FIX = 'serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp';

/** Why the threads build cannot run here, or null when it can. */
export function threadsUnavailableReason(): string | null {
  const browser = isBrowser();
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  if (browser && isolated === false) return `the page is not cross-origin isolated (${ISOLATION_FIX})`;
  if (typeof SharedArrayBuffer === 'undefined') {
    return 'SharedArrayBuffer is not available' + (browser ? ` (the page is not cross-origin isolated: ${ISOLATION_FIX})` : '');
  }
  if (!isNodeRuntime()) {
    if (!browser) return 'threads need Node worker_threads or browser Web Workers';
    if (typeof Worker === 'undefined') return 'this browser context cannot start Web Workers';
    if (typeof (Atomics as { waitAsync?: unknown }).waitAsync !== 'function') return 'this browser has no Atomics.waitAsync, which the thread pool needs';
  }
  if (!simdSupported()) return 'this runtime has no wasm SIMD, which the threads build needs';
  return null;
}

type EngineFactory = (graph: Graph, options: EngineOptions) => Promise<Engine>;
let mainThreadFactory: EngineFactory | null = null;

/** Set by the package's browser entry (src/browser/index.ts): how a page's main thread gets an engine. */
export function registerMainThreadEngine(factory: EngineFactory): void {
  mainThreadFactory = factory;
}

/**
 * A page's own thread may not block and should stay smooth: there the engine lives in a Web Worker
 * behind a proxy with Engine's public surface (src/browser/remote-engine.ts). Bundlers get it from the
 * package's "browser" export; pages that import dist/index.js unbundled load it here, through a
 * specifier bundlers do not follow (so the engine worker's own bundle stays a single chunk).
 */
async function createOnMainThread(graph: Graph, options: EngineOptions): Promise<Engine> {
  if (!mainThreadFactory) {
    const remote = '../browser/index.js';
    try {
      await import(/* @vite-ignore */ /* webpackIgnore: true */ remote);
    } catch (e) {
      throw new Error('denoise-wasm: cannot load the browser engine (dist/browser/): bundlers must resolve the package ' +
        `with its "browser" export condition (Vite, webpack, esbuild and Parcel do) (${(e as Error).message})`);
    }
    if (!mainThreadFactory) throw new Error('denoise-wasm: the browser engine did not register itself');
  }
  return mainThreadFactory(graph, options);
}

const ACT_CODES: Record<Activation, number> = { linear: L.ACT_LINEAR, relu: L.ACT_RELU, sigmoid: L.ACT_SIGMOID, tanh: L.ACT_TANH };
const OP_CODES: Record<OpSpec['kind'], number> = {
  conv2d: L.OP_CONV2D, maxPool2d: L.OP_MAXPOOL2D, upSampling2d: L.OP_UPSAMPLE2D, dense: L.OP_DENSE,
};

const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;
const outSizeOf = (op: OpSpec) => op.OH * op.OW * op.OC;

interface Layout {
  capacity: number;
  bytes: number;
  input: number;
  dInput: number;
  target: number;
  ys: number[];
  dys: number[];
  aux: number[];
}

export class Engine {
  readonly info: EngineInfo;
  private readonly kernels: KernelExports;
  private readonly memory: WebAssembly.Memory;
  private readonly graph: Graph;
  private readonly threads: number;
  private pool: ThreadPool | null;
  private readonly control: number;
  // Fixed part of the arena (independent of batch size).
  private readonly plan: number;
  private readonly params: number;
  private readonly grads: number;
  private readonly state: [number, number, number];
  private readonly partials: number;
  private readonly lossPartials: number;
  private readonly scratch: number;
  private readonly scratchBytes: number;
  private readonly fixedEnd: number;
  private layout: Layout | null = null;
  private loss: number = L.LOSS_MSE;
  private fusedLoss = false;
  private optimizer: OptimizerSlots | null = null;
  private accBetas: [number, number] = [1, 1];
  private wantInputGradient = false;
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(kernels: KernelExports, memory: WebAssembly.Memory, graph: Graph, info: EngineInfo) {
    this.kernels = kernels;
    this.memory = memory;
    this.graph = graph;
    this.info = info;
    this.threads = info.threads;
    this.pool = null;
    const P = graph.numParams * 4;
    let at = align(kernels.heapBase());
    const take = (bytes: number) => { const p = at; at = align(at + bytes); return p; };
    this.plan = take((L.HEADER_WORDS + graph.ops.length * L.OP_WORDS) * 4);
    this.params = take(P);
    this.grads = take(P);
    this.state = [take(P), take(P), take(P)];
    this.partials = take(P * MAX_CHUNKS);
    this.lossPartials = take(8 * MAX_CHUNKS);
    this.control = take(L.CONTROL_WORDS * 4);
    this.grow(at);
    this.scratchBytes = align(Math.max(64, ...graph.ops.map((op) => this.queryScratchBytes(op))));
    this.scratch = take(this.scratchBytes * this.threads);
    this.fixedEnd = at;
    this.grow(this.fixedEnd);
  }

  // Asks the wasm side how much scratch an op needs (writing the op's shape where the plan will go).
  private queryScratchBytes(op: OpSpec): number {
    const words = new Int32Array(this.memory.buffer, this.plan + L.HEADER_WORDS * 4, L.OP_WORDS);
    words.fill(0);
    words[L.F_KIND] = OP_CODES[op.kind];
    words[L.F_H] = op.H; words[L.F_W] = op.W; words[L.F_C] = op.C;
    words[L.F_OH] = op.OH; words[L.F_OW] = op.OW; words[L.F_OC] = op.OC;
    words[L.F_KH] = op.KH; words[L.F_KW] = op.KW; words[L.F_SH] = op.SH; words[L.F_SW] = op.SW;
    words[L.F_PAD_TOP] = op.padTop; words[L.F_PAD_LEFT] = op.padLeft;
    return this.kernels.opScratchBytes(this.plan + L.HEADER_WORDS * 4);
  }

  /** Loads the fastest suitable build, starts its threads, and lays out an arena for the graph. */
  static async create(graph: Graph, options: EngineOptions = {}): Promise<Engine> {
    if (onBrowserMainThread()) return createOnMainThread(graph, options);
    const want = options.variant ?? 'auto';
    const simd = simdSupported();
    if (want !== 'auto' && want !== 'auto-relaxed' && want !== 'scalar' && !simd) {
      throw new Error(`denoise-wasm: this runtime does not support wasm SIMD; use variant "scalar" or "auto"`);
    }
    const relaxed = relaxedSimdSupported();
    if ((want === 'relaxed-simd' || want === 'relaxed-simd-threads') && !relaxed) {
      throw new Error(`denoise-wasm: this runtime does not validate relaxed SIMD (Node 20 needs the flag ` +
        `--experimental-wasm-relaxed-simd; Safari has none); use variant "auto-relaxed", "auto" or "${want.slice(8)}"`);
    }
    const useRelaxed = relaxed && want === 'auto-relaxed';
    const requested = options.threads ?? 'auto';
    if (requested !== 'auto' && !(Number.isInteger(requested) && requested >= 1)) {
      throw new Error(`denoise-wasm: threads must be 'auto' or a positive integer, got ${JSON.stringify(requested)}`);
    }
    const cores = await availableThreads();
    const wanted = requested === 'auto' ? cores : requested;
    let variant: Variant;
    let threads = 1;
    let threadsReason = '';
    const unavailable = threadsUnavailableReason();
    if (want === 'scalar' || want === 'simd' || want === 'relaxed-simd') {
      variant = want;
      threadsReason = wanted > 1 ? `the ${want} build runs on one thread (variant "${want}" was requested)` : '';
    } else if (want === 'simd-threads' || want === 'relaxed-simd-threads' || (wanted > 1 && !unavailable)) {
      variant = want === 'simd-threads' || want === 'relaxed-simd-threads' ? want : useRelaxed ? 'relaxed-simd-threads' : 'simd-threads';
      if (unavailable) throw new Error(`denoise-wasm: the ${variant} build cannot run here: ${unavailable}`);
      threads = wanted;
    } else {
      variant = useRelaxed ? 'relaxed-simd' : simd ? 'simd' : 'scalar';
      threadsReason = wanted === 1 ? (requested === 1 ? 'threads: 1 was requested' : 'one core is available') : unavailable ?? '';
    }
    const module = await compileVariant(variant, options.wasmBase);
    const memory = isThreadsVariant(variant)
      ? new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true })
      : new WebAssembly.Memory({ initial: 1 });
    const kernels = await instantiateKernels(module, memory);
    const info: EngineInfo = { variant, simd: variant !== 'scalar', threads, threadsReason };
    const engine = new Engine(kernels, memory, graph, info);
    if (isThreadsVariant(variant)) {
      try {
        engine.pool = await ThreadPool.start(module, memory, engine.control, threads);
      } catch (e) {
        throw new Error(`${(e as Error).message} (pass threads: 1 to run without worker threads)`);
      }
    }
    return engine;
  }

  /** Bytes of wasm memory in use. */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  private grow(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / PAGE));
  }

  private f32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, n);
  }

  /** Lays out activation buffers for batches of up to `capacity` samples (grows, never shrinks). */
  private ensureCapacity(capacity: number): Layout {
    if (this.layout && this.layout.capacity >= capacity) return this.layout;
    let at = this.fixedEnd;
    const take = (floats: number) => { const p = at; at = align(at + floats * 4); return p; };
    const input = take(capacity * this.graph.inputSize);
    const dInput = take(capacity * this.graph.inputSize);
    const target = take(capacity * this.graph.outputSize);
    const ys: number[] = [], dys: number[] = [], aux: number[] = [];
    for (const op of this.graph.ops) {
      ys.push(take(capacity * outSizeOf(op)));
      dys.push(take(capacity * outSizeOf(op)));
      aux.push(op.kind === 'maxPool2d' ? take(capacity * outSizeOf(op)) : 0);
    }
    try {
      this.grow(at);
    } catch {
      const mib = (b: number) => `${Math.ceil(b / 2 ** 20)} MiB`;
      throw new Error(`denoise-wasm: a batch of ${capacity} samples needs ${mib(at)} of wasm memory, more than this ` +
        `runtime allows (${isThreadsVariant(this.info.variant) ? `at most ${mib(MAX_PAGES * PAGE)} shared` : 'about 4 GiB'}); ` +
        `use a smaller batchSize (${Math.max(1, Math.floor(capacity / 2))} or less)`);
    }
    this.layout = { capacity, bytes: at, input, dInput, target, ys, dys, aux };
    this.writePlan();
    return this.layout;
  }

  private writePlan(): void {
    const lay = this.layout!;
    const g = this.graph;
    const words = new Int32Array(this.memory.buffer, this.plan, L.HEADER_WORDS + g.ops.length * L.OP_WORDS);
    const floats = new Float32Array(words.buffer, words.byteOffset, words.length);
    words.fill(0);
    const last = g.ops.length - 1;
    words[L.H_NUM_OPS] = g.ops.length;
    words[L.H_NUM_PARAMS] = g.numParams;
    words[L.H_PARAMS] = this.params;
    words[L.H_GRADS] = this.grads;
    words[L.H_PARTIALS] = this.partials;
    [words[L.H_STATE1], words[L.H_STATE2], words[L.H_STATE3]] = this.state;
    words[L.H_SCRATCH] = this.scratch;
    words[L.H_SCRATCH_BYTES] = this.scratchBytes;
    words[L.H_LOSS_PARTIALS] = this.lossPartials;
    words[L.H_TARGET] = lay.target;
    words[L.H_LOSS] = this.loss;
    words[L.H_OUTPUT] = lay.ys[last];
    words[L.H_DOUTPUT] = lay.dys[last];
    words[L.H_OUTPUT_SIZE] = g.outputSize;
    words[L.H_MAX_CHUNKS] = MAX_CHUNKS;
    words[L.H_FUSED_LOSS] = this.fusedLoss ? 1 : 0;
    words[L.H_CONTROL] = this.control;
    const o = this.optimizer;
    if (o) {
      words[L.H_OPTIMIZER] = o.kind;
      floats[L.H_LR] = o.lr;
      floats[L.H_P1] = o.p1 ?? 0;
      floats[L.H_P2] = o.p2 ?? 0;
      floats[L.H_P3] = o.p3 ?? 0;
      floats[L.H_P4] = o.p4 ?? 0;
      floats[L.H_EPSILON] = o.epsilon ?? 0;
      words[L.H_FLAG] = o.flag ? 1 : 0;
    }
    g.ops.forEach((op, i) => {
      const r = L.HEADER_WORDS + i * L.OP_WORDS;
      words[r + L.F_KIND] = OP_CODES[op.kind];
      words[r + L.F_ACT] = ACT_CODES[op.activation];
      words[r + L.F_H] = op.H; words[r + L.F_W] = op.W; words[r + L.F_C] = op.C;
      words[r + L.F_OH] = op.OH; words[r + L.F_OW] = op.OW; words[r + L.F_OC] = op.OC;
      words[r + L.F_KH] = op.KH; words[r + L.F_KW] = op.KW; words[r + L.F_SH] = op.SH; words[r + L.F_SW] = op.SW;
      words[r + L.F_PAD_TOP] = op.padTop; words[r + L.F_PAD_LEFT] = op.padLeft;
      words[r + L.F_X] = i === 0 ? lay.input : lay.ys[i - 1];
      words[r + L.F_Y] = lay.ys[i];
      words[r + L.F_DX] = i > 0 ? lay.dys[i - 1] : this.wantInputGradient ? lay.dInput : 0;
      words[r + L.F_DY] = lay.dys[i];
      if (op.kind === 'conv2d' || op.kind === 'dense') {
        words[r + L.F_KERNEL] = this.params + op.kernelOffset * 4;
        words[r + L.F_BIAS] = this.params + op.biasOffset * 4;
        words[r + L.F_DKERNEL] = this.partials + op.kernelOffset * 4;
        words[r + L.F_DBIAS] = this.partials + op.biasOffset * 4;
      }
      words[r + L.F_AUX] = lay.aux[i];
    });
  }

  /** Sets the loss; BCE after a sigmoid output is fused (dL/dz = p - t, no division by p(1 - p)). */
  setLoss(loss: LossCode): void {
    this.loss = loss;
    const last = this.graph.ops[this.graph.ops.length - 1];
    this.fusedLoss = loss === L.LOSS_BCE && last.activation === 'sigmoid' && (last.kind === 'conv2d' || last.kind === 'dense');
    if (this.layout) this.writePlan();
  }

  /** Sets the optimizer and resets its state (slots to zero, adagrad's to its initial value, step 0). */
  setOptimizer(o: OptimizerSlots): void {
    this.optimizer = o;
    const n = this.graph.numParams;
    for (const s of this.state) this.f32(s, n).fill(0);
    if (o.initialAccumulator !== undefined) this.f32(this.state[0], n).fill(o.initialAccumulator);
    this.accBetas = o.betas ? [Math.fround(o.betas[0]), Math.fround(o.betas[1])] : [1, 1];
    if (this.layout) this.writePlan();
  }

  /** Whether gradients() also computes dL/dinput (off by default: training never needs it). */
  setInputGradient(on: boolean): void {
    this.wantInputGradient = on;
    if (this.layout) this.writePlan();
  }

  /** dL/dinput of the last gradients() call for its n samples (a copy). */
  getInputGradient(n: number): Float32Array {
    if (!this.wantInputGradient) throw new Error('denoise-wasm: input gradients are off (setInputGradient(true))');
    return this.f32(this.layout!.dInput, n * this.graph.inputSize).slice();
  }

  /** The flat parameter block (a copy). */
  getParams(): Float32Array {
    return this.f32(this.params, this.graph.numParams).slice();
  }

  setParams(values: Float32Array): void {
    this.f32(this.params, this.graph.numParams).set(values);
  }

  /** dL/dparams of the last gradients() or trainStep() (a copy). */
  getGradients(): Float32Array {
    return this.f32(this.grads, this.graph.numParams).slice();
  }

  /** Optimizer slots and adam's beta powers, for saving training state. */
  getOptimizerState(): { slots: Float32Array[]; accBetas: [number, number] } {
    return { slots: this.state.map((s) => this.f32(s, this.graph.numParams).slice()), accBetas: [...this.accBetas] };
  }

  setOptimizerState(st: { slots: Float32Array[]; accBetas: [number, number] }): void {
    st.slots.forEach((s, i) => this.f32(this.state[i], this.graph.numParams).set(s));
    this.accBetas = [...st.accBetas];
  }

  /**
   * Copies samples into the input (and target) buffers: rows[i] is the index of the i-th sample of the
   * batch in `x`/`y` (shuffled batches are gathered this way, without copying the data set).
   */
  loadBatch(x: Float32Array, rows: ArrayLike<number>, y?: Float32Array): void {
    const lay = this.ensureCapacity(rows.length);
    const inSize = this.graph.inputSize, outSize = this.graph.outputSize;
    const input = this.f32(lay.input, rows.length * inSize);
    const target = y ? this.f32(lay.target, rows.length * outSize) : null;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      input.set(x.subarray(r * inSize, (r + 1) * inSize), i * inSize);
      if (target) target.set(y!.subarray(r * outSize, (r + 1) * outSize), i * outSize);
    }
  }

  /** Copies n consecutive samples starting at `start` (no gather). */
  loadRange(x: Float32Array, start: number, n: number, y?: Float32Array): void {
    const lay = this.ensureCapacity(n);
    const inSize = this.graph.inputSize, outSize = this.graph.outputSize;
    this.f32(lay.input, n * inSize).set(x.subarray(start * inSize, (start + n) * inSize));
    if (y) this.f32(lay.target, n * outSize).set(y.subarray(start * outSize, (start + n) * outSize));
  }

  /**
   * Runs fn with the engine to itself: a caller's load, run and read of one step never interleave with
   * another call's (with threads, a job runs while the host awaits it, so an unawaited predict() could
   * otherwise overwrite the batch a training step is reading). Calls queue in order.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(() => fn());
    this.tail = result.catch(() => {});
    return result;
  }

  // One job on the thread pool, or a direct call on this thread, on the n samples last loaded.
  private async run(job: number, n: number): Promise<void> {
    if (!this.layout || n > this.layout.capacity) {
      throw new Error(`denoise-wasm: no batch of ${n} samples is loaded (${this.layout ? 'the engine holds ' + this.layout.capacity : 'the engine was disposed or never loaded'})`);
    }
    if (this.pool) return this.pool.run(job, this.plan, n);
    const k = this.kernels;
    if (job === L.JOB_FORWARD) k.forward(this.plan, n, 0, 1);
    else if (job === L.JOB_EVALUATE) k.evaluate(this.plan, n, 0, 1);
    else if (job === L.JOB_GRADIENTS) k.gradients(this.plan, n, 0, 1);
    else if (job === L.JOB_TRAIN) k.trainStep(this.plan, n, 0, 1);
  }

  /** Runs the forward pass on the n loaded samples; returns a view of the output (valid until the next call). */
  async forward(n: number): Promise<Float32Array> {
    await this.run(L.JOB_FORWARD, n);
    return this.f32(this.layout!.ys[this.graph.ops.length - 1], n * this.graph.outputSize);
  }

  /** Mean loss of the n loaded samples against their targets. */
  async evaluate(n: number): Promise<number> {
    await this.run(L.JOB_EVALUATE, n);
    return this.meanLoss(n);
  }

  /** Mean loss, leaving dL/dparams readable through getGradients(); parameters unchanged. */
  async gradients(n: number): Promise<number> {
    await this.run(L.JOB_GRADIENTS, n);
    return this.meanLoss(n);
  }

  /** One optimizer step on the n loaded samples; returns the batch's mean loss before the step. */
  async trainStep(n: number): Promise<number> {
    if (!this.optimizer) throw new Error('denoise-wasm: no optimizer set (call compile first)');
    if (this.optimizer.betas) {
      // TF.js: 1 - beta^t with beta^t kept in f32 and multiplied by beta after every step.
      const words = new Float32Array(this.memory.buffer, this.plan, L.HEADER_WORDS);
      words[L.H_ONE_MINUS_ACC1] = 1 - this.accBetas[0];
      words[L.H_ONE_MINUS_ACC2] = 1 - this.accBetas[1];
    }
    await this.run(L.JOB_TRAIN, n);
    if (this.optimizer.betas) {
      const [b1, b2] = this.optimizer.betas.map(Math.fround);
      this.accBetas = [Math.fround(this.accBetas[0] * b1), Math.fround(this.accBetas[1] * b2)];
    }
    return this.meanLoss(n);
  }

  /** Test hook: makes worker `tid` trap inside its next job (threads build only). */
  async trapWorkerForTesting(tid: number): Promise<void> {
    if (!this.pool) throw new Error('denoise-wasm: no worker threads in this engine');
    await this.pool.run(L.JOB_TRAP, this.plan, tid);
  }

  private meanLoss(n: number): number {
    const chunks = Math.min(n, MAX_CHUNKS);
    const partials = new Float64Array(this.memory.buffer, this.lossPartials, chunks);
    let sum = 0;
    for (let c = 0; c < chunks; c++) sum += partials[c];
    return sum / (n * this.graph.outputSize);
  }

  /** Stops the worker threads (if any) and lets go of the memory. */
  dispose(): void {
    this.pool?.dispose();
    this.layout = null;
  }

  /** Low-level access for kernel tests: the raw exports and memory. */
  get raw(): { kernels: KernelExports; memory: WebAssembly.Memory } {
    return { kernels: this.kernels, memory: this.memory };
  }
}
