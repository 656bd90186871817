// The plan record: a flat i32 record the host (src/engine/engine.ts) writes into the arena and the wasm
// runner (assembly/network.ts) reads. This one file is the only definition of its layout: TypeScript
// imports it, and AssemblyScript compiles the same file (assembly/plan.ts re-exports it), so it holds
// nothing but integer constants.
//
//   header: HEADER_WORDS i32 words at the plan pointer, fields H_*
//   ops:    OP_WORDS i32 words per op, fields F_*, from plan + 4*HEADER_WORDS
//   tables: operand tables of merges and gradient sums, after the ops (F_TABLE points into them)
// Pointers are byte addresses in the shared arena; f32 hyper-parameters are stored as raw f32 bits.

export const HEADER_WORDS = 40;
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
export const H_OUTPUT_OP = 29;       // index of the op whose output is the model's output (the fused loss skips its act')
export const H_STEP = 31;            // u32: the training step (the model's iterations): the noise layers' counter
export const H_REGULARIZERS = 32;    // table of weight penalties (REG_WORDS per entry), added to dL/dw in the reduction
export const H_NUM_REGULARIZERS = 33;

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
// With threads, what the next claim takes (the host sets it to 0 per job): a prediction's first sample
// not yet claimed, a training step's next chunk (network.ts forwardClaimed, trainingChunksClaimed).
export const C_NEXT_CLAIM = 80;
export const CONTROL_WORDS = 96;

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
export const F_TABLE = 23;           // merges and gradient sums: their operand table (TABLE_WORDS per entry)
export const F_COUNT = 24;           // entries in that table
export const F_MEAN = 25;            // BatchNormalization: moving mean and variance (non-trainable weights)
export const F_VARIANCE = 26;
// Words 27..31: each op kind's own parameters (raw f32 or i32 bits), named per use.
export const F_SEED = 27;            // dropout, Gaussian noise: u32 seed of the counter-based RNG (noise.ts)
export const F_DROP_THRESHOLD = 28;  // dropout: u32; an element is dropped when its 32 random bits are below it
export const F_DROP_SCALE = 29;      // dropout: f32 1 / (1 - rate), what kept elements are multiplied by
export const F_NOISE_STDDEV = 28;    // Gaussian noise: f32 standard deviation
export const F_CLIP = 29;            // Gaussian noise: i32 1 when the noisy values are clipped to [CLIP_LO, CLIP_HI]
export const F_CLIP_LO = 30;         // f32
export const F_CLIP_HI = 31;         // f32
export const F_ALPHA = 28;           // leaky ReLU: f32 slope for x < 0
export const F_STATS = 27;           // BatchNormalization: its batch-statistics block (per-chunk f64 sums, forward then backward)
export const F_BN_EPSILON = 28;      // BatchNormalization: f32 epsilon
export const F_BN_DECAY = 29;        // BatchNormalization: f32 1 - momentum
// Fusions (graph.ts fusedPools, fusedUpsamplings): a Conv2D runs the forward of a max pool after it or of
// an upsampling before it; that op's record is then marked F_FUSED, and its forward is skipped.
export const F_POOLED = 27;          // Conv2D: where the 2x2 max pool after it writes (0: none)
export const F_UP_X = 28;            // Conv2D: the input of the UpSampling2D before it (0: none),
export const F_UP_FH = 29;           //   which the conv reads, upsampled by these i32 factors as it pads, instead of that layer's output
export const F_UP_FW = 30;
export const F_POOL_ARGMAX = 31;     // Conv2D with F_POOLED, training: where the pool's winners go (its F_AUX); 0 in inference
export const F_FUSED = 27;           // MaxPooling2D, UpSampling2D: i32 1 when a Conv2D runs its forward (backward runs as usual)
export const F_POOL_RELU = 28;       // MaxPooling2D with F_FUSED, training: i32 1 when its backward applies the ReLU' of that
                                     //   conv, whose output (never stored) its backward cannot read

export const OP_CONV2D = 1;
export const OP_MAXPOOL2D = 2;
export const OP_UPSAMPLE2D = 3;
export const OP_DENSE = 4;
export const OP_ACTIVATION = 5;
export const OP_ADD = 6;
export const OP_SUBTRACT = 7;
export const OP_MULTIPLY = 8;
export const OP_AVERAGE = 9;
export const OP_MAXIMUM = 10;
export const OP_CONCATENATE = 11;
export const OP_GRADIENT_SUM = 12;   // backward only: dY += each table entry's buffer, in table order
export const OP_BATCH_NORM = 13;     // training: statistics of the whole batch (a barrier in forward and backward)
export const OP_DROPOUT = 20;        // training only (identity in inference), as the Gaussian noise
export const OP_GAUSSIAN_NOISE = 21;
export const OP_LEAKY_RELU = 22;
export const OP_AVGPOOL2D = 23;     // mean of each window's real elements (SAME padding left out of the count)
// Conv2DTranspose: its geometry fields hold the Conv2D it is the adjoint of (H, W, C = the transpose's
// output, OH, OW, OC = its input), so outputs are H*W*C floats per sample (assembly/conv2d-transpose.ts).
export const OP_CONV2D_TRANSPOSE = 14;

// An operand table entry: [x, dx, channels, unused]: a merge input, its gradient (0: not needed) and its
// channels per row; for a gradient sum, x is the buffer to add and the rest is unused.
export const TABLE_WORDS = 4;
export const T_X = 0;
export const T_DX = 1;
export const T_CHANNELS = 2;

// A weight penalty entry: [first parameter, count, l1, l2] (l1, l2 as f32 bits); its gradient
// l1·sign(w) + l2·2w is added to dL/dw of those parameters (Keras's kernel_regularizer).
export const REG_WORDS = 4;
export const R_OFFSET = 0;
export const R_COUNT = 1;
export const R_L1 = 2;
export const R_L2 = 3;

export const ACT_LINEAR = 0;
export const ACT_RELU = 1;
export const ACT_SIGMOID = 2;
export const ACT_TANH = 3;
export const ACT_ELU = 10;
export const ACT_SOFTPLUS = 11;
export const ACT_SELU = 12;

export const LOSS_BCE = 1;
export const LOSS_MSE = 2;
export const LOSS_MAE = 3;

export const OPT_SGD = 1;
export const OPT_ADADELTA = 2;
export const OPT_ADAM = 3;
export const OPT_ADAGRAD = 4;
export const OPT_RMSPROP = 5;
