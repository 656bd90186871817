// Finite differences straight on the wasm engine: a whole model's loss as a function of sampled weights
// and input pixels, through every op chained by the runner. The model is smooth on purpose (tanh, no
// max-pool): with ReLU and max-pool a central difference steps across kinks (ReLU zeros, argmax
// switches), which measured as 5-50% disagreement on the tutorial model at eps 1e-3. Max-pool and ReLU
// backward are checked exactly in ops.test.ts.
//
// Tolerance, per entry: |numeric - analytic| <= ATOL + RTOL |analytic|, numeric with eps 1e-2.
// - ATOL bounds the rounding noise of the numeric side: the loss comes from f32 forward passes, so the
//   difference of two losses carries ~1e-9 of noise, divided by the step 2 eps (at the old eps 1e-3 that
//   was ~1e-6, as large as the input gradients being checked). ATOL 5e-7 on the 28x28 model, where the
//   worst error measured is 1e-7; 2e-7 on the small one.
// - RTOL covers the truncation error, ~eps^2 |f'''| / 6, relative to the gradient: measured up to 9e-4
//   on the small model (its gradients are large, so there the error is mostly this), RTOL 3e-3 there and
//   1e-3 on the 28x28 model. Each test prints what it measured.
// - Only entries with |analytic| >= G_MIN = 10 ATOL are checked (sampled without replacement among
//   them), so a wrong sign, an error of 2 |analytic| >= 20 ATOL > ATOL + RTOL |analytic|, fails every
//   single check; how many entries clear G_MIN is asserted, so the check cannot thin out silently.
import { Sequential, layers, tensor, Random, type Tensor } from '../src/index.js';

interface Tolerance { eps: number; atol: number; rtol: number }

/** Up to k indices of `g` with |g| >= gMin, distinct, in a seeded random order. */
function sampleLarge(g: Float32Array, gMin: number, k: number, r: Random): number[] {
  const candidates: number[] = [];
  g.forEach((v, i) => { if (Math.abs(v) >= gMin) candidates.push(i); });
  return r.shuffle(candidates).slice(0, k);
}

async function check(model: Sequential, xShape: number[], yShape: number[], seed: number, tol: Tolerance,
                     perTensor: number, inputs: number): Promise<{ checked: number; worst: number; worstAbs: number; worstRel: number }> {
  const r = new Random(seed);
  const x = Float32Array.from({ length: xShape.reduce((a, b) => a * b) }, () => r.uniform());
  const y = Float32Array.from({ length: yShape.reduce((a, b) => a * b) }, () => r.uniform());
  const X: Tensor = tensor(x, xShape), Y: Tensor = tensor(y, yShape);
  const { gradients, inputGradient } = await model.computeGradients(X, Y, { input: true });
  const weights = model.getWeights();
  const gMin = 10 * tol.atol;
  let checked = 0, worst = 0, worstAbs = 0, worstRel = 0;

  /** Central difference over `values[i]`, with the step actually stored in f32 as the denominator. */
  const numeric = async (values: Float32Array, i: number, apply: () => void): Promise<number> => {
    const orig = values[i];
    values[i] = orig + tol.eps; apply(); const up = await model.evaluate(X, Y); const hi = values[i];
    values[i] = orig - tol.eps; apply(); const down = await model.evaluate(X, Y); const lo = values[i];
    values[i] = orig; apply();
    return (up - down) / (hi - lo);
  };
  const close = (num: number, analytic: number, what: string) => {
    const bound = tol.atol + tol.rtol * Math.abs(analytic);
    worst = Math.max(worst, Math.abs(num - analytic) / bound);
    worstAbs = Math.max(worstAbs, Math.abs(num - analytic));
    worstRel = Math.max(worstRel, Math.abs(num - analytic) / Math.abs(analytic));
    if (!(Math.abs(num - analytic) <= bound)) throw new Error(`${what}: numeric ${num} vs analytic ${analytic} (bound ${bound})`);
    checked++;
  };

  for (let t = 0; t < weights.length; t++) {
    const want = Math.min(perTensor, gradients[t].data.length);
    const picked = sampleLarge(gradients[t].data, gMin, want, r);
    if (picked.length < want) throw new Error(`${weights[t].name}: only ${picked.length} entries with |g| >= ${gMin}`);
    for (const i of picked) close(await numeric(weights[t].data, i, () => model.setWeights(weights)), gradients[t].data[i], `${weights[t].name}[${i}]`);
  }
  const picked = sampleLarge(inputGradient!.data, gMin, inputs, r);
  if (picked.length < inputs) throw new Error(`input: only ${picked.length} entries with |g| >= ${gMin}`);
  for (const i of picked) close(await numeric(x, i, () => {}), inputGradient!.data[i], `x[${i}]`);
  return { checked, worst, worstAbs, worstRel };
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
  const { checked, worst, worstAbs, worstRel } = await check(m, [2, 28, 28, 1], [2, 28, 28, 1], 1, { eps: 1e-2, atol: 5e-7, rtol: 1e-3 }, 3, 6);
  expect(checked).toBe(13 * 3 + 1 + 6);                // conv2d_4/bias has one entry
  console.log(`gradcheck 28x28 model: ${checked} entries, worst |error| / bound ${worst.toFixed(3)}, |error| ${worstAbs.toExponential(1)}, |error| / |g| ${worstRel.toExponential(1)}`);
});

test.each(['meanSquaredError', 'meanAbsoluteError'])('stride 2, valid, dense with %s', async (loss) => {
  const m = new Sequential({ inputShape: [9, 9, 2], seed: 5 }, [
    layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'valid', activation: 'tanh' }),
    layers.flatten(),
    layers.dense({ units: 6, activation: 'sigmoid' }),
    layers.dense({ units: 3 }),
  ]);
  m.compile({ optimizer: 'sgd', loss });
  const { checked, worst, worstAbs, worstRel } = await check(m, [3, 9, 9, 2], [3, 3], 2, { eps: 1e-2, atol: 2e-7, rtol: 3e-3 }, 3, 6);
  expect(checked).toBe(6 * 3 + 6);
  console.log(`gradcheck ${loss}: ${checked} entries, worst |error| / bound ${worst.toFixed(3)}, |error| ${worstAbs.toExponential(1)}, |error| / |g| ${worstRel.toExponential(1)}`);
});

test("average pooling (smooth, unlike max-pool): 'same' with partial windows, and overlapping 'valid'", async () => {
  const m = new Sequential({ inputShape: [9, 9, 2], seed: 6 }, [
    layers.conv2d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'tanh' }),
    layers.averagePooling2d({ poolSize: 2, padding: 'same' }),              // 9x9 -> 5x5: the last row and column average fewer cells
    layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'tanh' }),
    layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'valid' }), // 5x5 -> 3x3, overlapping windows
    layers.flatten(),
    layers.dense({ units: 3, activation: 'sigmoid' }),
  ]);
  m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  // Its input gradients are small (each pool divides them by its window): ATOL 1e-6 for the loss's f32 noise over 2 eps.
  const { checked, worst, worstAbs, worstRel } = await check(m, [3, 9, 9, 2], [3, 3], 3, { eps: 1e-2, atol: 1e-6, rtol: 3e-3 }, 3, 6);
  expect(checked).toBe(6 * 3 + 6);
  console.log(`gradcheck average pooling: ${checked} entries, worst |error| / bound ${worst.toFixed(3)}, |error| ${worstAbs.toExponential(1)}, |error| / |g| ${worstRel.toExponential(1)}`);
});
