// Issue 12's training-time layers and activations: Dropout, GaussianNoise (with its clip), LeakyReLU and
// the activations elu, selu, softplus, against the f64 references (test/reference/noise.ts, activations.ts);
// finite differences (through a fixed dropout mask and the noise); the SIMD and scalar builds and 1, 2, 3
// threads to the same bits; the statistics of the masks and the noise with fixed seeds.
import { input, layers, model, Sequential, tensor, Random } from '../src/index.js';
import { dropoutMask, gaussianDraws, nameSeed } from './reference/noise.js';
import { inputActivationForward, inputActivationBackward, leakyReluForward, leakyReluBackward, type InputActivationName } from './reference/activations.js';
import { assertClose } from './reference/gradcheck.js';

function data(seed: number, n: number, lo = -2, hi = 2): Float32Array {
  const r = new Random(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r.uniform());
}
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
type Variant = 'simd' | 'scalar' | 'simd-threads' | 'relaxed-simd' | 'relaxed-simd-threads';

/** input [shape] -> one layer; MSE against t; returns predict's output, the loss and dL/dx of one training step. */
async function runLayer(layer: ReturnType<typeof layers.dropout>, shape: number[], x: Float32Array, t: Float32Array,
                        opts: { variant?: Variant; threads?: number; iterations?: number } = {}) {
  const inp = input({ shape });
  const m = model({ inputs: inp, outputs: layer.apply(inp), threads: opts.threads ?? 1, variant: opts.variant });
  m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  if (opts.iterations) m.setOptimizerState({ ...m.getOptimizerState()!, iterations: opts.iterations });
  const N = x.length / shape.reduce((a, b) => a * b);
  const X = tensor(x, [N, ...shape]), T = tensor(t, [N, ...shape]);
  const y = (await m.predict(X)).data;
  const g = await m.computeGradients(X, T, { input: true });
  m.dispose();
  return { y, loss: g.loss, dx: g.inputGradient!.data };
}

// ---------------------------------------------------------------------------------------------------
describe('Dropout', () => {
  const SHAPE = [3, 5, 3];            // 45 per sample: SIMD groups of 4 and a scalar tail
  const SIZE = 45, N = 5;

  test.each([['simd', 1], ['scalar', 1], ['simd-threads', 3]] as const)('the mask of the reference hash, kept units x 1/(1 - rate), identity in predict (%s, %i threads)', async (variant, threads) => {
    const rate = 0.35, seed = 1234, step = 7;
    const x = data(1, N * SIZE), t = data(2, N * SIZE);
    const r = await runLayer(layers.dropout({ rate, seed }), SHAPE, x, t, { variant, threads, iterations: step });
    expect(r.y).toEqual(x);                                   // inference: the identity
    const threshold = Math.round(rate * 2 ** 32);
    const scale = Math.fround(1 / Math.fround(1 - rate));
    let kept = 0, loss = 0;
    const dx = new Float64Array(N * SIZE);
    for (let n = 0; n < N; n++) {
      const mask = dropoutMask(seed, step, n, SIZE, threshold);
      for (let i = 0; i < SIZE; i++) {
        const k = n * SIZE + i;
        const y = mask[i] ? Math.fround(x[k] * scale) : 0;
        loss += (y - t[k]) ** 2;
        dx[k] = mask[i] ? (2 * (y - t[k]) / (N * SIZE)) * scale : 0;
        kept += mask[i] ? 1 : 0;
      }
    }
    expect(kept).toBeGreaterThan(0.5 * N * SIZE);
    expect(kept).toBeLessThan(0.8 * N * SIZE);
    // the dropped units are exactly the reference's: their gradient is exactly 0 (t != y there)
    for (let k = 0; k < N * SIZE; k++) expect(r.dx[k] === 0).toBe(dx[k] === 0);
    assertClose(r.dx, dx, { rtol: 1e-6, atol: 1e-9 }, 'dL/dx');
    expect(Math.abs(r.loss - loss / (N * SIZE))).toBeLessThan(1e-6 * loss / (N * SIZE));
  });

  test('rate 0 is the identity in training too (bit for bit), and the default seed is the hash of the layer name', async () => {
    const x = data(3, N * SIZE), t = data(4, N * SIZE);
    const r = await runLayer(layers.dropout({ rate: 0 }), SHAPE, x, t);
    const expected = Float32Array.from(x, (v, k) => Math.fround(2 * (v - t[k]) / (N * SIZE)));
    assertClose(r.dx, expected, { rtol: 1e-6, atol: 0 }, 'rate 0');
    expect(r.dx.every((v) => v !== 0)).toBe(true);
    // no seed: FNV-1a of 'dropout' (the layer's name) is the seed
    const named = await runLayer(layers.dropout({ rate: 0.5 }), SHAPE, x, t);
    const seeded = await runLayer(layers.dropout({ rate: 0.5, seed: nameSeed('dropout') }), SHAPE, x, t);
    expect(bits(named.dx)).toEqual(bits(seeded.dx));
    const other = await runLayer(layers.dropout({ rate: 0.5, name: 'drop2' }), SHAPE, x, t);
    expect(bits(other.dx)).not.toEqual(bits(named.dx));
  });

  test('statistics (seed 9, rate 0.3, 64 x 1000 units): keep rate and mean preserved within 4.5 standard errors; masks change with the step and the sample', async () => {
    const rate = 0.3, n = 64, size = 1000;
    const x = new Float32Array(n * size).fill(1);
    const t = new Float32Array(n * size);
    const inp = input({ shape: [size] });
    const m = model({ inputs: inp, outputs: layers.dropout({ rate, seed: 9 }).apply(inp), threads: 1 });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const X = tensor(x, [n, size]), T = tensor(t, [n, size]);
    const masks: boolean[][] = [];
    for (const step of [0, 1]) {
      m.setOptimizerState({ ...m.getOptimizerState()!, iterations: step });
      const dx = (await m.computeGradients(X, T, { input: true })).inputGradient!.data;
      masks.push(Array.from(dx, (v) => v !== 0));
      const keep = masks[step].filter(Boolean).length / (n * size);
      const se = Math.sqrt(rate * (1 - rate) / (n * size));   // 0.0018
      console.log(`dropout rate ${rate}, step ${step}: keep rate ${keep.toFixed(4)} (expected ${1 - rate} ± ${(4.5 * se).toFixed(4)})`);
      expect(Math.abs(keep - (1 - rate))).toBeLessThan(4.5 * se);
      // inverted dropout keeps the mean: E[y] = x = 1, with y = dL/dy * count / 2 (t = 0) and dx = scale * dL/dy
      const scale = Math.fround(1 / Math.fround(1 - rate));
      const yMean = dx.reduce((s, v) => s + v, 0) / 2 / scale;
      expect(Math.abs(yMean - 1)).toBeLessThan(4.5 * se / (1 - rate));
    }
    // Independent masks: two steps differ on 2 p (1 - p) = 42% of the units; so do two samples of one step.
    const differ = masks[0].filter((k, i) => k !== masks[1][i]).length / (n * size);
    expect(Math.abs(differ - 2 * rate * (1 - rate))).toBeLessThan(0.01);
    const s0 = masks[0].slice(0, size), s1 = masks[0].slice(size, 2 * size);
    expect(s0.filter((k, i) => k !== s1[i]).length / size).toBeGreaterThan(0.3);
    m.dispose();
  });

  test('options are checked and errors name the fix', () => {
    expect(() => layers.dropout({ rate: 1 })).toThrow(/dropout\(\): rate must be a number from 0 .* up to but not including 1 .* got 1/);
    expect(() => layers.dropout({ rate: -0.1 })).toThrow(/rate must be/);
    expect(() => layers.dropout({} as never)).toThrow(/rate must be/);
    expect(() => layers.dropout({ rate: 0.5, seed: 1.5 })).toThrow(/dropout\(\): seed must be an integer from 0 to 4294967295/);
    expect(() => layers.dropout({ rate: 0.5, noiseShape: [1, 1] } as never)).toThrow(/noiseShape is not supported/);
  });
});

// ---------------------------------------------------------------------------------------------------
describe('GaussianNoise', () => {
  test.each([['simd', 1], ['scalar', 1], ['simd-threads', 2]] as const)('the reference noise, clipped, with the clip\'s zero gradient; identity in predict (%s, %i threads)', async (variant, threads) => {
    const N = 4, SIZE = 45, stddev = 0.4, seed = 77, step = 3;
    const x = data(5, N * SIZE, 0, 1), t = data(6, N * SIZE, 0, 1);
    const r = await runLayer(layers.gaussianNoise({ stddev, seed, clip: [0, 1] }), [SIZE], x, t, { variant, threads, iterations: step });
    expect(r.y).toEqual(x);
    const count = N * SIZE;
    const dx = new Float64Array(count);
    let clipped = 0, loss = 0;
    for (let n = 0; n < N; n++) {
      const g = gaussianDraws(seed, step, n, SIZE);
      for (let i = 0; i < SIZE; i++) {
        const k = n * SIZE + i;
        const z = x[k] + stddev * g[i];
        const y = Math.min(Math.max(z, 0), 1);
        loss += (y - t[k]) ** 2;
        dx[k] = z >= 0 && z <= 1 ? 2 * (y - t[k]) / count : 0;
        if (dx[k] === 0) clipped++;
      }
    }
    expect(clipped).toBeGreaterThan(0.1 * count);             // the clip is exercised
    for (let k = 0; k < count; k++) expect(r.dx[k] === 0).toBe(dx[k] === 0);
    assertClose(r.dx, dx, { rtol: 1e-5, atol: 1e-8 }, 'dL/dx');
    expect(Math.abs(r.loss - loss / count)).toBeLessThan(1e-6 * loss / count);
  });

  test('statistics (seed 5, stddev 0.4, no clip, 64 x 1024 values): mean, std, the share within 1 sigma and the lag-1 correlation within 4.5 standard errors; fresh noise per step', async () => {
    const n = 64, size = 1024, stddev = 0.4, count = n * size;   // count = 2^16: y = dL/dx * count / 2 exactly (t = 0)
    const x = new Float32Array(count).fill(0.5);
    const inp = input({ shape: [size] });
    const m = model({ inputs: inp, outputs: layers.gaussianNoise({ stddev, seed: 5 }).apply(inp), threads: 1 });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const X = tensor(x, [n, size]), T = tensor(new Float32Array(count), [n, size]);
    const draws: Float64Array[] = [];
    for (const step of [0, 1]) {
      m.setOptimizerState({ ...m.getOptimizerState()!, iterations: step });
      const dx = (await m.computeGradients(X, T, { input: true })).inputGradient!.data;
      const noise = Float64Array.from(dx, (v) => v * count / 2 - 0.5);
      draws.push(noise);
      const mean = noise.reduce((s, v) => s + v, 0) / count;
      const std = Math.sqrt(noise.reduce((s, v) => s + (v - mean) ** 2, 0) / count);
      const within = noise.filter((v) => Math.abs(v) < stddev).length / count;
      let lag = 0;
      for (let i = 1; i < count; i++) lag += noise[i] * noise[i - 1];
      const corr = lag / (count - 1) / (std * std);
      console.log(`gaussian noise step ${step}: mean ${mean.toExponential(2)} (± ${(4.5 * stddev / Math.sqrt(count)).toExponential(1)}), ` +
        `std ${std.toFixed(4)} (0.4 ± ${(4.5 * stddev / Math.sqrt(2 * count)).toFixed(4)}), within 1 sigma ${within.toFixed(4)} (0.6827), lag-1 corr ${corr.toExponential(2)}`);
      expect(Math.abs(mean)).toBeLessThan(4.5 * stddev / Math.sqrt(count));
      expect(Math.abs(std - stddev)).toBeLessThan(4.5 * stddev / Math.sqrt(2 * count));
      expect(Math.abs(within - 0.6827)).toBeLessThan(4.5 * Math.sqrt(0.6827 * 0.3173 / count));
      expect(Math.abs(corr)).toBeLessThan(4.5 / Math.sqrt(count));
    }
    let cross = 0;
    for (let i = 0; i < count; i++) cross += draws[0][i] * draws[1][i];
    expect(Math.abs(cross / count / stddev ** 2)).toBeLessThan(4.5 / Math.sqrt(count));   // steps are independent
    m.dispose();
  });

  test('the f32 draws: every build and thread count gives the same bits (8-element SIMD groups, the scalar twin on a 5-element tail), the relaxed builds too', async () => {
    const N = 6, SIZE = 45, stddev = 0.7;
    const x = data(15, N * SIZE, 0, 1), t = data(16, N * SIZE, 0, 1);
    const runs: Array<[string, { loss: number; dx: Float32Array }]> = [];
    for (const [variant, threads] of [['scalar', 1], ['simd', 1], ['simd-threads', 2], ['relaxed-simd', 1], ['relaxed-simd-threads', 3]] as const) {
      runs.push([`${variant} x${threads}`, await runLayer(layers.gaussianNoise({ stddev, seed: 9, clip: [0, 1] }), [SIZE], x, t, { variant, threads, iterations: 2 })]);
    }
    for (const [what, r] of runs.slice(1)) {
      expect([what, r.loss]).toEqual([what, runs[0][1].loss]);
      expect([what, bits(r.dx)]).toEqual([what, bits(runs[0][1].dx)]);
    }
    expect(runs[0][1].dx.filter((v) => v === 0).length).toBeGreaterThan(0.1 * N * SIZE);   // the clip is exercised
  });

  test('a GaussianNoise first layer spares the next layer its input gradient: the weight gradients are those computed with the input gradient, bit for bit', async () => {
    const r = new Random(21);
    const x = tensor(Float32Array.from({ length: 5 * 64 }, () => r.uniform()), [5, 8, 8, 1]);
    for (const [variant, threads] of [['simd', 1], ['simd-threads', 2]] as const) {
      const m = everyLayerModel({ first: 'noise', variant, threads });
      const without = await m.computeGradients(x, x);
      const withInput = await m.computeGradients(x, x, { input: true });
      expect(withInput.loss).toBe(without.loss);
      expect(without.gradients.map((g) => bits(g.data))).toEqual(withInput.gradients.map((g) => bits(g.data)));
      expect(withInput.inputGradient!.data.some((v) => v !== 0)).toBe(true);
      m.dispose();
    }
  });

  test('options are checked', () => {
    expect(() => layers.gaussianNoise({ stddev: -1 })).toThrow(/gaussianNoise\(\): stddev must be a finite number >= 0 .* got -1/);
    expect(() => layers.gaussianNoise({ stddev: 0.1, clip: [1, 0] })).toThrow(/clip must be \[lo, hi\] with finite lo <= hi, e.g. \[0, 1\]/);
    expect(() => layers.gaussianNoise({ stddev: 0.1, clip: [0] as never })).toThrow(/clip must be/);
    expect(() => layers.gaussianNoise({ stddev: 0.1, seed: -2 })).toThrow(/seed must be an integer/);
  });
});

// ---------------------------------------------------------------------------------------------------
describe('LeakyReLU and the activations elu, selu, softplus against the f64 reference', () => {
  // values on both sides of 0, exactly 0, and far out (softplus's large-x branch, elu's saturation)
  const special = [0, -0, 1e-8, -1e-8, 20, -20, 45, -45, 100, -100, 0.5, -0.5];
  const x = Float32Array.from([...special, ...data(7, 45 - special.length, -4, 4), ...data(8, 45, -4, 4)]);
  const t = data(9, 90, -1, 1);
  const N = 2, C = 45;

  test.each(['simd', 'scalar'] as const)('leakyReLU (alpha 0.2 and the default 0.3) (%s)', async (variant) => {
    for (const alpha of [0.2, undefined]) {
      const a = alpha ?? 0.3;
      const r = await runLayer(layers.leakyReLU(alpha === undefined ? {} : { alpha }), [C], x, t, { variant });
      const y = leakyReluForward(x, Math.fround(a));
      const dx = leakyReluBackward(Float64Array.from(y, (v, i) => 2 * (Math.fround(v) - t[i]) / x.length), x, Math.fround(a));
      assertClose(r.y, y, { rtol: 1e-7, atol: 1e-30 }, 'y');
      assertClose(r.dx, dx, { rtol: 1e-6, atol: 1e-12 }, 'dx');
    }
  });

  // Through the Activation layer and as the epilogue of a dense layer with an identity kernel (the fused
  // bias + activation path of conv2d and dense): y = act(x), dx = act'(x) dL/dy.
  test.each(['elu', 'selu', 'softplus'] as const)('%s: Activation layer and dense epilogue, SIMD = scalar bits', async (act: InputActivationName) => {
    const y = inputActivationForward(act, x);
    const dy = Float64Array.from(y, (v, i) => 2 * (Math.fround(v) - t[i]) / x.length);
    const dx = inputActivationBackward(act, dy, x);
    const results: Float32Array[] = [];
    for (const variant of ['simd', 'scalar'] as const) {
      const a = await runLayer(layers.activation({ activation: act }), [C], x, t, { variant });
      const inp = input({ shape: [C] });
      const dense = layers.dense({ units: C, activation: act });
      const m = model({ inputs: inp, outputs: dense.apply(inp), threads: 1, variant });
      m.setWeights([Float32Array.from({ length: C * C }, (_, k) => (Math.floor(k / C) === k % C ? 1 : 0)), new Float32Array(C)]);
      m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      const X = tensor(x, [N, C]);
      const yd = (await m.predict(X)).data;
      const dd = (await m.computeGradients(X, tensor(t, [N, C]), { input: true })).inputGradient!.data;
      m.dispose();
      for (const [what, got, gotDx] of [['Activation', a.y, a.dx], ['dense epilogue', yd, dd]] as const) {
        assertClose(got, y, { rtol: 2e-7, atol: 1e-37 }, `${act} ${what} y (${variant})`);
        // Derivatives from y in f32: relative error ~1e-7 of act'(x); where e^x < 2^-24 (x < -17) elu's and selu's
        // y rounds to -1 (-s a), so y + 1 (y + s a) is 0, not e^x: an absolute error below 2^-24 |dL/dy| (TF.js's
        // EluGrad computes from y alike). |dL/dy| < 0.05 here.
        assertClose(gotDx, dx, { rtol: 2e-6, atol: 0.05 * 2 ** -24 }, `${act} ${what} dx (${variant})`);
      }
      results.push(a.y, a.dx, yd, dd);
    }
    results.slice(0, 4).forEach((r, k) => expect(bits(results[4 + k])).toEqual(bits(r)));
  });

  test('leakyReLU and activation options are checked', () => {
    expect(() => layers.leakyReLU({ alpha: -0.1 })).toThrow(/leakyReLU\(\): alpha must be a finite number >= 0 .*got -0.1/);
    expect(() => layers.conv2d({ filters: 1, kernelSize: 1, activation: 'leakyRelu' as never })).toThrow(/unknown activation "leakyRelu"; use one of .*elu, softplus, selu/);
  });
});

// ---------------------------------------------------------------------------------------------------
/** [noise, clip [0, 1]] -> conv(elu) -> leakyReLU -> dropout -> conv(selu) -> noise -> conv(softplus) -> conv(sigmoid), BCE. */
function everyLayerModel(options: { threads?: number; variant?: Variant; seed?: number; first?: 'noise' } = {}): Sequential {
  const conv = (filters: number, activation: 'elu' | 'selu' | 'softplus' | 'sigmoid' | 'tanh') => layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation });
  const m = new Sequential({ inputShape: [8, 8, 1], seed: options.seed ?? 3, threads: options.threads ?? 1, variant: options.variant }, [
    ...(options.first === 'noise' ? [layers.gaussianNoise({ stddev: 0.3, clip: [0, 1], seed: 11 })] : []),
    conv(6, 'elu'), layers.leakyReLU({ alpha: 0.2 }), layers.dropout({ rate: 0.3, seed: 5 }), conv(6, 'selu'),
    layers.gaussianNoise({ stddev: 0.2, seed: 6 }), conv(4, 'softplus'), conv(1, 'sigmoid'),
  ]);
  m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  return m;
}

test('finite differences through a fixed dropout mask, the noise and its clip, leakyReLU, elu, selu, softplus (every weight tensor and the input)', async () => {
  // The function differentiated is computeGradients' loss: the training forward pass of the current step,
  // whose masks and noise stay fixed until a training step runs (evaluate() would run without them).
  const m = everyLayerModel({ first: 'noise' });
  const r = new Random(12);
  const x = Float32Array.from({ length: 2 * 64 }, () => r.uniform());
  const y = Float32Array.from({ length: 2 * 64 }, () => r.uniform());
  const X = tensor(x, [2, 8, 8, 1]), Y = tensor(y, [2, 8, 8, 1]);
  const { gradients, inputGradient, loss } = await m.computeGradients(X, Y, { input: true });
  expect((await m.computeGradients(X, Y)).loss).toBe(loss);          // the same masks and noise again
  expect(Math.abs(loss - await m.evaluate(X, Y))).toBeGreaterThan(1e-4); // evaluate has no dropout or noise
  const f = async () => (await m.computeGradients(X, Y)).loss;
  // eps 2e-3, not 1e-2: selu's derivative jumps at 0 (1.05 vs 1.76) and the leaky ReLU's too, so a wide step
  // straddles kinks (measured 0.4% off at eps 1e-2, 0.005% at 1e-3 on the worst entry); the f32 loss's
  // rounding (~1e-8) over 2 eps sets atol.
  const eps = 2e-3, atol = 5e-6, rtol = 3e-3;
  let checked = 0, worst = 0;
  const compare = (numeric: number, analytic: number, what: string) => {
    const bound = atol + rtol * Math.abs(analytic);
    worst = Math.max(worst, Math.abs(numeric - analytic) / bound);
    if (!(Math.abs(numeric - analytic) <= bound)) throw new Error(`${what}: numeric ${numeric} vs analytic ${analytic}`);
    checked++;
  };
  const weights = m.getWeights();
  for (let k = 0; k < weights.length; k++) {
    const order = Array.from(weights[k].data.keys()).sort((i, j) => Math.abs(gradients[k].data[j]) - Math.abs(gradients[k].data[i]));
    for (const i of order.slice(0, 3)) {
      if (Math.abs(gradients[k].data[i]) < 10 * atol) continue;
      const orig = weights[k].data[i];
      weights[k].data[i] = orig + eps; m.setWeights(weights); const up = await f(); const hi = weights[k].data[i];
      weights[k].data[i] = orig - eps; m.setWeights(weights); const down = await f(); const lo = weights[k].data[i];
      weights[k].data[i] = orig; m.setWeights(weights);
      compare((up - down) / (hi - lo), gradients[k].data[i], `${weights[k].name}[${i}]`);
    }
  }
  // the input goes through the clipped noise first: some input gradients are exactly 0 (clipped), the rest checked
  const g = inputGradient!.data;
  expect(g.filter((v) => v === 0).length).toBeGreaterThan(0);
  const order = Array.from(x.keys()).sort((i, j) => Math.abs(g[j]) - Math.abs(g[i]));
  for (const i of order.slice(0, 6)) {
    const orig = x[i];
    x[i] = orig + eps; const up = await f(); const hi = x[i];
    x[i] = orig - eps; const down = await f(); const lo = x[i];
    x[i] = orig;
    compare((up - down) / (hi - lo), g[i], `x[${i}]`);
  }
  console.log(`finite differences, noise layers and activations: ${checked} entries, worst |error| / bound ${worst.toFixed(3)}`);
  expect(checked).toBeGreaterThanOrEqual(5 * 3 + 6);
  m.dispose();
});

test('training with every new layer gives the same bits on 1, 2 and 3 threads and in the scalar and SIMD builds; masks move with the step', async () => {
  const r = new Random(5);
  const x = tensor(Float32Array.from({ length: 7 * 64 }, () => r.uniform()), [7, 8, 8, 1]);
  const run = async (options: Parameters<typeof everyLayerModel>[0]) => {
    const m = everyLayerModel({ ...options, first: 'noise' });
    const h = await m.fit(x, x, { epochs: 3, batchSize: 7 });
    const w = m.getWeights().map((t) => bits(t.data));
    m.dispose();
    return { loss: h.history.loss, w };
  };
  const one = await run({ variant: 'simd', threads: 1 });
  for (const threads of [1, 2, 3]) expect(await run({ variant: 'simd-threads', threads })).toEqual(one);
  expect(await run({ variant: 'scalar', threads: 1 })).toEqual(one);
  expect(one.loss[2]).toBeLessThan(one.loss[0]);
});

test('the step is the model\'s iteration count: training from a saved state draws what the uninterrupted run drew', async () => {
  const r = new Random(6);
  const x = tensor(Float32Array.from({ length: 4 * 64 }, () => r.uniform()), [4, 8, 8, 1]);
  // no shuffle: every fit() call restarts its shuffle from its seed, and a sample's position in the batch is part of its draw
  const straight = everyLayerModel();
  await straight.fit(x, x, { epochs: 4, batchSize: 4, shuffle: false });
  const resumed = everyLayerModel();
  await resumed.fit(x, x, { epochs: 2, batchSize: 4, shuffle: false });
  const state = resumed.getOptimizerState()!, weights = resumed.getWeights();
  resumed.dispose();
  const again = everyLayerModel();
  again.setWeights(weights);
  again.setOptimizerState(state);
  await again.fit(x, x, { epochs: 2, batchSize: 4, shuffle: false });
  again.getWeights().forEach((w, k) => expect(bits(w.data)).toEqual(bits(straight.getWeights()[k].data)));
  // and a model that restarts at step 0 draws other masks, so it ends elsewhere
  const restarted = everyLayerModel();
  restarted.setWeights(weights);
  restarted.setOptimizerState({ ...state, iterations: 0 });
  await restarted.fit(x, x, { epochs: 2, batchSize: 4, shuffle: false });
  expect(restarted.getWeights().some((w, k) => bits(w.data).join() !== bits(straight.getWeights()[k].data).join())).toBe(true);
  for (const mm of [straight, again, restarted]) mm.dispose();
});

// ---------------------------------------------------------------------------------------------------
test('summary and parameter counts: the new layers have no weights', () => {
  const m = everyLayerModel();
  const text = m.summary(null);
  expect(text).toMatch(/leaky_re_lu \(LeakyReLU\)\s+\(None, 8, 8, 6\)\s+0/);
  expect(text).toMatch(/dropout \(Dropout\)\s+\(None, 8, 8, 6\)\s+0/);
  expect(text).toMatch(/gaussian_noise \(GaussianNoise\)\s+\(None, 8, 8, 6\)\s+0/);
  expect(m.countParams()).toBe(60 + 330 + 220 + 37);
});
