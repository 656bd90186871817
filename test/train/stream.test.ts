// fit over a stream of batches (TF.js's fitDataset): equal to the in-memory fit on the same batches,
// epochs, batchesPerEpoch, validation, callbacks, abort and clear errors.
import { presets, byteTensor, sliceRows, toFloat, Random, Sequential as SequentialModel, layers as layersOf, type Batch, type ByteTensor } from '../../src/index.js';

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function bytes(n: number, seed: number): ByteTensor {
  const r = new Random(seed);
  return byteTensor(Uint8Array.from({ length: n * 784 }, () => Math.floor(r.uniform() * 256)), [n, 28, 28, 1]);
}

/** Rows of t in the given order. */
function gather(t: ByteTensor, rows: Int32Array): ByteTensor {
  const out = new Uint8Array(rows.length * 784);
  rows.forEach((r, i) => out.set(t.data.subarray(r * 784, (r + 1) * 784), i * 784));
  return byteTensor(out, [rows.length, 28, 28, 1]);
}

const x = bytes(50, 1), y = bytes(50, 2);

/** The batches in-memory fit makes with shuffle and this seed, as a source that starts over every epoch. */
function sameBatches(seed: number, batchSize: number): AsyncIterable<Batch> {
  const rng = new Random(seed);
  return {
    async *[Symbol.asyncIterator]() {
      const order = Int32Array.from({ length: 50 }, (_, i) => i);
      rng.shuffle(order);
      for (let at = 0; at < 50; at += batchSize) {
        const rows = order.subarray(at, at + batchSize);
        yield { xs: gather(x, rows), ys: gather(y, rows) };
      }
    },
  };
}

test('streaming fit equals the in-memory fit on the same batches, bit for bit (losses, val_loss, weights)', async () => {
  const a = presets.kerasTutorial({ threads: 1, seed: 5 });
  const ha = await a.fit(x, y, { epochs: 3, batchSize: 16, seed: 7, validationData: [x, y] });
  const b = presets.kerasTutorial({ threads: 1, seed: 5 });
  const hb = await b.fit(sameBatches(7, 16), { epochs: 3, validationData: [x, y], validationBatchSize: 16 });
  expect(hb.history.loss).toEqual(ha.history.loss);
  expect(hb.history.val_loss).toEqual(ha.history.val_loss);
  b.getWeights().forEach((w, i) => expect(bits(w.data)).toEqual(bits(a.getWeights()[i].data)));
  expect(hb.history.loss[2]).toBeLessThan(hb.history.loss[0]);
  // Float batches of the same values give the same bits again.
  const c = presets.kerasTutorial({ threads: 1, seed: 5 });
  const floats = sameBatches(7, 16);
  const hc = await c.fit({ async *[Symbol.asyncIterator]() { for await (const bt of floats) yield { xs: toFloat(bt.xs), ys: toFloat(bt.ys) }; } }, { epochs: 3 });
  expect(hc.history.loss).toEqual(ha.history.loss);
  [a, b, c].forEach((m) => m.dispose());
});

test('batchesPerEpoch reads an endless generator across epochs; callbacks see every batch; same source, same result', async () => {
  async function* endless(seed: number) {
    const r = new Random(seed);
    for (;;) {
      const rows = Int32Array.from({ length: 8 }, () => Math.floor(r.uniform() * 50));
      yield { xs: gather(x, rows), ys: gather(y, rows) };
    }
  }
  const seen: string[] = [];
  const run = async () => {
    const m = presets.kerasTutorial({ threads: 1 });
    const h = await m.fit(endless(3), {
      epochs: 2, batchesPerEpoch: 3, validationData: sameBatches(1, 25),
      onBatchEnd: (b, logs) => { seen.push(`${logs.epoch}:${b}:${logs.size}`); },
      onEpochEnd: (e, logs) => { seen.push(`end ${e} ${logs.val_loss !== undefined}`); },
    });
    const w = m.getWeights();
    m.dispose();
    return { h, w };
  };
  const r1 = await run();
  expect(seen).toEqual(['0:0:8', '0:1:8', '0:2:8', 'end 0 true', '1:0:8', '1:1:8', '1:2:8', 'end 1 true']);
  expect(r1.h.history.loss).toHaveLength(2);
  expect(r1.h.history.val_loss).toHaveLength(2);
  const r2 = await run();
  expect(r2.h.history).toEqual(r1.h.history);
  r2.w.forEach((w, i) => expect(bits(w.data)).toEqual(bits(r1.w[i].data)));
});

test('abort stops before the next batch and closes the source', async () => {
  let closed = false;
  async function* src() {
    try {
      for (;;) yield { xs: sliceRows(x, 0, 4), ys: sliceRows(y, 0, 4) };
    } finally {
      closed = true;
    }
  }
  const stop = new AbortController();
  const m = presets.kerasTutorial({ threads: 1 });
  let batches = 0;
  const h = await m.fit(src(), { epochs: 5, batchesPerEpoch: 10, signal: stop.signal, onBatchEnd: () => { if (++batches === 4) stop.abort(); } });
  expect(h.aborted).toBe(true);
  expect(batches).toBe(4);
  expect(closed).toBe(true);
  m.dispose();
});

test('clear errors: a source that runs out, a generator reused without batchesPerEpoch, a bad batch', async () => {
  const m = presets.kerasTutorial({ threads: 1 });
  function* three() { for (let i = 0; i < 3; i++) yield { xs: sliceRows(x, 0, 4), ys: sliceRows(y, 0, 4) }; }
  await expect(m.fit(three(), { epochs: 2, batchesPerEpoch: 2 })).rejects.toThrow(
    'fit: the data source ended after 1 batch of epoch 2, but batchesPerEpoch is 2 for 2 epochs');
  await expect(m.fit(three(), { epochs: 2 })).rejects.toThrow(
    'fit: the data source gave no batches in epoch 2: it cannot start over (a generator object runs once)');
  await expect(m.fit([{ xs: sliceRows(x, 0, 4), ys: sliceRows(y, 0, 3) }], { epochs: 1 })).rejects.toThrow(
    'fit: epoch 1, batch 1: x has 4 samples but y has 3');
  await expect(m.fit([{ x: 1 } as unknown as Batch], {})).rejects.toThrow('fit: epoch 1, batch 1: a batch must be { xs, ys }');
  await expect(m.fit([], { batchesPerEpoch: 0 })).rejects.toThrow('fit: batchesPerEpoch must be a positive integer, got 0');
  m.dispose();
});

test('fit(clean, clean) with a GaussianNoise layer: a denoiser from bytes alone, no noisy copy', async () => {
  const make = () => {
    const m = new SequentialModel({ inputShape: [28, 28, 1], seed: 2, threads: 1 }, [
      layersOf.gaussianNoise({ stddev: 0.4, clip: [0, 1] }),
      layersOf.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
      layersOf.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid' }),
    ]);
    m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    return m;
  };
  const a = make(), b = make();
  const ha = await a.fit(x, x, { epochs: 3, batchSize: 16, seed: 1 });
  const hb = await b.fit(toFloat(x), toFloat(x), { epochs: 3, batchSize: 16, seed: 1 });
  expect(hb.history.loss).toEqual(ha.history.loss);   // bytes and floats: the same run
  expect(ha.history.loss[2]).toBeLessThan(ha.history.loss[0]);
  // The noise is for training only: predictions are deterministic and equal for bytes and floats.
  expect(bits((await a.predict(x)).data)).toEqual(bits((await a.predict(toFloat(x))).data));
  a.dispose(); b.dispose();
});
