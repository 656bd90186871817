// The engine moves from its inference layout (grown by a larger predict) to the training layout without
// losing the loaded batch's targets: a first training step or gradient after predict() sees the same data
// as on a fresh model. (Found with issue 12's parity tests: the targets sat after `capacity` inputs, so a
// smaller training capacity read them from the wrong place.)
import { Sequential, layers, tensor, Random } from '../../src/index.js';

const mk = () => {
  const m = new Sequential({ inputShape: [4, 4, 1], seed: 1, threads: 1 }, [layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid' })]);
  m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  return m;
};
const r = new Random(1);
const x8 = tensor(Float32Array.from({ length: 8 * 16 }, () => r.uniform()), [8, 4, 4, 1]);
const x4 = tensor(x8.data.slice(0, 64), [4, 4, 4, 1]);
const y4 = tensor(Float32Array.from({ length: 4 * 16 }, () => r.uniform()), [4, 4, 4, 1]);

test('computeGradients after a larger predict: the same loss and gradients as on a fresh model', async () => {
  const fresh = mk(), after = mk();
  await after.predict(x8);
  const a = await fresh.computeGradients(x4, y4), b = await after.computeGradients(x4, y4);
  expect(b.loss).toBe(a.loss);
  expect(b.gradients).toEqual(a.gradients);
  fresh.dispose(); after.dispose();
});

test('the first fit step after a larger predict trains on the right targets', async () => {
  const fresh = mk(), after = mk();
  await after.predict(x8);
  const ha = await fresh.fit(x4, y4, { epochs: 1, batchSize: 4 }), hb = await after.fit(x4, y4, { epochs: 1, batchSize: 4 });
  expect(hb.history.loss).toEqual(ha.history.loss);
  expect(after.getWeights()).toEqual(fresh.getWeights());
  fresh.dispose(); after.dispose();
});
