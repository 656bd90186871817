// The model API: shapes, summary, weights, determinism, and the errors users get for bad input.
import { Sequential, layers, presets, tensor, Random, type Tensor } from '../src/index.js';

function images(n: number, seed: number, scale = 1): Tensor {
  const r = new Random(seed);
  return tensor(Float32Array.from({ length: n * 784 }, () => r.uniform() * scale), [n, 28, 28, 1]);
}

describe('the Keras tutorial preset', () => {
  test('has the tutorial shapes and 4,385 parameters, and summary() prints them like Keras', () => {
    const model = presets.kerasTutorial();
    expect(model.countParams()).toBe(4385);
    expect(model.layers.map((l) => l.outputShape)).toEqual([
      [28, 28, 16], [14, 14, 16], [14, 14, 8], [7, 7, 8], [7, 7, 8], [4, 4, 8],
      [4, 4, 8], [8, 8, 8], [8, 8, 8], [16, 16, 8], [14, 14, 16], [28, 28, 16], [28, 28, 1],
    ]);
    const text = model.summary(null);
    expect(text).toContain('conv2d_5 (Conv2D)');
    expect(text).toMatch(/conv2d_5 \(Conv2D\)\s+\(None, 14, 14, 16\)\s+1,168/);
    expect(text).toContain('Total params: 4,385');
  });

  test('getWeights() returns Keras order and layout (kernel HWIO, then bias); Glorot-uniform within its limit', () => {
    const w = presets.kerasTutorial().getWeights();
    expect(w.map((t) => t.name).slice(0, 4)).toEqual(['conv2d/kernel', 'conv2d/bias', 'conv2d_1/kernel', 'conv2d_1/bias']);
    expect(w[2].shape).toEqual([3, 3, 16, 8]);
    const limit = Math.sqrt(6 / (3 * 3 * 16 + 3 * 3 * 8));
    expect(Math.max(...w[2].data.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...w[2].data.map(Math.abs))).toBeGreaterThan(0.9 * limit);
    expect(w[1].data.every((v) => v === 0)).toBe(true);
  });

  test('the dense autoencoder preset: 784 -> 32 -> 784, 50,992 parameters', () => {
    const m = presets.denseAutoencoder();
    expect(m.outputShape).toEqual([784]);
    expect(m.countParams()).toBe(784 * 32 + 32 + 32 * 784 + 784);
  });
});

describe('training', () => {
  test('same seeds give bit-identical losses and weights; another fit seed shuffles differently', async () => {
    const x = images(40, 1), y = images(40, 2);
    const run = async (fitSeed: number) => {
      const m = presets.kerasTutorial({ seed: 7 });
      const h = await m.fit(x, y, { epochs: 2, batchSize: 16, seed: fitSeed });
      return { loss: h.history.loss, w: m.getWeights() };
    };
    const a = await run(1), b = await run(1), c = await run(2);
    expect(b.loss).toEqual(a.loss);
    a.w.forEach((w, i) => expect(b.w[i].data).toEqual(w.data));
    expect(c.loss[1]).not.toEqual(a.loss[1]);
  });

  test('fit reports loss and val_loss per epoch, callbacks see every batch, evaluate matches val_loss', async () => {
    const m = presets.kerasTutorial();
    const x = images(20, 3), y = images(20, 4), xv = images(6, 5), yv = images(6, 6);
    const batches: number[] = [];
    const epochs: number[] = [];
    const h = await m.fit(x, y, {
      epochs: 2, batchSize: 8, validationData: [xv, yv],
      onBatchEnd: (b, logs) => { batches.push(b); expect(logs.size).toBe(b === 2 ? 4 : 8); },
      onEpochEnd: (e, logs) => { epochs.push(e); expect(logs.val_loss).toBeGreaterThan(0); },
    });
    expect(batches).toEqual([0, 1, 2, 0, 1, 2]);
    expect(epochs).toEqual([0, 1]);
    expect(h.history.loss).toHaveLength(2);
    expect(await m.evaluate(xv, yv)).toBeCloseTo(h.history.val_loss![1], 6);
    expect(await m.evaluate(xv, yv, { batchSize: 4 })).toBeCloseTo(h.history.val_loss![1], 6);
  });

  test('predict does not depend on batch size', async () => {
    const m = presets.kerasTutorial();
    const x = images(13, 8);
    const a = await m.predict(x, { batchSize: 13 });
    const b = await m.predict(x, { batchSize: 4 });
    expect(b.data).toEqual(a.data);
    expect(a.shape).toEqual([13, 28, 28, 1]);
  });

  test('an AbortSignal stops fit at the next batch and leaves the model usable', async () => {
    const m = presets.kerasTutorial();
    const x = images(32, 9);
    const ac = new AbortController();
    let seen = 0;
    const h = await m.fit(x, x, { epochs: 5, batchSize: 4, signal: ac.signal, onBatchEnd: () => { if (++seen === 3) ac.abort(); } });
    expect(h.aborted).toBe(true);
    expect(seen).toBe(3);
    expect(h.history.loss).toHaveLength(0);
    const again = await m.fit(x, x, { epochs: 1, batchSize: 16 });
    expect(again.aborted).toBe(false);
    expect((await m.predict(x)).data.every(Number.isFinite)).toBe(true);
  });

  test('a loss that becomes NaN or infinite stops fit with the epoch and batch', async () => {
    const m = new Sequential({ inputShape: [4] }, [layers.dense({ units: 4 })]);
    m.compile({ optimizer: { type: 'sgd', learningRate: 1e12 }, loss: 'mse' });
    const x = tensor(new Float32Array(32).fill(3), [8, 4]);
    await expect(m.fit(x, x, { epochs: 20, batchSize: 2 })).rejects.toThrow(/(the loss|a weight) became (NaN|Infinity) at epoch \d+, batch \d+ of 4/);
  });

  test('setWeights round-trips and changes predictions; dispose keeps the weights', async () => {
    const a = presets.kerasTutorial({ seed: 1 }), b = presets.kerasTutorial({ seed: 2 });
    const x = images(3, 10);
    expect((await a.predict(x)).data).not.toEqual((await b.predict(x)).data);
    b.setWeights(a.getWeights());
    expect((await b.predict(x)).data).toEqual((await a.predict(x)).data);
    b.dispose();
    expect((await b.predict(x)).data).toEqual((await a.predict(x)).data);
  });
});

describe('bad input gets a clear error before any work', () => {
  const m = presets.kerasTutorial();
  const x = images(4, 1);
  test.each([
    ['wrong image size', () => m.fit(tensor(new Float32Array(4 * 100), [4, 10, 10, 1]), x), /shape \[4, 10, 10, 1\] does not match the model's \[-1, 28, 28, 1\]/],
    ['missing batch axis', () => m.predict(tensor(new Float32Array(784), [28, 28, 1])), /add the batch axis/],
    ['x and y lengths differ', () => m.fit(x, images(3, 2)), /x has 4 samples but y has 3/],
    ['NaN in x', () => { const d = x.data.slice(); d[800] = NaN; return m.fit(tensor(d, x.shape), x); }, /x contains NaN at sample 1, element 16/],
    ['NaN in a later predict batch (checked in wasm as loaded)', () => { const d = images(6, 3).data; d[5 * 784 + 7] = NaN; return m.predict(tensor(d, [6, 28, 28, 1]), { batchSize: 2 }); }, /predict: x contains NaN at sample 5, element 7/],
    ['-Infinity in a flat predict input', () => { const d = images(3, 3).data; d[784 + 783] = -Infinity; return m.predict(tensor(d, [3, 784])); }, /predict: x contains -Infinity at sample 1, element 783/],
    ['Infinity in y', () => { const d = x.data.slice(); d[5] = Infinity; return m.fit(x, tensor(d, x.shape)); }, /y contains Infinity/],
    ['0-255 targets with cross-entropy', () => m.fit(x, images(4, 2, 255)), /scale 0-255 pixels by 1\/255/],
    ['negative targets with cross-entropy', () => m.fit(x, tensor(x.data.map((v) => v - 0.5), x.shape)), /needs targets in \[0, 1\]/],
    ['NaN target with cross-entropy', () => { const d = x.data.slice(); d[790] = NaN; return m.fit(x, tensor(d, x.shape)); }, /y contains NaN at sample 1, element 6/],
    ['-Infinity target with cross-entropy', () => { const d = x.data.slice(); d[3] = -Infinity; return m.fit(x, tensor(d, x.shape)); }, /y contains -Infinity at sample 0/],
    ['a target just above 1', () => { const d = x.data.slice(); d[9] = 1.0000001; return m.fit(x, tensor(d, x.shape)); }, /values in \[0.000\d+, 1.0000001192092896\], .*clip them to \[0, 1\]/],
    ['a target just below 0', () => { const d = x.data.slice(); d[9] = -1e-30; return m.fit(x, tensor(d, x.shape)); }, /values in \[-1.0000000031710769e-30, .*clip them to \[0, 1\]/],
    ['batch size 0', () => m.fit(x, x, { batchSize: 0 }), /batchSize must be a positive integer, got 0/],
    ['fractional epochs', () => m.fit(x, x, { epochs: 1.5 }), /epochs must be a positive integer, got 1.5/],
    ['data of the wrong length', () => m.predict({ data: new Float32Array(10), shape: [1, 28, 28, 1] }), /holds 784 values but data has 10/],
  ])('%s', async (_name, call, message) => {
    await expect(call()).rejects.toThrow(message);
  });

  test('predict finds a NaN in the scalar build too, and in the last, partial batch', async () => {
    const scalar = presets.kerasTutorial({ variant: 'scalar' });
    const d = images(5, 4).data;
    d[4 * 784 + 780] = NaN;
    await expect(scalar.predict(tensor(d, [5, 28, 28, 1]), { batchSize: 3 })).rejects.toThrow(/predict: x contains NaN at sample 4, element 780/);
    scalar.dispose();
  });

  test('cross-entropy targets of exactly 0, -0 and 1 are in range', async () => {
    const d = x.data.slice();
    d.set([0, -0, 1, 1, -0], 100);
    await expect(m.fit(x, tensor(d, x.shape), { epochs: 1 })).resolves.toBeDefined();
  });

  test('layer stacks whose shapes do not work out', () => {
    expect(() => new Sequential({ inputShape: [28, 28, 1] }, [layers.flatten(), layers.dense({ units: 4 }), layers.conv2d({ filters: 2, kernelSize: 3 })]))
      .toThrow(/layer 2 \(conv2d\) does not fit its input \[4\]: .*expects an image input/);
    expect(() => new Sequential({ inputShape: [784] }, [layers.conv2d({ filters: 2, kernelSize: 3 })]))
      .toThrow(/add layers.reshape/);
    expect(() => new Sequential({ inputShape: [4, 4, 1] }, [layers.conv2d({ filters: 2, kernelSize: 5 })]))
      .toThrow(/smaller than the 5x5 window/);
    expect(() => new Sequential({ inputShape: [10] }, [layers.reshape({ targetShape: [3, 3] })])).toThrow(/cannot reshape \[10\]/);
    expect(() => layers.conv2d({ filters: 0, kernelSize: 3 })).toThrow(/filters must be a positive integer/);
    expect(() => layers.conv2d({ filters: 2, kernelSize: 3, activation: 'softmax' as never })).toThrow(/unknown activation "softmax"/);
    expect(() => layers.maxPooling2d({ padding: 'full' as never })).toThrow(/padding must be 'same' or 'valid'/);
  });

  test('compile and weights', () => {
    const d = new Sequential({ inputShape: [3] }, [layers.dense({ units: 2 })]);
    expect(() => d.compile({ optimizer: 'adamw' as never, loss: 'mse' })).toThrow(/unknown optimizer "adamw"/);
    expect(() => d.compile({ optimizer: 'adam', loss: 'hinge' })).toThrow(/unknown loss "hinge"/);
    expect(() => d.compile({ optimizer: { type: 'adam', learningRate: -1 }, loss: 'mse' })).toThrow(/learningRate must be a finite number >= 0/);
    expect(() => d.setWeights([new Float32Array(6)])).toThrow(/has 2 weight tensors \(dense\/kernel, dense\/bias\), got 1/);
    expect(() => d.setWeights([new Float32Array(5), new Float32Array(2)])).toThrow(/dense\/kernel needs a Float32Array of 6 values \(shape \[3,2\]\) or \{ data: Float32Array \}, got a Float32Array of 5 values/);
    expect(() => d.setWeights([new Float32Array(6).fill(NaN), new Float32Array(2)])).toThrow(/dense\/kernel contains NaN/);
  });

  test('inputsForEpoch must give as many finite samples as y', async () => {
    const m = presets.kerasTutorial({ threads: 1 });
    const x = images(8, 1);
    await expect(m.fit(x, x, { epochs: 2, inputsForEpoch: (e) => (e === 0 ? x : images(2, 3)) }))
      .rejects.toThrow(/inputsForEpoch\(1\) gave 2 samples but y has 8/);
    const bad = x.data.slice(); bad[5] = NaN;
    await expect(m.fit(x, x, { epochs: 1, inputsForEpoch: () => tensor(bad, x.shape) })).rejects.toThrow(/inputsForEpoch\(0\) contains NaN/);
    expect(m.getWeights().every((w) => w.data.every(Number.isFinite))).toBe(true);
  });

  test('fit before compile', async () => {
    const d = new Sequential({ inputShape: [3] }, [layers.dense({ units: 2 })]);
    await expect(d.fit(tensor(new Float32Array(3), [1, 3]), tensor(new Float32Array(2), [1, 2]))).rejects.toThrow(/call model.compile/);
  });
});
