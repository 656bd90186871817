// A model whose weights or predictions become NaN or infinite stops fit with the epoch and batch, for
// every loss; the cross-entropy clip does not hide a NaN prediction.
import { Sequential, layers, presets, tensor, Random, optimizers, type Tensor } from '../../src/index.js';

function images(n: number, seed: number): Tensor {
  const r = new Random(seed);
  return tensor(Float32Array.from({ length: n * 784 }, () => r.uniform()), [n, 28, 28, 1]);
}

describe('non-finite weights or predictions stop fit', () => {
  test.each(['binaryCrossentropy', 'meanSquaredError', 'meanAbsoluteError'])(
    'adam at learning rate 1e6 with %s: fit rejects, naming the epoch and batch', async (loss) => {
      const m = presets.kerasTutorial({ threads: 1 });
      m.compile({ optimizer: optimizers.adam({ learningRate: 1e6 }), loss });
      const x = images(32, 1);
      await expect(m.fit(x, x, { epochs: 3, batchSize: 8 }))
        .rejects.toThrow(/fit: (a weight|the loss) became (NaN|-?Infinity) at epoch \d+, batch \d+ of 4.*lower the learning rate/);
    });

  test('a NaN prediction gives a NaN cross-entropy loss (the clip does not map it to 1e-7)', async () => {
    // A linear output, so the unfused cross-entropy path runs too.
    for (const activation of ['sigmoid', 'linear'] as const) {
      const m = new Sequential({ inputShape: [4], threads: 1 }, [layers.dense({ units: 4, activation })]);
      m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
      const x = tensor(new Float32Array(8).fill(0.5), [2, 4]);
      await m.predict(x);   // starts the engine
      const engine = (m as unknown as { engine: { setParams(p: Float32Array): void } }).engine;
      engine.setParams(new Float32Array(m.countParams()).fill(NaN));
      expect(await m.evaluate(x, x)).toBeNaN();
    }
  });

  test('normal training is unchanged by the checks (finite losses, same bits twice)', async () => {
    const run = async () => {
      const m = presets.kerasTutorial({ threads: 1, seed: 3 });
      const x = images(16, 2);
      return (await m.fit(x, x, { epochs: 1, batchSize: 8 })).history.loss;
    };
    const a = await run();
    expect(a.every(Number.isFinite)).toBe(true);
    expect(await run()).toEqual(a);
  });
});
