// The wasm optimizer updates against the f64 reference (TF.js equations), 6 steps each, on a small
// model whose gradients we take from the engine itself, so only the update rule is under test.
import { Sequential, layers, tensor, optimizers, type OptimizerConfig } from '../src/index.js';
import * as ref from './reference/optimizers.js';
import { assertClose, mulberry32, randomArray } from './reference/gradcheck.js';

type Stepper = (p: Float64Array, g: Float32Array) => void;

// Keras/TF (and the paper's) adadelta: the denominator includes this step's gradient.
function kerasAdadelta(lr: number, rho: number, eps: number): Stepper {
  let accG: Float64Array | null = null, accU: Float64Array | null = null;
  return (p, g) => {
    accG ??= new Float64Array(p.length);
    accU ??= new Float64Array(p.length);
    for (let i = 0; i < p.length; i++) {
      accG[i] = rho * accG[i] + (1 - rho) * g[i] * g[i];
      const u = (Math.sqrt(accU[i] + eps) / Math.sqrt(accG[i] + eps)) * g[i];
      accU[i] = rho * accU[i] + (1 - rho) * u * u;
      p[i] -= lr * u;
    }
  };
}

// TF/Keras centered RMSprop (TF.js subtracts eps instead, giving NaN for tiny first gradients).
function centeredRmsprop(lr: number, decay: number, eps: number): Stepper {
  let ms: Float64Array | null = null, mg: Float64Array | null = null;
  return (p, g) => {
    ms ??= new Float64Array(p.length);
    mg ??= new Float64Array(p.length);
    for (let i = 0; i < p.length; i++) {
      ms[i] = decay * ms[i] + (1 - decay) * g[i] * g[i];
      mg[i] = decay * mg[i] + (1 - decay) * g[i];
      p[i] -= (lr * g[i]) / Math.sqrt(ms[i] - mg[i] * mg[i] + eps);
    }
  };
}

const CASES: Array<[string, OptimizerConfig, (n: number) => Stepper]> = [
  ['sgd', optimizers.sgd({ learningRate: 0.1 }), () => (p, g) => ref.sgdStep(p, g, { learningRate: 0.1 })],
  ['sgd momentum', optimizers.sgd({ learningRate: 0.05, momentum: 0.9 }), (n) => {
    const s = ref.createMomentumState(n);
    return (p, g) => ref.momentumStep(p, g, s, { learningRate: 0.05, momentum: 0.9, useNesterov: false });
  }],
  ['sgd nesterov', optimizers.sgd({ learningRate: 0.05, momentum: 0.8, nesterov: true }), (n) => {
    const s = ref.createMomentumState(n);
    return (p, g) => ref.momentumStep(p, g, s, { learningRate: 0.05, momentum: 0.8, useNesterov: true });
  }],
  ['adam', optimizers.adam({ learningRate: 0.01 }), (n) => {
    const s = ref.createAdamState(n, { beta1: 0.9, beta2: 0.999 });
    return (p, g) => ref.adamStep(p, g, s, { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
  }],
  ['adagrad', optimizers.adagrad({ learningRate: 0.1 }), (n) => {
    const s = ref.createAdagradState(n, 0.1);
    return (p, g) => ref.adagradStep(p, g, s, { learningRate: 0.1 });
  }],
  ['rmsprop', optimizers.rmsprop({ learningRate: 0.01, momentum: 0.5 }), (n) => {
    const s = ref.createRmspropState(n);
    return (p, g) => ref.rmspropStep(p, g, s, { learningRate: 0.01, decay: 0.9, momentum: 0.5, epsilon: 1e-7, centered: false });
  }],
  ['rmsprop centered (TF/Keras: sqrt(ms - mg² + eps))', optimizers.rmsprop({ learningRate: 0.01, centered: true }), () => centeredRmsprop(0.01, 0.9, 1e-7)],
  ['adadelta (TF.js order)', optimizers.adadelta({ order: 'tfjs' }), (n) => {
    const s = ref.createAdadeltaState(n);
    return (p, g) => ref.adadeltaStep(p, g, s, { learningRate: 1, rho: 0.95, epsilon: 1e-7 });
  }],
  ['adadelta (Keras order, the default)', optimizers.adadelta(), () => kerasAdadelta(1, 0.95, 1e-7)],
];

test.each(CASES)('%s matches the reference over 6 steps', async (_name, config, make) => {
  const rng = mulberry32(11);
  const model = new Sequential({ inputShape: [5], seed: 2 }, [layers.dense({ units: 3, activation: 'tanh' })]);
  model.compile({ optimizer: config, loss: 'meanSquaredError' });
  const x = tensor(Float32Array.from(randomArray(8 * 5, rng)), [8, 5]);
  const y = tensor(Float32Array.from(randomArray(8 * 3, rng)), [8, 3]);
  const p = Float64Array.from(model.getWeights().flatMap((w) => [...w.data]));
  const step = make(p.length);
  for (let s = 0; s < 6; s++) {
    const { gradients } = await model.computeGradients(x, y);
    step(p, Float32Array.from(gradients.flatMap((g) => [...g.data])));
    await model.fit(x, y, { epochs: 1, batchSize: 8, shuffle: false });
    const ours = Float64Array.from(model.getWeights().flatMap((w) => [...w.data]));
    assertClose(ours, p, { rtol: 1e-5, atol: 1e-6 }, `step ${s + 1}`);
  }
  model.dispose();
});

test("the string 'adadelta' is Keras 1's: lr 1.0, rho 0.95, and it moves the weights", async () => {
  const model = new Sequential({ inputShape: [5] }, [layers.dense({ units: 3 })]);
  model.compile({ optimizer: 'adadelta', loss: 'mse' });
  const before = model.getWeights()[0].data;
  const x = tensor(new Float32Array(10).fill(1), [2, 5]);
  await model.fit(x, tensor(new Float32Array(6).fill(3), [2, 3]), { epochs: 1, batchSize: 2 });
  const after = model.getWeights()[0].data;
  // First Keras adadelta step: |update| = sqrt(eps) / sqrt((1 - rho) g^2 + eps) * |g| ≈ sqrt(1e-7 / 0.05).
  const step = Math.abs(after[0] - before[0]);
  expect(step).toBeGreaterThan(0.5 * Math.sqrt(1e-7 / 0.05));
  expect(step).toBeLessThan(1.01 * Math.sqrt(1e-7 / 0.05));
});
