// Corruptions for denoising: the model learns to map noisy images back to clean ones.
// Both return a new tensor and leave the input untouched; one seed gives one exact result.
import { Random } from '../random.js';
import type { Tensor } from '../tensor.js';
import { checkOptions, describeValue, type OptionSpec } from '../train/validate.js';

/** Options for addGaussianNoise: noise standard deviation `factor` (in pixel units, default 0.4) and `seed` (default 0). */
export interface GaussianNoiseOptions {
  factor?: number;
  seed?: number;
}

const GAUSSIAN_NOISE_OPTIONS: OptionSpec<GaussianNoiseOptions> = { factor: 'value', seed: 'value' };
const GAUSSIAN_NOISE_NOTES = { stddev: 'the standard deviation is called factor here: { factor: 0.1 }' };

/** clip(x + factor · N(0, 1), 0, 1) per value, any shape; values in [0, 1]. */
export function addGaussianNoise(x: Tensor, options: GaussianNoiseOptions = {}): Tensor {
  const { factor = 0.4, seed = 0 } = checkOptions(options, GAUSSIAN_NOISE_OPTIONS, 'addGaussianNoise', GAUSSIAN_NOISE_NOTES);
  if (!(factor >= 0 && Number.isFinite(factor))) throw new Error(`addGaussianNoise: factor must be a finite number ≥ 0, got ${describeValue(factor)}`);
  const rng = new Random(seed);
  const src = x.data;
  const data = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) data[i] = clip01(src[i] + factor * rng.normal());
  return { data, shape: [...x.shape] };
}

/** Options for addSaltAndPepper: share of pixels hit, `amount` in [0, 1] (default 0.1), and `seed` (default 0). */
export interface SaltAndPepperOptions {
  amount?: number;
  seed?: number;
}

const SALT_AND_PEPPER_OPTIONS: OptionSpec<SaltAndPepperOptions> = { amount: 'value', seed: 'value' };

/**
 * Each pixel with probability `amount` becomes 0 or 1 with equal odds; others are kept. On NHWC [N, H, W, C]
 * a pixel is all C channels at once (black or white specks); on other ranks each value is a pixel.
 */
export function addSaltAndPepper(x: Tensor, options: SaltAndPepperOptions = {}): Tensor {
  const { amount = 0.1, seed = 0 } = checkOptions(options, SALT_AND_PEPPER_OPTIONS, 'addSaltAndPepper');
  if (!(amount >= 0 && amount <= 1)) throw new Error(`addSaltAndPepper: amount must be in [0, 1], got ${describeValue(amount)}`);
  const rng = new Random(seed);
  const channels = x.shape.length === 4 ? x.shape[3] : 1;
  const data = x.data.slice();
  for (let p = 0; p < data.length; p += channels) {
    if (rng.uniform() >= amount) continue;
    data.fill(rng.uniform() < 0.5 ? 0 : 1, p, p + channels);
  }
  return { data, shape: [...x.shape] };
}

function clip01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/**
 * For `fit(noisy, clean, { inputsForEpoch })`: a function giving each epoch new Gaussian noise on `clean`,
 * so the model never sees the same corruption twice. Epoch 0 is exactly addGaussianNoise(clean, { factor, seed })
 * (pass that as fit's x); epoch e > 0 draws from a seed mixed from `seed` and e. Deterministic: the same
 * seed and epoch always give the same images. `clean` is read at each call, not copied.
 */
export function freshGaussianNoise(clean: Tensor, options: GaussianNoiseOptions = {}): (epoch: number) => Tensor {
  const { factor = 0.4, seed = 0 } = checkOptions(options, GAUSSIAN_NOISE_OPTIONS, 'freshGaussianNoise', GAUSSIAN_NOISE_NOTES);
  if (!(factor >= 0 && Number.isFinite(factor))) throw new Error(`freshGaussianNoise: factor must be a finite number ≥ 0, got ${describeValue(factor)}`);
  return (epoch: number) => {
    if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`freshGaussianNoise: epoch must be an integer ≥ 0, got ${describeValue(epoch)}`);
    return addGaussianNoise(clean, { factor, seed: epoch === 0 ? seed : epochSeed(seed, epoch) });
  };
}

/** A 32-bit seed for (seed, epoch), epoch > 0: a MurmurHash3-style finaliser so nearby pairs land far apart. */
function epochSeed(seed: number, epoch: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(epoch, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
