// The plan: a flat i32 record the host writes into the arena and the runner reads.
// Layout is mirrored in src/engine/plan-layout.ts (a test checks that the two agree).
//
//   header: HEADER_WORDS i32 words at the plan pointer, fields H_*
//   ops:    OP_WORDS i32 words per op, fields F_*, from plan + 4*HEADER_WORDS
// Pointers are byte addresses in the shared arena; f32 hyper-parameters are stored as raw f32 bits.

export const HEADER_WORDS = 32;
export const OP_WORDS = 32;

// Header fields.
export const H_NUM_OPS = 0;
export const H_NUM_PARAMS = 1;       // floats in the flat parameter block
export const H_PARAMS = 2;
export const H_GRADS = 3;
export const H_PARTIALS = 4;         // per-chunk gradient partials: chunk c at H_PARTIALS + c * 4*NUM_PARAMS
export const H_STATE1 = 5;           // optimizer slots, each NUM_PARAMS floats
export const H_STATE2 = 6;
export const H_STATE3 = 7;
export const H_SCRATCH = 8;          // per-thread scratch: thread t at H_SCRATCH + t * H_SCRATCH_BYTES
export const H_SCRATCH_BYTES = 9;
export const H_LOSS_PARTIALS = 10;   // f64 per chunk
export const H_TARGET = 11;          // the batch's targets, same layout as the output
export const H_LOSS = 12;            // LOSS_*
export const H_OUTPUT = 13;          // the last op's output and its gradient
export const H_DOUTPUT = 14;
export const H_OUTPUT_SIZE = 15;     // floats per sample
export const H_OPTIMIZER = 16;       // OPT_*
// Optimizer hyper-parameters as raw f32 bits. The host derives them in f64 (e.g. 1 - rho) and rounds
// once, exactly as TF.js turns its JS-number constants into f32 scalars, so updates can match bit for bit.
export const H_LR = 17;
export const H_P1 = 18;              // rho (adadelta, rmsprop), beta1 (adam), momentum (sgd)
export const H_P2 = 19;              // 1 - rho (adadelta, rmsprop), 1 - beta1 (adam)
export const H_P3 = 20;              // beta2 (adam), momentum (rmsprop)
export const H_P4 = 21;              // 1 - beta2 (adam)
export const H_EPSILON = 22;
export const H_FLAG = 23;            // i32: nesterov (sgd), centered (rmsprop), TF.js order (adadelta)
export const H_ONE_MINUS_ACC1 = 26;  // adam: 1 - beta1^t and 1 - beta2^t, kept by the host
export const H_ONE_MINUS_ACC2 = 27;
export const H_MAX_CHUNKS = 24;      // a batch of N samples is cut into min(N, MAX_CHUNKS) fixed chunks
export const H_FUSED_LOSS = 25;      // 1: last op is sigmoid and the loss is BCE; the loss writes dZ directly
export const H_CONTROL = 28;         // the thread pool's control block (threads build; see threads.ts)

// Control block of the thread pool: i32 words at H_CONTROL, each on its own 64-byte line.
export const C_GENERATION = 0;       // bumped by the host for every job; workers wait on it
export const C_PENDING = 16;         // workers still running the current job; the host waits on it
export const C_JOB = 32;             // JOB_*
export const C_PLAN = 33;
export const C_N = 34;
export const C_THREADS = 35;         // threads taking part (tid < C_THREADS)
export const C_FAILED = 36;          // 1 + tid of a worker that trapped, else 0
export const C_BARRIER_COUNT = 48;
export const C_BARRIER_GENERATION = 64;
export const CONTROL_WORDS = 80;

export const JOB_FORWARD = 1;
export const JOB_EVALUATE = 2;
export const JOB_GRADIENTS = 3;
export const JOB_TRAIN = 4;
export const JOB_EXIT = 5;
export const JOB_TRAP = 6;           // tests: the worker with tid == C_N traps

// Op fields. Sizes are per sample; a dense layer is H = W = 1, C = inputs, OC = units.
export const F_KIND = 0;
export const F_ACT = 1;
export const F_H = 2;
export const F_W = 3;
export const F_C = 4;
export const F_OH = 5;
export const F_OW = 6;
export const F_OC = 7;
export const F_KH = 8;               // kernel or pool size; upsampling factor
export const F_KW = 9;
export const F_SH = 10;
export const F_SW = 11;
export const F_PAD_TOP = 12;
export const F_PAD_LEFT = 13;
export const F_X = 14;
export const F_Y = 15;
export const F_DX = 16;              // 0: the input gradient is not needed (first layer)
export const F_DY = 17;
export const F_KERNEL = 18;
export const F_BIAS = 19;
export const F_DKERNEL = 20;         // chunk 0's partial; chunk c is 4*NUM_PARAMS*c further on
export const F_DBIAS = 21;
export const F_AUX = 22;             // max-pool: i32 argmax per output

export const OP_CONV2D = 1;
export const OP_MAXPOOL2D = 2;
export const OP_UPSAMPLE2D = 3;
export const OP_DENSE = 4;

export const ACT_LINEAR = 0;
export const ACT_RELU = 1;
export const ACT_SIGMOID = 2;
export const ACT_TANH = 3;

export const LOSS_BCE = 1;
export const LOSS_MSE = 2;
export const LOSS_MAE = 3;

export const OPT_SGD = 1;
export const OPT_ADADELTA = 2;
export const OPT_ADAM = 3;
export const OPT_ADAGRAD = 4;
export const OPT_RMSPROP = 5;

/** Field f of the header or op record at p. */
@inline export function field(p: usize, f: i32): i32 {
  return load<i32>(p + (<usize>f << 2));
}

/** f32 field f of the header at p. */
@inline export function fieldF32(p: usize, f: i32): f32 {
  return load<f32>(p + (<usize>f << 2));
}

/** Pointer field f (byte address). */
@inline export function ptr(p: usize, f: i32): usize {
  return <usize>load<i32>(p + (<usize>f << 2));
}

/** First sample of chunk c when N samples are cut into nChunks: chunks differ by at most one sample. */
@inline export function chunkStart(N: i32, nChunks: i32, c: i32): i32 {
  return <i32>((<i64>c * N) / nChunks);
}
