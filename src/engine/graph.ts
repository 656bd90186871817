// A model as the engine sees it: a DAG of ops over numbered buffers, and how it is lowered into plan
// records (src/engine/plan-layout.ts) for the wasm runner.
//
// Buffers hold one tensor per sample (floats per sample in Graph.buffers); buffer 0 is the model's input.
// A reshape or flatten is no op at all: its output is the same buffer. Ops come in topological order.
//
// Gradients: every op's backward *writes* the gradient of each input it reads. A buffer read by several
// ops (or by ops and the loss) gives each reader after the first a gradient buffer of its own, and a
// gradient-sum record placed right after the buffer's producer adds them in reader order, so it runs
// after all readers' backward (backward walks records in reverse) and before the producer's. The sum's
// order is fixed by the graph: results never depend on threads.
import * as L from './plan-layout.js';

/** Activations the runner applies in an op's epilogue (and the Activation layer), by plan code. */
export const ACTIVATION_CODES = {
  linear: L.ACT_LINEAR, relu: L.ACT_RELU, sigmoid: L.ACT_SIGMOID, tanh: L.ACT_TANH, elu: L.ACT_ELU, softplus: L.ACT_SOFTPLUS, selu: L.ACT_SELU,
} as const;
export type Activation = keyof typeof ACTIVATION_CODES;

/** The op a layer compiles to, with per-sample geometry (a dense layer has H = rows, W = 1). */
export interface OpSpec {
  /** The runner's op code (plan-layout.ts OP_*). */
  code: number;
  activation: Activation;
  H: number; W: number; C: number;
  OH: number; OW: number; OC: number;
  KH: number; KW: number; SH: number; SW: number;
  padTop: number; padLeft: number;
  /** i32 words per sample of state kept from forward to backward (max-pool winners); 0 when none. */
  auxPerSample?: number;
  /** Channels per row of each input (concatenate); elementwise merges read whole samples. */
  inputChannels?: number[];
  /** f64 values per chunk of a batch-statistics block in the fixed arena (BatchNormalization); 0 when none. */
  chunkStats?: number;
  /** The op kind's own parameter words (plan-layout.ts F_SEED, F_ALPHA, ...): raw i32 (u32) values, and f32 values. */
  i32Fields?: Record<number, number>;
  f32Fields?: Record<number, number>;
}

export interface GraphOp extends OpSpec {
  /** Buffers read, in operand order. */
  inputs: number[];
  /** Buffer written. */
  output: number;
  /** Offsets (floats) of the kernel and bias in the flat parameter block; -1 when the op has none. */
  kernelOffset: number;
  biasOffset: number;
  /** BatchNormalization: offsets of the moving mean and variance (non-trainable); -1 otherwise. */
  meanOffset?: number;
  varianceOffset?: number;
}

export interface Graph {
  ops: GraphOp[];
  /** Floats per sample of each buffer; buffer 0 is the model's input. */
  buffers: number[];
  /** The buffer holding the model's output. */
  output: number;
  /** Floats in the parameter block: the trainable ones first (what gradients and the optimizer cover), then the rest. */
  numParams: number;
  numTrainable: number;
  inputSize: number;
  outputSize: number;
  /** Weight penalties (Keras's kernel_regularizer): parameters [offset, offset + count) of the flat block. */
  regularizers?: Array<{ offset: number; count: number; l1: number; l2: number }>;
}

/** Where a gradient goes: a buffer's own gradient, an extra gradient buffer, or nowhere (0 in the plan). */
export type GradientRef = { main: number } | { extra: number } | null;

/** One plan record: an op of the graph, or the gradient sum of a buffer with several readers. */
export interface PlanRecord {
  /** The graph op (null for a gradient sum). */
  op: GraphOp | null;
  /** Per input: where its gradient goes. */
  dx: GradientRef[];
  /** Gradient sum: the buffer whose gradient receives the sum, and the extra buffers to add, in order. */
  sum?: { buffer: number; extras: number[] };
}

export interface LoweredPlan {
  records: PlanRecord[];
  /** Buffer of each extra gradient buffer (its size is that buffer's). */
  extras: number[];
  /** Index of the record whose output is the model's output. */
  outputRecord: number;
  /** Operand-table entries over all records. */
  tableEntries: number;
}

/** Does the op hold parameters (trainable or not: BatchNormalization always counts), so that its output's gradient is needed? */
function hasParameters(op: GraphOp): boolean {
  return op.kernelOffset >= 0 || op.biasOffset >= 0 || op.code === L.OP_BATCH_NORM;
}

/** Does this record read an operand table (merges and gradient sums) rather than F_X/F_DX? */
export function usesTable(code: number): boolean {
  return code >= L.OP_ADD && code <= L.OP_GRADIENT_SUM;
}

/**
 * Lowers a graph into plan records. inputGradient: whether dL/d(input) is wanted (it is buffer 0's
 * gradient); without it the input's readers skip their input gradient, and so do the readers of every
 * buffer that only parameter-free ops separate from the input (see `wanted` below).
 */
export function lowerGraph(graph: Graph, inputGradient: boolean): LoweredPlan {
  // Readers of each buffer in forward order; the loss reads the output first of all.
  const readers: Array<Array<{ op: number; slot: number }>> = graph.buffers.map(() => []);
  graph.ops.forEach((op, i) => op.inputs.forEach((b, slot) => readers[b].push({ op: i, slot })));
  const extras: number[] = [];
  const extrasOf: number[][] = graph.buffers.map(() => []);
  const dx: GradientRef[][] = graph.ops.map((op) => op.inputs.map(() => null));
  // A buffer's gradient is wanted when the input's is (inputGradient) and it depends on the input, or when
  // an op with parameters lies on its way from the input: a GaussianNoise (or Dropout, Rescaling, ...)
  // first layer spares the first conv its input gradient. Unwanted gradients keep their extra buffers'
  // numbers (unused), so that extras are numbered the same either way and one layout serves both.
  const wanted = graph.buffers.map((_, b) => b === 0 && inputGradient);
  for (const op of graph.ops) wanted[op.output] ||= hasParameters(op) || op.inputs.some((b) => wanted[b]);
  graph.buffers.forEach((_, b) => {
    const lossReads = b === graph.output;
    readers[b].forEach((r, k) => {
      if (k === 0 && !lossReads) {
        if (wanted[b]) dx[r.op][r.slot] = { main: b };
      } else {
        if (wanted[b]) {
          dx[r.op][r.slot] = { extra: extras.length };
          extrasOf[b].push(extras.length);
        }
        extras.push(b);
      }
    });
  });
  const records: PlanRecord[] = [];
  const sumOf = (b: number) => { if (extrasOf[b].length > 0) records.push({ op: null, dx: [], sum: { buffer: b, extras: extrasOf[b] } }); };
  sumOf(0);
  let outputRecord = -1;
  graph.ops.forEach((op, i) => {
    if (op.output === graph.output) outputRecord = records.length;
    records.push({ op, dx: dx[i] });
    sumOf(op.output);
  });
  if (outputRecord < 0) throw new Error('denoise-wasm: no op writes the model output (the graph computes nothing)');
  const tableEntries = records.reduce((n, r) => n + (r.sum ? r.sum.extras.length : usesTable(r.op!.code) ? r.op!.inputs.length : 0), 0);
  return { records, extras, outputRecord, tableEntries };
}

/**
 * Where each buffer's values live when only the forward pass runs: a buffer whose readers have all run
 * is reused by a later buffer of the same size per sample. Only the same size: each chunk of samples
 * runs every op on its own (on its own thread), so sample n of a buffer may only overlap sample n of
 * another, which the same thread wrote and read before. Offsets and the total are in floats per sample
 * (multiply by the batch capacity), rounded up to 16 floats so that every offset stays 64-byte aligned.
 * Buffer 0, the input, has a place of its own; the output lives to the end.
 */
export function planInferenceBuffers(graph: Graph): { offsets: number[]; total: number } {
  const lastRead = graph.buffers.map(() => -1);
  graph.ops.forEach((op, i) => op.inputs.forEach((b) => { lastRead[b] = i; }));
  lastRead[graph.output] = Infinity;
  const offsets = graph.buffers.map(() => -1);
  const free = new Map<number, number[]>();   // per-sample size -> offsets of dead buffers of that size
  let total = 0;
  graph.ops.forEach((op, i) => {
    const size = graph.buffers[op.output];
    const reuse = free.get(size);
    if (reuse && reuse.length > 0) offsets[op.output] = reuse.shift()!;
    else {
      offsets[op.output] = total;
      total += Math.ceil(size / 16) * 16;
    }
    // Buffers read for the last time by this op are dead once it has run (never its own output).
    for (const b of new Set(op.inputs)) {
      if (b !== 0 && lastRead[b] === i) free.set(graph.buffers[b], [...(free.get(graph.buffers[b]) ?? []), offsets[b]].sort((x, y) => x - y));
    }
  });
  return { offsets, total };
}

/** How many times each buffer is read (an op reading a buffer twice counts twice). */
function readerCounts(graph: Graph): number[] {
  const readers = graph.buffers.map(() => 0);
  graph.ops.forEach((op) => op.inputs.forEach((b) => { readers[b]++; }));
  return readers;
}

/**
 * Plans fuse a 2x2, stride-2 max pool into the Conv2D before it (SIMD builds): the conv's tiles then take
 * 2x2 blocks of output pixels and write only each block's maximum (assembly/conv2d.ts; in training also
 * its winner), so the conv's full output is never stored and the pool's forward never runs (its backward
 * does, and applies the conv's ReLU'). Returns, per op, the index of the pool it absorbs (-1:
 * none). Only where the bits are the pool's own: the conv's even-sized output goes to that pool alone,
 * its channels come in panels of 8 (no narrow remainder) and its activation is ReLU or linear (done in
 * the tiles' epilogue, as unfused).
 */
export function fusedPools(graph: Graph): number[] {
  const readers = readerCounts(graph);
  return graph.ops.map((op, i) => {
    const next = graph.ops[i + 1];
    const fits = op.code === L.OP_CONV2D && op.biasOffset >= 0 && (op.activation === 'relu' || op.activation === 'linear') &&
      op.OC % 8 === 0 && op.OH % 2 === 0 && op.OW % 2 === 0 && op.output !== graph.output && readers[op.output] === 1 &&
      next !== undefined && next.code === L.OP_MAXPOOL2D && next.inputs[0] === op.output &&
      next.KH === 2 && next.KW === 2 && next.SH === 2 && next.SW === 2 && next.OH * 2 === op.OH && next.OW * 2 === op.OW;
    return fits ? i + 1 : -1;
  });
}

/**
 * Plans also fuse an UpSampling2D into the Conv2D after it: the conv pads its input straight from the
 * upsampling's input (assembly/conv2d.ts padUpsampled; in training again for its weight gradient; a 3x3
 * 'same' conv to 1 channel after a 2x2 upsampling reads the source pixels without a copy,
 * forwardToOne3Up2 and wgradToOneChannel3Up2), so the upsampled image is never stored and the upsampling's forward never runs (its backward does). Returns, per op, the index of the upsampling it absorbs (-1: none). Only
 * where the upsampling's output goes to that conv alone. (Pure copying: the same bits in every build.)
 */
export function fusedUpsamplings(graph: Graph): number[] {
  const readers = readerCounts(graph);
  return graph.ops.map((op, i) => {
    const prev = graph.ops[i - 1];
    const fits = op.code === L.OP_CONV2D && prev !== undefined && prev.code === L.OP_UPSAMPLE2D &&
      op.inputs[0] === prev.output && readers[prev.output] === 1 && prev.output !== graph.output;
    return fits ? i - 1 : -1;
  });
}

/**
 * Where the gradient buffers live in training: a gradient is written by the backward of its buffer's
 * reader (the loss for the output's own) and last read by the backward of the buffer's producer (an
 * extra one by its buffer's gradient sum), and backward walks the records down, so a gradient dead
 * before another is born can share its place; only with the same size, for the reason
 * planInferenceBuffers gives. The input's own gradient (read by the host) and any gradient nothing
 * writes get places of their own. Laid out for the lowering with the input gradient, whose extras are
 * numbered as without it. Offsets and the total in floats per sample, rounded up to 16 floats.
 * This relies on every op's backward overwriting the gradients it writes, never adding into them (a
 * place shared with a dead gradient holds its values): a kernel that accumulates must zero first.
 */
export function planGradientBuffers(graph: Graph): { main: number[]; extras: number[]; total: number } {
  const lowered = lowerGraph(graph, true);
  const bornMain = graph.buffers.map(() => Infinity), bornExtra = lowered.extras.map(() => Infinity);
  const producedAt = graph.buffers.map(() => -Infinity), summedAt = graph.buffers.map(() => -Infinity);
  const written = graph.buffers.map((_, b) => b === graph.output);   // the loss writes the output's
  lowered.records.forEach((rec, i) => {
    if (rec.sum) { summedAt[rec.sum.buffer] = i; return; }
    producedAt[rec.op!.output] = i;
    rec.dx.forEach((ref) => {
      if (ref && 'main' in ref) { bornMain[ref.main] = i; written[ref.main] = true; }
      else if (ref) bornExtra[ref.extra] = i;
    });
  });
  interface Slot { size: number; born: number; dies: number; offset: number }
  const mains: Slot[] = graph.buffers.map((size, b) => (written[b] && b !== 0
    ? { size, born: bornMain[b], dies: producedAt[b], offset: -1 }
    : { size, born: Infinity, dies: -Infinity, offset: -1 }));
  const extras: Slot[] = lowered.extras.map((b, e) => ({ size: graph.buffers[b], born: bornExtra[e], dies: summedAt[b], offset: -1 }));
  const order = [...mains, ...extras].sort((a, b) => b.born - a.born);   // stable: ties keep graph order
  const free = new Map<number, number[]>();
  let live: Slot[] = [];
  let total = 0;
  for (const s of order) {
    // Slots last read at a record after (above) the one that writes s are dead by the time it runs.
    for (const d of live.filter((l) => l.dies > s.born)) free.set(d.size, [...(free.get(d.size) ?? []), d.offset].sort((x, y) => x - y));
    live = live.filter((l) => l.dies <= s.born);
    const reuse = free.get(s.size);
    if (reuse && reuse.length > 0) s.offset = reuse.shift()!;
    else { s.offset = total; total += Math.ceil(s.size / 16) * 16; }
    live.push(s);
  }
  return { main: mains.map((s) => s.offset), extras: extras.map((s) => s.offset), total };
}
