// The fit driver: epochs of (optionally shuffled) batches, one wasm call per batch, with callbacks,
// validation and cancellation. All randomness comes from the seed.
import type { Engine } from '../engine/engine.js';
import type { Images } from '../tensor.js';
import { Random } from '../random.js';
import { firstNonFinite, type OptionSpec } from './validate.js';

/** Per-epoch metrics, as in Keras/TF.js: `history.history.loss[e]`, `history.history.val_loss[e]`. */
export interface History {
  epoch: number[];
  history: { loss: number[]; val_loss?: number[] };
  /** True when an AbortSignal stopped training early (the model keeps the weights it had reached). */
  aborted: boolean;
}

export interface BatchLogs { epoch: number; batch: number; size: number; loss: number }
export interface EpochLogs { loss: number; val_loss?: number }

export interface FitOptions {
  epochs?: number;
  batchSize?: number;
  /** Shuffle the samples every epoch (default true), with a PRNG seeded by `seed`. */
  shuffle?: boolean;
  seed?: number;
  /** Held-out [x, y] (Tensors or ByteTensors), scored after every epoch as val_loss. */
  validationData?: [Images, Images];
  /**
   * After each batch. In-process engines (Node) wait for it before the next step; a page's engine (in a
   * Web Worker) trains the next batch of the epoch meanwhile, so there it must not change the weights.
   */
  onBatchEnd?: (batch: number, logs: BatchLogs) => void | Promise<void>;
  onEpochEnd?: (epoch: number, logs: EpochLogs) => void | Promise<void>;
  /**
   * Aborting stops training before the next batch (in a page: after the step already posted, which is
   * reported); fit then resolves with what it has.
   */
  signal?: AbortSignal;
  /**
   * Called at the start of every epoch to make that epoch's inputs (e.g. fresh noise on the clean
   * targets); default: the x given to fit, every epoch.
   */
  inputsForEpoch?: (epoch: number) => Images;
}

export const FIT_OPTIONS: OptionSpec<FitOptions> = {
  epochs: 'value', batchSize: 'value', shuffle: 'value', seed: 'value', validationData: 'value', onBatchEnd: 'function',
  onEpochEnd: 'function', signal: 'value', inputsForEpoch: 'function',
};

/** Keras and TF.js fit options that fit does not take, and what to do instead. */
export const FIT_NOTES: Readonly<Record<string, string>> = {
  validationSplit: 'hold the samples out yourself and pass validationData: [xVal, yVal] ' +
    '(e.g. the last 10%: sliceRows(x, n - k, n) and sliceRows(y, n - k, n), training on sliceRows(x, 0, n - k))',
  callbacks: 'pass onBatchEnd and onEpochEnd (and signal, to stop early) as options of their own',
  verbose: 'fit prints nothing; log from onEpochEnd: (epoch, logs) => console.log(epoch, logs.loss)',
};

/**
 * Marks an engine whose requests queue on another thread in the order posted (the browser's RemoteEngine):
 * fit may post the next batch's step before the current batch's callbacks have run.
 */
export interface StepsElsewhere { readonly stepsElsewhere: true }

/** Lets timers, I/O and abort handlers run between batches (setImmediate avoids the 4 ms timer clamp). */
export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((r) => setImmediate(r));
  return new Promise((r) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => { ch.port1.close(); r(); };
    ch.port2.postMessage(0);
  });
}

/** Mean loss over a data set, in batches (samples weigh equally). */
export async function meanLossOver(engine: Engine, x: Images, y: Images, batchSize: number): Promise<number> {
  const N = x.shape[0];
  let sum = 0;
  for (let start = 0; start < N; start += batchSize) {
    const n = Math.min(batchSize, N - start);
    sum += (await engine.exclusive(async () => { engine.loadRange(x.data, start, n, y.data); return engine.evaluate(n); })) * n;
  }
  return sum / N;
}

/** Runs the training loop; the caller has validated the data. */
export async function runFit(engine: Engine, x: Images, y: Images, o: Required<Pick<FitOptions, 'epochs' | 'batchSize' | 'shuffle' | 'seed'>> & FitOptions): Promise<History> {
  const N = x.shape[0];
  const rng = new Random(o.seed);
  const order = new Int32Array(N);
  const history: History = { epoch: [], history: { loss: [] }, aborted: false };
  if (o.validationData) history.history.val_loss = [];
  const batches = Math.ceil(N / o.batchSize);
  const stepsElsewhere = (engine as Partial<StepsElsewhere>).stepsElsewhere === true;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = 0; i < N; i++) order[i] = i;
    if (o.shuffle) rng.shuffle(order);
    const xs = o.inputsForEpoch ? o.inputsForEpoch(epoch) : x;
    const rowsOf = (b: number) => order.subarray(b * o.batchSize, Math.min(N, (b + 1) * o.batchSize));
    const send = (b: number) => engine.exclusive(async () => {
      const rows = rowsOf(b);
      engine.loadBatch(xs.data, rows, y.data);
      return engine.trainStep(rows.length);
    });
    let sum = 0;
    let sent: Promise<number> | null = null;   // batch b's step, already posted (engines that run elsewhere)
    for (let b = 0; b < batches; b++) {
      if (!sent) {
        if (o.signal?.aborted) {
          history.aborted = true;
          return history;
        }
        sent = send(b);
      }
      const loss = await sent;
      sent = null;
      const size = rowsOf(b).length;
      checkStep(engine, loss, `epoch ${epoch + 1}, batch ${b + 1} of ${batches}`);
      sum += loss * size;
      // An engine in another thread (a page's Web Worker) trains the next batch while this one's callbacks
      // run, so slow callbacks never leave it idle; the steps and their order are the same. A step sent
      // before an abort still runs and is reported. In-process engines keep callbacks strictly between steps.
      if (stepsElsewhere && b + 1 < batches && !o.signal?.aborted) {
        sent = send(b + 1);
        sent.catch(() => {});   // awaited next iteration; a callback that throws first must not leave it unhandled
      }
      if (o.onBatchEnd) await o.onBatchEnd(b, { epoch, batch: b, size, loss });
      await yieldToEventLoop();
    }
    await endEpoch(engine, history, epoch, sum / N, o, () => meanLossOver(engine, o.validationData![0], o.validationData![1], o.batchSize));
  }
  return history;
}

// After a step: a non-finite loss or weight stops training with the step that caused it.
function checkStep(engine: Engine, loss: number, where: string): void {
  if (!Number.isFinite(loss)) {
    throw new Error(`fit: the loss became ${loss} at ${where}: ` +
      'lower the learning rate, or check the data for extreme values (the weights are those after the failing step)');
  }
  const params = engine.getParams();
  const bad = firstNonFinite(params);
  if (bad >= 0) {
    throw new Error(`fit: a weight became ${params[bad]} at ${where} ` +
      `(parameter ${bad}; the batch's loss was ${loss}): lower the learning rate, or check the data for extreme values ` +
      '(the weights are those after the failing step)');
  }
}

// An epoch's logs into the history (and validation, when there is any), then onEpochEnd.
async function endEpoch(engine: Engine, history: History, epoch: number, loss: number,
    o: { validationData?: unknown; onEpochEnd?: FitOptions['onEpochEnd'] }, validate: () => Promise<number>): Promise<void> {
  const logs: EpochLogs = { loss };
  history.epoch.push(epoch);
  history.history.loss.push(logs.loss);
  if (o.validationData) {
    logs.val_loss = await validate();
    history.history.val_loss!.push(logs.val_loss);
  }
  if (o.onEpochEnd) await o.onEpochEnd(epoch, logs);
}

/** One batch of a streamed data set: inputs and targets of the same N samples (Tensors or ByteTensors). */
export interface Batch {
  xs: Images;
  ys: Images;
}

/**
 * A data set fit() reads one batch at a time (TF.js's fitDataset): an async or sync iterable of
 * batches, e.g. an async generator that reads files lazily. Without `batchesPerEpoch` every epoch
 * iterates it again from the start, so it must start over when asked (an object whose
 * [Symbol.asyncIterator]() begins anew, as patchBatches() returns; a generator object cannot).
 */
export type BatchSource = AsyncIterable<Batch> | Iterable<Batch>;

/** Options of fit(source, options): as FitOptions, without what a stream cannot have (shuffle, batchSize). */
export interface FitDatasetOptions {
  epochs?: number;
  /**
   * Batches per epoch. Given: one iterator serves the whole fit, epochs take the next batchesPerEpoch
   * batches each (an endless source works), and running out early is an error. Not given: an epoch
   * is one full pass over the source.
   */
  batchesPerEpoch?: number;
  /** Held-out data scored after every epoch as val_loss: [x, y], or a finite re-iterable source. */
  validationData?: [Images, Images] | BatchSource;
  /** Samples per validation step when validationData is [x, y] (default 128; the result does not depend on it beyond rounding). */
  validationBatchSize?: number;
  onBatchEnd?: FitOptions['onBatchEnd'];
  onEpochEnd?: FitOptions['onEpochEnd'];
  signal?: AbortSignal;
}

export const FIT_DATASET_OPTIONS: OptionSpec<FitDatasetOptions> = {
  epochs: 'value', batchesPerEpoch: 'value', validationData: 'value', validationBatchSize: 'value',
  onBatchEnd: 'function', onEpochEnd: 'function', signal: 'value',
};

/** FitOptions that a stream cannot take, and what to do instead. */
export const FIT_DATASET_NOTES: Readonly<Record<string, string>> = {
  ...FIT_NOTES,
  batchSize: "a stream's batches are as big as the source makes them (patchBatches(pictures, { batchSize }))",
  shuffle: 'a stream is read in order; shuffle in the source (patchBatches draws random patches)',
  inputsForEpoch: 'a stream brings its own inputs with every batch ({ xs, ys })',
};

/** True for something fit() reads as a stream of batches rather than as an x tensor. */
export function isBatchSource(v: unknown): v is BatchSource {
  return typeof v === 'object' && v !== null && !('data' in v) &&
    (typeof (v as AsyncIterable<Batch>)[Symbol.asyncIterator] === 'function' || typeof (v as Iterable<Batch>)[Symbol.iterator] === 'function');
}

type AnyIterator = AsyncIterator<Batch> | Iterator<Batch>;

function openIterator(source: BatchSource): AnyIterator {
  const a = (source as AsyncIterable<Batch>)[Symbol.asyncIterator];
  return typeof a === 'function' ? a.call(source) : (source as Iterable<Batch>)[Symbol.iterator]();
}

/** Checks one streamed batch and returns its sample count; `where` names it in errors. */
export type BatchCheck = (batch: Batch, where: string) => number;

/** fit over a stream of batches; `check` validates each batch (shapes, finiteness) before it runs. */
export async function runFitDataset(engine: Engine, source: BatchSource, o: FitDatasetOptions & { epochs: number },
    check: BatchCheck): Promise<History> {
  const history: History = { epoch: [], history: { loss: [] }, aborted: false };
  if (o.validationData) history.history.val_loss = [];
  const shared = o.batchesPerEpoch !== undefined ? openIterator(source) : null;
  let it: AnyIterator | null = null;
  try {
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      it = shared ?? openIterator(source);
      let sum = 0, samples = 0, b = 0;
      for (; o.batchesPerEpoch === undefined || b < o.batchesPerEpoch; b++) {
        if (o.signal?.aborted) {
          history.aborted = true;
          return history;
        }
        const next = await it.next();
        if (next.done) {
          if (o.batchesPerEpoch === undefined) break;
          throw new Error(`fit: the data source ended after ${b} batch${b === 1 ? '' : 'es'} of epoch ${epoch + 1}, but ` +
            `batchesPerEpoch is ${o.batchesPerEpoch} for ${o.epochs} epochs: make the source longer (or endless), or lower ` +
            'batchesPerEpoch (the weights are those after the last batch)');
        }
        if (o.signal?.aborted) {
          history.aborted = true;
          return history;
        }
        const where = `epoch ${epoch + 1}, batch ${b + 1}`;
        const batch = next.value;
        const n = check(batch, `fit: ${where}`);
        const loss = await engine.exclusive(async () => { engine.loadRange(batch.xs.data, 0, n, batch.ys.data); return engine.trainStep(n); });
        checkStep(engine, loss, where);
        sum += loss * n;
        samples += n;
        if (o.onBatchEnd) await o.onBatchEnd(b, { epoch, batch: b, size: n, loss });
        await yieldToEventLoop();
      }
      if (samples === 0) {
        throw new Error(`fit: the data source gave no batches in epoch ${epoch + 1}` + (epoch > 0 ? ': it cannot start over ' +
          '(a generator object runs once); pass batchesPerEpoch, or a source whose [Symbol.asyncIterator]() starts a new pass' : ''));
      }
      if (!shared) await closeIterator(it);
      it = null;
      await endEpoch(engine, history, epoch, sum / samples, o, () => validationLoss(engine, o, check));
    }
  } finally {
    if (it) await closeIterator(it);
    if (shared && shared !== it) await closeIterator(shared);
  }
  return history;
}

async function closeIterator(it: AnyIterator): Promise<void> {
  try {
    await it.return?.();
  } catch {
    // a source that fails to close must not hide the training result or the first error
  }
}

// Mean loss over validation data given as [x, y] (checked by the caller) or as a stream of batches.
async function validationLoss(engine: Engine, o: FitDatasetOptions, check: BatchCheck): Promise<number> {
  const v = o.validationData!;
  if (Array.isArray(v)) return meanLossOver(engine, v[0], v[1], o.validationBatchSize ?? 128);
  let sum = 0, samples = 0, b = 0;
  const it = openIterator(v as BatchSource);
  try {
    for (let next = await it.next(); !next.done; next = await it.next(), b++) {
      const batch = next.value;
      const n = check(batch, `fit: validationData batch ${b + 1}`);
      sum += (await engine.exclusive(async () => { engine.loadRange(batch.xs.data, 0, n, batch.ys.data); return engine.evaluate(n); })) * n;
      samples += n;
    }
  } finally {
    await closeIterator(it);
  }
  if (samples === 0) throw new Error('fit: validationData gave no batches (a validation source must start over every epoch)');
  return sum / samples;
}
