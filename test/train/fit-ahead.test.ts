// fit with an engine that runs elsewhere (a page's Web Worker, `stepsElsewhere`): the next batch's step is
// posted before the current batch's callbacks run, the steps and losses are those of the serial loop used
// for in-process engines, an abort still reports the step already posted, and a failing step or callback
// stops fit as before. A scripted engine stands in for the worker (its steps finish on a timer).
import { runFit, type History } from '../../src/train/fit.js';
import type { Engine } from '../../src/engine/engine.js';
import type { Tensor } from '../../src/tensor.js';

class ScriptedEngine {
  readonly log: string[] = [];
  private rows: number[] = [];
  private steps = 0;
  private tail: Promise<unknown> = Promise.resolve();
  constructor(readonly stepsElsewhere: boolean, private readonly lossAt: (step: number, rows: number[]) => number = (_s, r) => r.reduce((a, b) => a + b, 0) / r.length) {}
  private running = 0;
  // As RemoteEngine's: fn starts at once when none is running.
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const r = this.running === 0 ? fn() : this.tail.then(fn);
    this.running++;
    this.tail = r.finally(() => { this.running--; }).catch(() => {});
    return r;
  }
  loadBatch(_x: Float32Array, rows: ArrayLike<number>): void { this.rows = Array.from(rows); }
  loadRange(): void {}
  evaluate(): Promise<number> { return Promise.resolve(0.5); }
  getParams(): Float32Array { return new Float32Array(2); }
  trainStep(): Promise<number> {
    const k = this.steps++, rows = this.rows;
    this.log.push(`post ${k}`);
    return new Promise((resolve) => setTimeout(() => resolve(this.lossAt(k, rows)), 2));
  }
}

const N = 10;
const x: Tensor = { data: new Float32Array(N), shape: [N, 1] };

async function fit(engine: ScriptedEngine, options: Parameters<typeof runFit>[3]): Promise<History> {
  return runFit(engine as unknown as Engine, x, x, options);
}

const base = { epochs: 2, batchSize: 3, shuffle: true, seed: 5 };

test('the same steps, losses and history as the serial loop; the next step is posted before the callback runs', async () => {
  const runs = await Promise.all([false, true].map(async (ahead) => {
    const engine = new ScriptedEngine(ahead);
    const losses: number[] = [];
    const history = await fit(engine, {
      ...base,
      onBatchEnd: async (b, logs) => {
        engine.log.push(`callback ${logs.epoch}:${b}`);
        losses.push(logs.loss);
        await new Promise((r) => setTimeout(r, 5));   // a slow callback (drawing)
      },
    });
    return { engine, losses, history };
  }));
  const [serial, ahead] = runs;
  expect(ahead.losses).toEqual(serial.losses);
  expect(ahead.history).toEqual(serial.history);
  expect(serial.losses).toHaveLength(8);
  expect(serial.engine.log.slice(0, 4)).toEqual(['post 0', 'callback 0:0', 'post 1', 'callback 0:1']);
  expect(ahead.engine.log.slice(0, 4)).toEqual(['post 0', 'post 1', 'callback 0:0', 'post 2']);
  // Not across epochs: validation and onEpochEnd see the epoch's last weights.
  const lastOfEpoch = ahead.engine.log.indexOf('callback 0:3');
  expect(ahead.engine.log[lastOfEpoch + 1]).toBe('post 4');
});

test('an abort in a callback: the step already posted runs and is reported, then fit stops', async () => {
  for (const [ahead, reported] of [[false, 2], [true, 3]] as const) {
    const engine = new ScriptedEngine(ahead);
    const controller = new AbortController();
    const batches: number[] = [];
    const history = await fit(engine, {
      ...base, signal: controller.signal,
      onBatchEnd: (b) => { batches.push(b); if (b === 1) controller.abort(); },
    });
    expect(history.aborted).toBe(true);
    expect(batches).toHaveLength(reported);
    expect(engine.log.filter((l) => l.startsWith('post'))).toHaveLength(reported);
  }
});

test('a NaN loss stops fit before another step is posted', async () => {
  const engine = new ScriptedEngine(true, (step) => (step === 1 ? NaN : 0.25));
  await expect(fit(engine, base)).rejects.toThrow(/fit: the loss became NaN at epoch 1, batch 2 of 4/);
  expect(engine.log).toEqual(['post 0', 'post 1']);
});

test('a callback that throws rejects fit, and the step posted ahead of it is not left unhandled', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    const engine = new ScriptedEngine(true);
    engine.trainStep = function (this: ScriptedEngine) {
      this.log.push('post');
      return this.log.length > 1 ? Promise.reject(new Error('the worker failed')) : Promise.resolve(0.25);
    };
    await expect(fit(engine, { ...base, onBatchEnd: () => { throw new Error('the callback failed'); } })).rejects.toThrow('the callback failed');
    await new Promise((r) => setTimeout(r, 20));
    expect(engine.log).toEqual(['post', 'post']);
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
