// The engine: the only place that knows about pointers. It lays out one arena in wasm memory for a
// compiled model (plan, parameters, optimizer slots, gradient partials, activations for a batch
// capacity), writes the plan, and runs whole batches with one call into wasm each.
import * as L from './plan-layout.js';
import { ACTIVATION_CODES, fusedPools, fusedUpsamplings, lowerGraph, planGradientBuffers, planInferenceBuffers, usesTable, type Graph, type GradientRef, type OpSpec } from './graph.js';
import { compileVariant, instantiateKernels, simdSupported, relaxedSimdSupported, isThreadsVariant, type KernelExports, type Variant, type VariantRequest } from './wasm.js';
import { ThreadPool } from './pool.js';
import { describeValue } from '../train/validate.js';
import { BYTE_DIVISOR, isByteArray } from '../tensor.js';

/** Fixed number of chunks a batch is cut into for gradient reductions (results depend on it, not on threads). */
export const MAX_CHUNKS = 16;
const PAGE = 65536;
const ALIGN = 64;

export type { Graph, GraphOp, OpSpec, Activation } from './graph.js';

/** A data set's values as the engine loads them: floats, or bytes that stand for b / 255. */
export type Samples = Float32Array | Uint8Array;

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

/** The optimizer's training state the engine holds: three slots of numParams floats, and adam's beta powers. */
export interface SlotState {
  slots: Float32Array[];
  accBetas: [number, number];
}

/** The state of an optimizer before its first step (slots zero, adagrad's at its initial value). */
export function freshSlotState(o: OptimizerSlots, numParams: number): SlotState {
  const slots = [0, 1, 2].map(() => new Float32Array(numParams));
  if (o.initialAccumulator !== undefined) slots[0].fill(o.initialAccumulator);
  return { slots, accBetas: o.betas ? [Math.fround(o.betas[0]), Math.fround(o.betas[1])] : [1, 1] };
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

const VARIANTS: readonly VariantRequest[] = ['auto', 'auto-relaxed', 'relaxed-simd-threads', 'relaxed-simd', 'simd-threads', 'simd', 'scalar'];
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

const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

/** An op's kind and geometry into the record at word r. */
function writeShape(words: Int32Array, r: number, op: OpSpec): void {
  words[r + L.F_KIND] = op.code;
  words[r + L.F_H] = op.H; words[r + L.F_W] = op.W; words[r + L.F_C] = op.C;
  words[r + L.F_OH] = op.OH; words[r + L.F_OW] = op.OW; words[r + L.F_OC] = op.OC;
  words[r + L.F_KH] = op.KH; words[r + L.F_KW] = op.KW; words[r + L.F_SH] = op.SH; words[r + L.F_SW] = op.SW;
  words[r + L.F_PAD_TOP] = op.padTop; words[r + L.F_PAD_LEFT] = op.padLeft;
  const floats = new Float32Array(words.buffer, words.byteOffset, words.length);
  for (const [f, v] of Object.entries(op.i32Fields ?? {})) words[r + Number(f)] = v;
  for (const [f, v] of Object.entries(op.f32Fields ?? {})) floats[r + Number(f)] = v;
}

// Activation buffers for a batch capacity: per graph buffer its values and gradient (buffer 0: the input
// and dL/dinput), the extra gradient buffers of multi-reader buffers, and per op its aux state. An
// inference layout (training false) has values only, packed by liveness, and one gradient buffer for
// the loss (evaluate). The input and the targets come first in both, so a batch loaded into one
// stays in place when the engine moves to the other.
interface Layout {
  capacity: number;
  training: boolean;
  bytes: number;
  target: number;
  ys: number[];
  dys: number[];
  extras: number[];
  aux: number[];
}

// A pipelined prediction's plan with the input it reads and the output it writes (forwardRange).
interface PipeSlot {
  plan: number;
  input: number;
  output: number;
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
  // Two more plans in the threads builds, for pipelined predictions (forwardRange): the same records with
  // their own input and output buffers, so one batch can load and another be read while a third runs.
  private readonly pipePlans: [number, number] | null;
  private readonly params: number;
  private readonly grads: number;
  private readonly state: [number, number, number];
  private readonly partials: number;
  private readonly lossPartials: number;
  private readonly stats: number[];
  private readonly scratch: number;
  private readonly scratchBytes: number;
  private readonly fixedEnd: number;
  private layout: Layout | null = null;
  private loss: number = L.LOSS_MSE;
  private fusedLoss = false;
  private readingAllBuffers = false;
  // Fuse layers into the convolutions next to them (writePlan). Tests turn it off, before the first
  // layout, to compare fused and unfused runs bit for bit.
  private fusion = true;
  private optimizer: OptimizerSlots | null = null;
  private accBetas: [number, number] = [1, 1];
  private wantInputGradient = false;
  // The training step the next trainStep() runs (and gradients() computes for): the noise layers' counter.
  private step = 0;
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
    const most = lowerGraph(graph, true);   // the plan with the input gradient has the most records
    const planBytes = (L.HEADER_WORDS + most.records.length * L.OP_WORDS + most.tableEntries * L.TABLE_WORDS +
      (graph.regularizers?.length ?? 0) * L.REG_WORDS) * 4;
    this.plan = take(planBytes);
    this.pipePlans = isThreadsVariant(info.variant) ? [take(planBytes), take(planBytes)] : null;
    this.params = take(P);
    this.grads = take(P);
    this.state = [take(P), take(P), take(P)];
    this.partials = take(P * MAX_CHUNKS);
    this.lossPartials = take(8 * MAX_CHUNKS);
    this.control = take(L.CONTROL_WORDS * 4);
    // Batch-statistics blocks (BatchNormalization): per op, per pass (forward, backward), per chunk.
    this.stats = graph.ops.map((op) => (op.chunkStats ? take(2 * MAX_CHUNKS * op.chunkStats * 8) : 0));
    this.growFixed(at);
    this.scratchBytes = align(Math.max(64, ...graph.ops.map((op) => this.queryScratchBytes(op))));
    this.scratch = take(this.scratchBytes * this.threads);
    this.fixedEnd = at;
    this.growFixed(this.fixedEnd);
  }

  // grow() for the batch-independent part of the arena, with an error that says what to change.
  private growFixed(bytes: number): void {
    try {
      this.grow(bytes);
    } catch {
      const mib = (b: number) => `${Math.ceil(b / 2 ** 20)} MiB`;
      const shared = this.info.variant === 'simd-threads';
      throw new Error(`denoise-wasm: this model needs ${mib(bytes)} of wasm memory before any batch (parameters, optimizer ` +
        `state and ${mib(this.scratchBytes ?? 0)} of scratch per thread on ${this.threads} thread${this.threads === 1 ? '' : 's'}), ` +
        `more than this runtime allows (${shared ? `at most ${mib(MAX_PAGES * PAGE)} shared` : 'about 4 GiB'}); ` +
        (shared ? 'use threads: 1 (the single-threaded build can grow to about 4 GiB), fewer threads, or a smaller input shape'
          : 'use a smaller input shape or fewer filters'));
    }
  }

  // Asks the wasm side how much scratch an op needs (writing the op's shape where the plan will go).
  private queryScratchBytes(op: OpSpec): number {
    const words = new Int32Array(this.memory.buffer, this.plan, L.HEADER_WORDS + L.OP_WORDS);
    words.fill(0);
    writeShape(words, L.HEADER_WORDS, op);
    return this.kernels.opScratchBytes(this.plan + L.HEADER_WORDS * 4);
  }

  /** Loads the fastest suitable build, starts its threads, and lays out an arena for the graph. */
  static async create(graph: Graph, options: EngineOptions = {}): Promise<Engine> {
    if (onBrowserMainThread()) return createOnMainThread(graph, options);
    const want = options.variant ?? 'auto';
    if (!(VARIANTS as readonly unknown[]).includes(want)) {
      throw new Error(`denoise-wasm: unknown variant ${describeValue(want)}; use one of ${VARIANTS.map((v) => `'${v}'`).join(', ')}`);
    }
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
    if (requested !== 'auto' && !(Number.isInteger(requested) && requested >= 1 && requested <= MAX_CHUNKS)) {
      throw new Error(`denoise-wasm: threads must be 'auto' or an integer from 1 to ${MAX_CHUNKS}, got ${describeValue(requested)}` +
        (typeof requested === 'number' && requested > MAX_CHUNKS ? ` (a batch is cut into at most ${MAX_CHUNKS} chunks, so more ` +
          `threads cannot help; 'auto' uses one per core, ${await availableThreads()} here)` : ''));
    }
    const cores = await availableThreads();
    // 'auto': one per core, but never more than a batch has chunks.
    const wanted = requested === 'auto' ? Math.min(cores, MAX_CHUNKS) : requested;
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

  /**
   * Lays out activation buffers for batches of up to `capacity` samples, for training (values, gradients
   * and max-pool winners of every buffer) or inference only (values reused once read). A training
   * layout serves inference too when it is large enough; within one mode capacity only grows.
   */
  private ensureLayout(capacity: number, training: boolean): Layout {
    const cur = this.layout;
    if (cur && cur.capacity >= capacity && (cur.training || !training)) return cur;
    if (cur && cur.training === training) capacity = Math.max(capacity, cur.capacity);
    let at = this.fixedEnd;
    const take = (floats: number) => { const p = at; at = align(at + floats * 4); return p; };
    const g = this.graph;
    const input = take(capacity * g.inputSize);
    const target = take(capacity * g.outputSize);
    let ys: number[], dys: number[], extras: number[] = [], aux: number[];
    if (training) {
      ys = [input, ...g.buffers.slice(1).map((size) => take(capacity * size))];
      const grads = planGradientBuffers(g);
      const gradBase = take(capacity * grads.total);
      dys = grads.main.map((o) => gradBase + o * capacity * 4);
      extras = grads.extras.map((o) => gradBase + o * capacity * 4);
      aux = g.ops.map((op) => (op.auxPerSample ? take(capacity * op.auxPerSample) : 0));
    } else {
      const dOutput = take(capacity * g.outputSize);
      const packed = planInferenceBuffers(g);
      const base = take(capacity * packed.total);
      ys = packed.offsets.map((o, b) => (b === 0 ? input : base + o * capacity * 4));
      dys = g.buffers.map((_, b) => (b === g.output ? dOutput : 0));
      aux = g.ops.map(() => 0);
    }
    try {
      this.grow(at);
    } catch {
      const mib = (b: number) => `${Math.ceil(b / 2 ** 20)} MiB`;
      const threaded = isThreadsVariant(this.info.variant);
      // A batch of one cannot shrink: then only a smaller input (or the single-threaded build's larger memory) helps.
      throw new Error(`denoise-wasm: ${capacity === 1 ? 'one sample' : `a batch of ${capacity} samples`} needs ${mib(at)} of wasm memory, ` +
        `more than this runtime allows (${threaded ? `at most ${mib(MAX_PAGES * PAGE)} shared` : 'about 4 GiB'}); ` +
        (capacity > 1 ? `use a smaller batchSize (${Math.floor(capacity / 2)} or less)`
          : 'give the model smaller inputs: a fully convolutional model runs over big pictures in tiles with denoiseImage ' +
            `(a smaller tileSize there if that is where this comes from)${threaded ? ', or use threads: 1 (its memory can grow to about 4 GiB)' : ''}`));
    }
    this.layout = { capacity, training, bytes: at, target, ys, dys, extras, aux };
    this.writePlan();
    return this.layout;
  }

  // The plan at `plan` for the current layout, its buffers' values at ys (the layout's own, or a pipelined
  // prediction's with another input and output).
  private writePlan(plan = this.plan, ys = this.layout!.ys): void {
    const lay = this.layout!;
    const g = this.graph;
    const lowered = lowerGraph(g, this.wantInputGradient);
    const nRecords = lowered.records.length;
    const regs = g.regularizers ?? [];
    const words = new Int32Array(this.memory.buffer, plan, L.HEADER_WORDS + nRecords * L.OP_WORDS + lowered.tableEntries * L.TABLE_WORDS +
      regs.length * L.REG_WORDS);
    const floats = new Float32Array(words.buffer, words.byteOffset, words.length);
    words.fill(0);
    words[L.H_NUM_OPS] = nRecords;
    words[L.H_NUM_PARAMS] = g.numTrainable;   // gradients and updates cover the trainable prefix
    words[L.H_PARAMS] = this.params;
    words[L.H_GRADS] = this.grads;
    words[L.H_PARTIALS] = this.partials;
    [words[L.H_STATE1], words[L.H_STATE2], words[L.H_STATE3]] = this.state;
    words[L.H_SCRATCH] = this.scratch;
    words[L.H_SCRATCH_BYTES] = this.scratchBytes;
    words[L.H_LOSS_PARTIALS] = this.lossPartials;
    words[L.H_TARGET] = lay.target;
    words[L.H_LOSS] = this.loss;
    words[L.H_OUTPUT] = ys[g.output];
    words[L.H_DOUTPUT] = lay.dys[g.output];
    words[L.H_OUTPUT_SIZE] = g.outputSize;
    words[L.H_OUTPUT_OP] = lowered.outputRecord;
    words[L.H_MAX_CHUNKS] = MAX_CHUNKS;
    words[L.H_FUSED_LOSS] = this.fusedLoss ? 1 : 0;
    words[L.H_CONTROL] = this.control;
    words[L.H_STEP] = this.step;
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
    const gradient = (ref: GradientRef) => (ref === null ? 0 : 'main' in ref ? lay.dys[ref.main] : lay.extras[ref.extra] ?? 0);
    let table = L.HEADER_WORDS + nRecords * L.OP_WORDS;   // next free table entry (words)
    lowered.records.forEach((rec, i) => {
      const r = L.HEADER_WORDS + i * L.OP_WORDS;
      if (rec.sum) {
        words[r + L.F_KIND] = L.OP_GRADIENT_SUM;
        words[r + L.F_OH] = g.buffers[rec.sum.buffer]; words[r + L.F_OW] = 1; words[r + L.F_OC] = 1;
        words[r + L.F_Y] = lay.dys[rec.sum.buffer];
        words[r + L.F_TABLE] = plan + table * 4;
        words[r + L.F_COUNT] = rec.sum.extras.length;
        for (const e of rec.sum.extras) { words[table + L.T_X] = lay.extras[e]; table += L.TABLE_WORDS; }
        return;
      }
      const op = rec.op!;
      writeShape(words, r, op);
      words[r + L.F_ACT] = ACTIVATION_CODES[op.activation];
      words[r + L.F_Y] = ys[op.output];
      words[r + L.F_DY] = lay.dys[op.output];
      if (usesTable(op.code)) {
        words[r + L.F_TABLE] = plan + table * 4;
        words[r + L.F_COUNT] = op.inputs.length;
        op.inputs.forEach((b, k) => {
          words[table + L.T_X] = ys[b];
          words[table + L.T_DX] = gradient(rec.dx[k]);
          words[table + L.T_CHANNELS] = op.inputChannels?.[k] ?? 0;
          table += L.TABLE_WORDS;
        });
      } else {
        words[r + L.F_X] = ys[op.inputs[0]];
        words[r + L.F_DX] = gradient(rec.dx[0]);
      }
      if (op.kernelOffset >= 0) {
        words[r + L.F_KERNEL] = this.params + op.kernelOffset * 4;
        words[r + L.F_DKERNEL] = this.partials + op.kernelOffset * 4;
      }
      if (op.biasOffset >= 0) {
        words[r + L.F_BIAS] = this.params + op.biasOffset * 4;
        words[r + L.F_DBIAS] = this.partials + op.biasOffset * 4;
      }
      if ((op.meanOffset ?? -1) >= 0) words[r + L.F_MEAN] = this.params + op.meanOffset! * 4;
      if ((op.varianceOffset ?? -1) >= 0) words[r + L.F_VARIANCE] = this.params + op.varianceOffset! * 4;
      const k = g.ops.indexOf(op);
      if (this.stats[k]) words[r + L.F_STATS] = this.stats[k];
      words[r + L.F_AUX] = lay.aux[k];
    });
    // Fusions: a Conv2D reads the input of an UpSampling2D right before it (every build), and in the SIMD
    // builds a 2x2 max pool right after it runs in its tiles (graph.ts fusedUpsamplings, fusedPools); the
    // layers they absorb never store their outputs. Not while forwardAll reads every buffer.
    if (this.fusion && !this.readingAllBuffers) {
      const recordOf = new Map(lowered.records.map((rec, i) => [rec.op, L.HEADER_WORDS + i * L.OP_WORDS]));
      fusedUpsamplings(g).forEach((up, k) => {
        if (up < 0) return;
        const r = recordOf.get(g.ops[k])!;
        words[r + L.F_UP_X] = ys[g.ops[up].inputs[0]];
        words[r + L.F_UP_FH] = g.ops[up].KH; words[r + L.F_UP_FW] = g.ops[up].KW;
        words[recordOf.get(g.ops[up])! + L.F_FUSED] = 1;
      });
      if (this.info.simd) {
        fusedPools(g).forEach((pool, k) => {
          if (pool < 0) return;
          const r = recordOf.get(g.ops[k])!, rp = recordOf.get(g.ops[pool])!;
          words[r + L.F_POOLED] = ys[g.ops[pool].output];
          words[r + L.F_POOL_ARGMAX] = lay.aux[pool];   // 0 in inference layouts
          words[rp + L.F_FUSED] = 1;
          words[rp + L.F_POOL_RELU] = g.ops[k].activation === 'relu' ? 1 : 0;
        });
      }
    }
    // The weight penalties' table, after the operand tables.
    words[L.H_REGULARIZERS] = plan + table * 4;
    words[L.H_NUM_REGULARIZERS] = regs.length;
    for (const reg of regs) {
      words[table + L.R_OFFSET] = reg.offset; words[table + L.R_COUNT] = reg.count;
      floats[table + L.R_L1] = reg.l1; floats[table + L.R_L2] = reg.l2;
      table += L.REG_WORDS;
    }
  }

  /**
   * Σ l1·|w| + l2·w² over the penalised weights (as now, before any step), in f64 in parameter order:
   * Keras and TF.js add it to the loss they report for a training step.
   */
  private penalty(): number {
    const regs = this.graph.regularizers;
    if (!regs || regs.length === 0) return 0;
    const p = this.f32(this.params, this.graph.numParams);
    let sum = 0;
    for (const { offset, count, l1, l2 } of regs) {
      const a = Math.fround(l1), b = Math.fround(l2);
      let s1 = 0, s2 = 0;
      for (let i = offset; i < offset + count; i++) { s1 += Math.abs(p[i]); s2 += p[i] * p[i]; }
      sum += a * s1 + b * s2;
    }
    return sum;
  }

  /** Sets the loss; BCE after a sigmoid output is fused (dL/dz = p - t, no division by p(1 - p)). */
  setLoss(loss: LossCode): void {
    this.loss = loss;
    const g = this.graph;
    const last = g.ops.find((op) => op.output === g.output)!;
    // Only when nothing but the loss reads the output (its other readers would add to dL/dy, not dL/dz).
    const readByOps = g.ops.some((op) => op.inputs.includes(g.output));
    this.fusedLoss = loss === L.LOSS_BCE && last.activation === 'sigmoid' && !readByOps;
    if (this.layout) this.writePlan();
  }

  /** Sets the optimizer and resets its state (slots to zero, adagrad's to its initial value, step 0). */
  setOptimizer(o: OptimizerSlots): void {
    this.optimizer = o;
    this.setOptimizerState(freshSlotState(o, this.graph.numParams));
    if (this.layout) this.writePlan();
  }

  /** Whether gradients() also computes dL/dinput (off by default: training never needs it). */
  setInputGradient(on: boolean): void {
    this.wantInputGradient = on;
    if (this.layout) this.writePlan();
  }

  /**
   * Sets the training step the next trainStep() runs: dropout masks and Gaussian noise are a function of
   * (layer seed, step, sample position in the batch, element), so a model sets its iteration count here.
   */
  setStep(step: number): void {
    if (!Number.isInteger(step) || step < 0) throw new Error(`denoise-wasm: the step must be an integer >= 0, got ${describeValue(step)}`);
    this.step = step >>> 0;
    this.writeStep();
  }

  /** The step the next trainStep() runs. */
  getStep(): number {
    return this.step;
  }

  private writeStep(): void {
    if (this.layout) new Uint32Array(this.memory.buffer, this.plan, L.HEADER_WORDS)[L.H_STEP] = this.step;
  }

  /** dL/dinput of the last gradients() call for its n samples (a copy). */
  getInputGradient(n: number): Float32Array {
    if (!this.wantInputGradient) throw new Error('denoise-wasm: input gradients are off (setInputGradient(true))');
    return this.f32(this.layout!.dys[0], n * this.graph.inputSize).slice();
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
  getOptimizerState(): SlotState {
    return { slots: this.state.map((s) => this.f32(s, this.graph.numParams).slice()), accBetas: [...this.accBetas] };
  }

  setOptimizerState(st: SlotState): void {
    st.slots.forEach((s, i) => this.f32(this.state[i], this.graph.numParams).set(s));
    this.accBetas = [...st.accBetas];
  }

  /**
   * Copies samples into the input (and target) buffers: rows[i] is the index of the i-th sample of the
   * batch in `x`/`y` (shuffled batches are gathered this way, without copying the data set). Bytes
   * (Uint8Array) stand for b / 255 and are converted inside wasm (see loadBytes).
   */
  loadBatch(x: Samples, rows: ArrayLike<number>, y?: Samples): void {
    const lay = this.ensureLayout(rows.length, false);
    const inSize = this.graph.inputSize, outSize = this.graph.outputSize;
    this.loadRows(lay.ys[0], x, rows, 0, rows.length, inSize);
    if (y) this.loadRows(lay.target, y, rows, 0, rows.length, outSize);
  }

  /** Copies n consecutive samples starting at `start` (no gather); bytes as in loadBatch. */
  loadRange(x: Samples, start: number, n: number, y?: Samples): void {
    const lay = this.ensureLayout(n, false);
    this.loadRows(lay.ys[0], x, null, start, n, this.graph.inputSize);
    if (y) this.loadRows(lay.target, y, null, start, n, this.graph.outputSize);
  }

  // n samples of `size` values into the f32 buffer at dst: rows[i] (or start + i) of src.
  private loadRows(dst: number, src: Samples, rows: ArrayLike<number> | null, start: number, n: number, size: number): void {
    if (isByteArray(src)) return this.loadBytes(dst, src, rows, start, n, size);
    const out = this.f32(dst, n * size);
    if (!rows) return out.set(src.subarray(start * size, (start + n) * size));
    for (let i = 0; i < n; i++) out.set(src.subarray(rows[i] * size, (rows[i] + 1) * size), i * size);
  }

  // uint8 samples: their bytes are gathered into a staging area just past the layout (only this call
  // uses it, so any later layout may reuse the space) and converted to f32 in wasm, so the host never
  // makes floats of the data set. A direct call on this thread also in the threads build: it is a copy.
  private loadBytes(dst: number, src: Uint8Array, rows: ArrayLike<number> | null, start: number, n: number, size: number): void {
    const stage = align(this.layout!.bytes);
    try {
      this.grow(stage + n * size);
    } catch {
      throw new Error(`denoise-wasm: no wasm memory left to stage a batch of ${n} byte samples; use a smaller batchSize`);
    }
    const staged = new Uint8Array(this.memory.buffer, stage, n * size);
    if (!rows) staged.set(src.subarray(start * size, (start + n) * size));
    else for (let i = 0; i < n; i++) staged.set(src.subarray(rows[i] * size, (rows[i] + 1) * size), i * size);
    this.kernels.bytesToFloats(dst, stage, n * size, BYTE_DIVISOR);
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

  // One job on the thread pool, or a direct call on this thread, on the n samples last loaded (into the
  // input of `plan`).
  private async run(job: number, n: number, plan = this.plan): Promise<void> {
    if (!this.layout || n > this.layout.capacity) {
      throw new Error(`denoise-wasm: no batch of ${n} samples is loaded (${this.layout ? 'the engine holds ' + this.layout.capacity : 'the engine was disposed or never loaded'})`);
    }
    if (this.pool) return this.pool.run(job, plan, n);
    const k = this.kernels;
    if (job === L.JOB_FORWARD) k.forward(plan, n, 0, 1);
    else if (job === L.JOB_EVALUATE) k.evaluate(plan, n, 0, 1);
    else if (job === L.JOB_GRADIENTS) k.gradients(plan, n, 0, 1);
    else if (job === L.JOB_TRAIN) k.trainStep(plan, n, 0, 1);
  }

  // Backward needs every buffer kept: the training layout. The input stays where it is (first in both
  // layouts); the targets sit after capacity inputs, so when the new layout's capacity differs (an inference
  // layout grown by a larger predict) they are moved. Before anything writes the plan's header for this
  // step: a new layout rewrites the plan.
  private keepForBackward(n: number): void {
    if (!this.layout || this.layout.training) return;
    const oldTarget = this.layout.target;
    const lay = this.ensureLayout(n, true);
    if (lay.target !== oldTarget) {
      const size = n * this.graph.outputSize;
      new Float32Array(this.memory.buffer).copyWithin(lay.target / 4, oldTarget / 4, oldTarget / 4 + size);
    }
  }

  /**
   * Runs the forward pass on the n loaded samples; returns a view of the output (valid until the next call).
   * willFill: where the caller will copy it. While worker threads run the job, this thread writes zeros
   * there: the pages of a new array fault in on their first write (the copy after the job took 19-29% of
   * predict's time on 10,000 images, nearly all of it page faults), and so they do it beside the job
   * rather than after it (where they still take CPU time from the workers, but the workers never wait).
   */
  async forward(n: number, willFill?: Float32Array): Promise<Float32Array> {
    const running = this.run(L.JOB_FORWARD, n);   // (posts the job before its first await)
    if (this.pool) willFill?.fill(0);
    await running;
    return this.f32(this.layout!.ys[this.graph.output], n * this.graph.outputSize);
  }

  /**
   * The forward pass over samples [0, N) of x, batchSize at a time, into a new array of N outputs (made
   * once the first batch has fitted in wasm memory). Float inputs are checked for NaN and Infinity in
   * wasm as each batch is loaded: the first one found throws nonFinite(its index in x), after any running
   * job has ended. With worker threads and more than one batch the batches are pipelined: while the
   * workers run batch k, this thread writes zeros over batch k's rows of the result (their pages fault
   * in beside the job, as in forward), loads batch k+1 and copies out batch k-1, each batch going through
   * one of two plans with their own input and output buffers (the same records, so the same bits). One
   * batch at a time otherwise, or where wasm memory has no room for those buffers.
   */
  async forwardRange(x: Samples, N: number, batchSize: number, nonFinite: (index: number) => Error): Promise<Float32Array> {
    const lay = this.ensureLayout(Math.min(batchSize, N), false);
    const end = lay.bytes;
    const slots = this.pool && N > batchSize ? this.pipeSlots(isByteArray(x)) : null;
    try {
      return await this.forwardBatches(x, N, batchSize, slots, nonFinite);
    } finally {
      lay.bytes = end;   // the pipe's space is free again (for a staging area, a larger layout)
    }
  }

  // forwardRange's loop, on the layout's own plan (slots null) or pipelined on two.
  private async forwardBatches(x: Samples, N: number, batchSize: number, slots: PipeSlot[] | null,
      nonFinite: (index: number) => Error): Promise<Float32Array> {
    const lay = this.layout!;
    const inSize = this.graph.inputSize, outSize = this.graph.outputSize;
    const sizeOf = (k: number) => Math.min(batchSize, N - k * batchSize);
    const batches = Math.ceil(N / batchSize);
    const load = (k: number, input: number) => {
      const n = sizeOf(k);
      this.loadRows(input, x, null, k * batchSize, n, inSize);
      const bad = isByteArray(x) ? -1 : this.kernels.firstNonFinite(input, n * inSize);
      if (bad >= 0) throw nonFinite(k * batchSize * inSize + bad);
    };
    load(0, slots ? slots[0].input : lay.ys[0]);
    const out = new Float32Array(N * outSize);
    const rows = (k: number) => out.subarray(k * batchSize * outSize, (k * batchSize + sizeOf(k)) * outSize);
    if (!slots) {
      for (let k = 0; k < batches; k++) {
        if (k > 0) load(k, lay.ys[0]);
        const target = rows(k);
        target.set(await this.forward(sizeOf(k), target));
      }
      return out;
    }
    for (let k = 0; k < batches; k++) {
      const running = this.run(L.JOB_FORWARD, sizeOf(k), slots[k % 2].plan);
      try {
        rows(k).fill(0);
        if (k + 1 < batches) load(k + 1, slots[(k + 1) % 2].input);
        if (k > 0) rows(k - 1).set(this.f32(slots[(k - 1) % 2].output, sizeOf(k - 1) * outSize));
      } catch (e) {
        await running.catch(() => {});   // the job's own failure matters less than why this one stopped
        throw e;
      }
      await running;
    }
    rows(batches - 1).set(this.f32(slots[(batches - 1) % 2].output, sizeOf(batches - 1) * outSize));
    return out;
  }

  // The two plans of a pipelined prediction (forwardRange), written for the current layout: the first
  // reads the layout's input, the second a second input; each writes its own output. Those three buffers
  // (the layout's capacity each) go past the layout, which grows over them until forwardRange ends, and
  // byte inputs keep room for their staging area after them. Null when wasm memory has no room.
  private pipeSlots(bytes: boolean): PipeSlot[] | null {
    const lay = this.layout!, g = this.graph;
    if (!this.pipePlans || g.output === 0) return null;
    let at = align(lay.bytes);
    const take = (floats: number) => { const p = at; at = align(at + floats * 4); return p; };
    const inputs = [lay.ys[0], take(lay.capacity * g.inputSize)];
    const outputs = [take(lay.capacity * g.outputSize), take(lay.capacity * g.outputSize)];
    try {
      this.grow(at + (bytes ? lay.capacity * g.inputSize : 0));
    } catch {
      return null;
    }
    lay.bytes = at;
    return inputs.map((input, i) => {
      const ys = lay.ys.slice();
      ys[0] = input;
      ys[g.output] = outputs[i];
      this.writePlan(this.pipePlans![i], ys);
      return { plan: this.pipePlans![i], input, output: outputs[i] };
    });
  }

  /**
   * Runs the forward pass on the n loaded samples and returns every buffer's values (copies, n samples
   * each, buffer 0 the input): a layer's activations. The training layout keeps every buffer (inference
   * reuses them); the kernels are the same, so the output buffer holds forward()'s bits.
   */
  async forwardAll(n: number): Promise<Float32Array[]> {
    this.keepForBackward(n);
    this.readingAllBuffers = true;   // no fusion: every layer stores its output
    if (this.layout) this.writePlan();   // (without one, run() says that no batch is loaded)
    try {
      await this.run(L.JOB_FORWARD, n);
      return this.graph.buffers.map((size, b) => this.f32(this.layout!.ys[b], n * size).slice());
    } finally {
      this.readingAllBuffers = false;
      if (this.layout) this.writePlan();
    }
  }

  /** Mean loss of the n loaded samples against their targets (plus the weight penalties, as Keras). */
  async evaluate(n: number): Promise<number> {
    await this.run(L.JOB_EVALUATE, n);
    return this.meanLoss(n) + this.penalty();
  }

  /**
   * Mean loss, leaving dL/dparams readable through getGradients(); parameters unchanged. The training
   * forward pass of the current step (dropout and noise draw as the next trainStep() will): the step does
   * not advance, so repeated calls see the same masks (finite differences rely on it).
   */
  async gradients(n: number): Promise<number> {
    this.keepForBackward(n);
    this.writeStep();
    await this.run(L.JOB_GRADIENTS, n);
    return this.meanLoss(n) + this.penalty();
  }

  /** One optimizer step on the n loaded samples; returns the batch's mean loss before the step. */
  async trainStep(n: number): Promise<number> {
    if (!this.optimizer) throw new Error('denoise-wasm: no optimizer set (call compile first)');
    this.keepForBackward(n);
    if (this.optimizer.betas) {
      // TF.js: 1 - beta^t with beta^t kept in f32 and multiplied by beta after every step.
      const words = new Float32Array(this.memory.buffer, this.plan, L.HEADER_WORDS);
      words[L.H_ONE_MINUS_ACC1] = 1 - this.accBetas[0];
      words[L.H_ONE_MINUS_ACC2] = 1 - this.accBetas[1];
    }
    this.writeStep();
    const penalty = this.penalty();   // of the weights the step starts from
    await this.run(L.JOB_TRAIN, n);
    this.step = (this.step + 1) >>> 0;
    if (this.optimizer.betas) {
      const [b1, b2] = this.optimizer.betas.map(Math.fround);
      this.accBetas = [Math.fround(this.accBetas[0] * b1), Math.fround(this.accBetas[1] * b2)];
    }
    return this.meanLoss(n) + penalty;
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
