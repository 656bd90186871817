// The fit driver: epochs of (optionally shuffled) batches, one wasm call per batch, with callbacks,
// validation and cancellation. All randomness comes from the seed.
import type { Engine } from '../engine/engine.js';
import type { Tensor } from '../tensor.js';
import { Random } from '../random.js';

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
  validationData?: [Tensor, Tensor];
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
  inputsForEpoch?: (epoch: number) => Tensor;
}

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
export async function meanLossOver(engine: Engine, x: Tensor, y: Tensor, batchSize: number): Promise<number> {
  const N = x.shape[0];
  let sum = 0;
  for (let start = 0; start < N; start += batchSize) {
    const n = Math.min(batchSize, N - start);
    sum += (await engine.exclusive(async () => { engine.loadRange(x.data, start, n, y.data); return engine.evaluate(n); })) * n;
  }
  return sum / N;
}

/** Index of the first NaN or Infinity in a, or -1. */
function firstNonFinite(a: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

/** Runs the training loop; the caller has validated the data. */
export async function runFit(engine: Engine, x: Tensor, y: Tensor, o: Required<Pick<FitOptions, 'epochs' | 'batchSize' | 'shuffle' | 'seed'>> & FitOptions): Promise<History> {
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
      if (!Number.isFinite(loss)) {
        throw new Error(`fit: the loss became ${loss} at epoch ${epoch + 1}, batch ${b + 1} of ${batches}: ` +
          'lower the learning rate, or check the data for extreme values (the weights are those after the failing step)');
      }
      const bad = firstNonFinite(engine.getParams());
      if (bad >= 0) {
        throw new Error(`fit: a weight became ${engine.getParams()[bad]} at epoch ${epoch + 1}, batch ${b + 1} of ${batches} ` +
          `(parameter ${bad}; the batch's loss was ${loss}): lower the learning rate, or check the data for extreme values ` +
          '(the weights are those after the failing step)');
      }
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
    const logs: EpochLogs = { loss: sum / N };
    history.epoch.push(epoch);
    history.history.loss.push(logs.loss);
    if (o.validationData) {
      logs.val_loss = await meanLossOver(engine, o.validationData[0], o.validationData[1], o.batchSize);
      history.history.val_loss!.push(logs.val_loss);
    }
    if (o.onEpochEnd) await o.onEpochEnd(epoch, logs);
  }
  return history;
}
