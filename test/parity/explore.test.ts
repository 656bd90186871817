import * as tf from '@tensorflow/tfjs';
import { presets } from '../../src/index.js';

beforeAll(async () => { tf.enableProdMode(); await tf.setBackend('cpu'); await tf.ready(); });

function tfTutorial(): tf.Sequential {
  const conv = (filters: number, activation = 'relu', padding = 'same', inputShape?: number[]) =>
    tf.layers.conv2d({ filters, kernelSize: 3, activation: activation as any, padding: padding as any, ...(inputShape ? { inputShape } : {}) });
  const pool = () => tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' });
  const up = () => tf.layers.upSampling2d({ size: [2, 2] });
  const m = tf.sequential({ layers: [conv(16, 'relu', 'same', [28, 28, 1]), pool(), conv(8), pool(), conv(8), pool(), conv(8), up(), conv(8), up(), conv(16, 'relu', 'valid'), up(), conv(1, 'sigmoid')] });
  m.compile({ optimizer: 'adadelta', loss: 'binaryCrossentropy' });
  return m;
}

test('timing', async () => {
  const m = tfTutorial();
  const ours = presets.kerasTutorial({ seed: 3 });
  const w = ours.getWeights();
  m.setWeights(w.map((t) => tf.tensor(t.data, t.shape)));
  console.log(m.trainableWeights.map((v) => v.read().name + ' ' + v.shape).join('\n'));
  const x = tf.randomUniform([16, 28, 28, 1]);
  let t0 = performance.now();
  const y = m.predict(x) as tf.Tensor; y.dataSync();
  console.log('fwd16', performance.now() - t0);
  for (const n of [1]) {
    const xs = x.slice(0, n);
    t0 = performance.now();
    const vars = m.trainableWeights.map((v) => v.read());
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.metrics.binaryCrossentropy(xs, m.apply(xs, { training: true }))) as tf.Scalar, vars as tf.Variable[]);
    value.dataSync();
    console.log('grad', n, performance.now() - t0, Object.keys(grads).length);
  }
  const xs1 = x.slice(0, 1);
  const vars1 = m.trainableWeights.map((v) => v.read());
  const prof = await tf.profile(() => { const r = tf.variableGrads(() => tf.mean(tf.metrics.binaryCrossentropy(xs1, m.apply(xs1, { training: true }) as tf.Tensor)) as tf.Scalar, vars1 as tf.Variable[]); r.value.dataSync(); });
  const agg: Record<string, number> = {};
  for (const k of prof.kernels) agg[k.name] = (agg[k.name] ?? 0) + (k.kernelTimeMs as number);
  console.log(Object.entries(agg).sort((a, b) => b[1] - a[1]).slice(0, 12));
  t0 = performance.now();
  for (let i = 0; i < 5; i++) await m.trainOnBatch(x.slice(0, 1), x.slice(0, 1));
  console.log('train1 x5', performance.now() - t0);
});
