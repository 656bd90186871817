// Golden losses: the first 12 training losses of the tutorial model with fixed seeds (as llm.c pins
// its first steps). Any change to kernels, summation order, initialisation, shuffling or the optimizer
// shows up here. These values are our own (recorded from this library), not TF.js's: nothing recomputes
// this exact run elsewhere. Its pieces are checked independently: test/parity compares the same tutorial
// model with TF.js (forward, loss, every gradient, and 20 steps of training, on other data and weights,
// with TF.js's adadelta order), and test/optimizers.test.ts checks the Keras-order adadelta used here
// against its equations. Regenerate only for a deliberate numerical change, and say why in the commit.
import { presets, Random, tensor } from '../src/index.js';

const GOLDEN = [
  0.6906479508026822, 0.6827399002537083, 0.6748830871130171, 0.6529503261204522, 0.6133220970283649, 0.5913335617159327,
  0.6060306227237491, 0.5904929400694504, 0.5960334766514865, 0.5815744750076759, 0.5526728314233332, 0.5476221922435248,
];

function blobs(): { noisy: Float32Array; clean: Float32Array } {
  const r = new Random(2024);
  const clean = new Float32Array(64 * 784);
  // Smooth Gaussian blobs, so the task resembles denoising images rather than fitting noise.
  for (let n = 0; n < 64; n++) {
    const cx = 6 + r.uniform() * 16, cy = 6 + r.uniform() * 16, s = 3 + r.uniform() * 4;
    for (let i = 0; i < 28; i++) {
      for (let j = 0; j < 28; j++) clean[n * 784 + i * 28 + j] = Math.exp(-((i - cy) ** 2 + (j - cx) ** 2) / (2 * s * s));
    }
  }
  const noisy = clean.map((v) => Math.min(1, Math.max(0, v + 0.4 * r.normal())));
  return { noisy, clean };
}

test.each(['simd', 'scalar'] as const)('%s build: the first 12 losses of the tutorial model (adadelta, BCE)', async (variant) => {
  const { noisy, clean } = blobs();
  const model = presets.kerasTutorial({ variant });
  const losses: number[] = [];
  await model.fit(tensor(noisy, [64, 28, 28, 1]), tensor(clean, [64, 28, 28, 1]), {
    epochs: 3, batchSize: 16, seed: 0, onBatchEnd: (_b, logs) => { losses.push(logs.loss); },
  });
  expect(losses).toHaveLength(GOLDEN.length);
  losses.forEach((l, i) => expect(Math.abs(l - GOLDEN[i])).toBeLessThanOrEqual(1e-7 * GOLDEN[i]));
  model.dispose();
});
