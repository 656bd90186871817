// The TF.js side of functional.test.ts, run in a worker thread: jest runs test code in a vm context,
// where TF.js cpu's pure-JS kernels run ~5x slower (measured: U-Net training step 2.0 s in the test
// context vs 0.42 s in a worker, same load), because every global they touch in their inner loops
// (Math, typed-array constructors) goes through the context's global object. Plain JS: jest does not
// transform worker files. Given a model (TF.js's JSON topology and its weights in its own order) and
// data, it returns the forward output, the loss and the gradients (by weight name), and a training run
// with adam, computed as tfjs-helpers.ts's tfGradients / tfGradientsPerSample and trainOnBatch do.
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';

// Keras's Subtract, which TF.js 4.22 lacks (the same class as functional-graphs.ts's TfSubtract).
class TfSubtract extends tf.layers.Layer {
  static className = 'Subtract';
  computeOutputShape(shapes) { return shapes[0]; }
  call(inputs) { return tf.sub(inputs[0], inputs[1]); }
}
tf.serialization.registerClass(TfSubtract);

const LOSSES = { binaryCrossentropy: tf.metrics.binaryCrossentropy, meanSquaredError: tf.metrics.meanSquaredError };

const rows = (t, start, end) => {
  const row = t.shape.slice(1).reduce((a, b) => a * b, 1);
  return tf.tensor(t.data.slice(start * row, end * row), [end - start, ...t.shape.slice(1)]);
};

/** Mean loss (plus penalties) and its gradient for each trainable weight (in trainableWeights order) on rows [start, end). */
function gradients(model, loss, x, y, start, end) {
  const [xb, yb] = [rows(x, start, end), rows(y, start, end)];
  const vars = model.trainableWeights.map((w) => w.read());
  // The loss as tfjs-layers' train function builds it: the batch mean, then the weight penalties (kernel_regularizer).
  const total = () => model.calculateLosses().reduce((t, p) => tf.add(t, p), tf.mean(loss(yb, model.apply(xb, { training: true }))));
  const { value, grads } = tf.variableGrads(total, vars);
  const out = { loss: value.dataSync()[0], grads: vars.map((v) => Float32Array.from(grads[v.name].dataSync())) };
  tf.dispose([xb, yb, value, ...Object.values(grads)]);
  return out;
}

async function run({ topology, weights, x, y, loss, fwdN, gradN, perSample, batch, steps, learningRate }) {
  tf.enableProdMode();
  await tf.setBackend('cpu');
  const model = await tf.models.modelFromJSON(topology);
  model.setWeights(weights.map((w) => tf.tensor(w.data, w.shape)));
  const names = model.trainableWeights.map((w) => w.originalName);

  const xf = rows(x, 0, fwdN);
  const yf = model.predict(xf);
  const out = Float32Array.from(yf.dataSync());
  tf.dispose([xf, yf]);

  // Batch mean; per sample (each sample has as many outputs, so the batch mean is the mean of theirs), summed in f64.
  const parts = perSample ? Array.from({ length: gradN }, (_, i) => gradients(model, LOSSES[loss], x, y, i, i + 1))
    : [gradients(model, LOSSES[loss], x, y, 0, gradN)];
  const grads = names.map((name, k) => {
    const sum = new Float64Array(parts[0].grads[k].length);
    for (const p of parts) p.grads[k].forEach((v, j) => { sum[j] += v; });
    return [name, sum.map((v) => v / parts.length)];
  });
  const gradLoss = parts.reduce((s, p) => s + p.loss, 0) / parts.length;

  model.compile({ optimizer: tf.train.adam(learningRate), loss });
  const losses = [];
  for (let s = 0; s < steps * batch; s += batch) {
    const [xb, yb] = [rows(x, s, s + batch), rows(y, s, s + batch)];
    losses.push(await model.trainOnBatch(xb, yb));
    tf.dispose([xb, yb]);
  }
  const trained = model.trainableWeights.map((w) => [w.originalName, Float32Array.from(w.read().dataSync())]);
  model.dispose();
  return { out, grad: { loss: gradLoss, grads }, train: { losses, weights: trained } };
}

parentPort.on('message', (job) => {
  run(job).then((result) => parentPort.postMessage({ result }), (e) => parentPort.postMessage({ error: String(e?.stack ?? e) }));
});
