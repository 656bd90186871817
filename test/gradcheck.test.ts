// Finite differences straight on the wasm engine: a whole model's loss as a function of sampled weights
// and input pixels, through every op chained by the runner. The model is smooth on purpose (tanh, no
// max-pool): with ReLU and max-pool a central difference steps across kinks (ReLU zeros, argmax
// switches), which measured as 5-50% disagreement on the tutorial model at eps 1e-3, while this model
// agrees to < 1e-6 absolute. Max-pool and ReLU backward are checked exactly in ops.test.ts.
import { Sequential, layers, tensor, Random } from '../src/index.js';

async function check(model: Sequential, xShape: number[], yShape: number[], seed: number, eps: number): Promise<number> {
  const r = new Random(seed);
  const x = Float32Array.from({ length: xShape.reduce((a, b) => a * b) }, () => r.uniform());
  const y = Float32Array.from({ length: yShape.reduce((a, b) => a * b) }, () => r.uniform());
  const X = tensor(x, xShape), Y = tensor(y, yShape);
  const { gradients, inputGradient } = await model.computeGradients(X, Y, { input: true });
  const weights = model.getWeights();
  // f32 forward passes: a loss difference carries rounding noise (~1e-9 when averaged over 1,568
  // outputs, ~3e-8 over 9), so eps is chosen per model to keep the quotient's noise near 1e-6.
  const close = (numeric: number, analytic: number, what: string) => {
    if (Math.abs(numeric - analytic) > 2e-6 + 1e-2 * Math.abs(analytic)) {
      throw new Error(`${what}: numeric ${numeric} vs analytic ${analytic}`);
    }
  };
  let checked = 0;
  for (let t = 0; t < weights.length; t++) {
    for (let k = 0; k < 3; k++) {
      const i = r.int(weights[t].data.length);
      const orig = weights[t].data[i];
      weights[t].data[i] = orig + eps; model.setWeights(weights); const up = await model.evaluate(X, Y);
      weights[t].data[i] = orig - eps; model.setWeights(weights); const down = await model.evaluate(X, Y);
      weights[t].data[i] = orig; model.setWeights(weights);
      close((up - down) / (2 * eps), gradients[t].data[i], `${weights[t].name}[${i}]`);
      checked++;
    }
  }
  for (let k = 0; k < 6; k++) {
    const i = r.int(x.length);
    const orig = x[i];
    x[i] = orig + eps; const up = await model.evaluate(X, Y);
    x[i] = orig - eps; const down = await model.evaluate(X, Y);
    x[i] = orig;
    close((up - down) / (2 * eps), inputGradient!.data[i], `x[${i}]`);
    checked++;
  }
  return checked;
}

test('conv (same, valid, stride 2, even kernel), upsampling, dense, BCE fused with sigmoid', async () => {
  const m = new Sequential({ inputShape: [28, 28, 1], seed: 4 }, [
    layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'tanh' }),
    layers.conv2d({ filters: 8, kernelSize: 2, strides: 2, padding: 'same', activation: 'tanh' }),
    layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' }),
    layers.upSampling2d({ size: 2 }),
    layers.conv2d({ filters: 8, kernelSize: 3, padding: 'valid', activation: 'tanh' }),
    layers.upSampling2d({ size: 2 }),
    layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid' }),
    layers.upSampling2d({ size: 2 }),
    layers.flatten(),
    layers.dense({ units: 5, activation: 'tanh' }),
    layers.dense({ units: 784, activation: 'sigmoid' }),
    layers.reshape({ targetShape: [28, 28, 1] }),
  ]);
  m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
  expect(await check(m, [2, 28, 28, 1], [2, 28, 28, 1], 1, 1e-3)).toBe(14 * 3 + 6);
});

test.each(['meanSquaredError', 'meanAbsoluteError'])('stride 2, valid, dense with %s', async (loss) => {
  const m = new Sequential({ inputShape: [9, 9, 2], seed: 5 }, [
    layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'valid', activation: 'tanh' }),
    layers.flatten(),
    layers.dense({ units: 6, activation: 'sigmoid' }),
    layers.dense({ units: 3 }),
  ]);
  m.compile({ optimizer: 'sgd', loss });
  expect(await check(m, [3, 9, 9, 2], [3, 3], 2, 1e-2)).toBe(6 * 3 + 6);
});
