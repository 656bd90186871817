// Dropout and GaussianNoise (Keras semantics): random only while training, the identity in predict and
// evaluate. The randomness is drawn inside wasm (assembly/noise.ts) from a hash of (the layer's seed, the
// training step, the sample's position in the batch, the element), so it is fresh every step, the same
// for any thread count, and recomputed in backward rather than stored.
import * as L from '../../engine/plan-layout.js';
import { describeValue, type OptionSpec } from '../../train/validate.js';
import { Layer, nameOf, opSpec, type LayerBuild, type LayerType, type Shape } from '../layer.js';

export interface DropoutArgs {
  /** Fraction of the inputs set to 0 while training, in [0, 1); the kept ones are scaled by 1 / (1 - rate). */
  rate: number;
  /** Seed of the masks (an integer from 0 to 2^32 - 1); default: one derived from the layer's name. */
  seed?: number;
  name?: string;
}

export interface GaussianNoiseArgs {
  /** Standard deviation of the additive N(0, stddev²) noise, drawn fresh every training step. */
  stddev: number;
  /** Seed of the noise (an integer from 0 to 2^32 - 1); default: one derived from the layer's name. */
  seed?: number;
  /**
   * Clip the noisy values to [lo, hi] (e.g. [0, 1] for images), as `clip(x + noise, 0, 1)`; the gradient
   * is zero where the clip is active (tf.clipByValue's). Not in Keras: model files keep it in
   * userDefinedMetadata, so Keras and TF.js load the layer as a plain GaussianNoise.
   */
  clip?: [number, number];
  name?: string;
}

const DROPOUT_OPTIONS: OptionSpec<DropoutArgs> = { rate: 'value', seed: 'value', name: 'value' };
const GAUSSIAN_NOISE_OPTIONS: OptionSpec<GaussianNoiseArgs> = { stddev: 'value', seed: 'value', clip: 'value', name: 'value' };

function seedOf(v: unknown, where: string): { seed?: number } {
  if (v === undefined || v === null) return {};
  if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 0xFFFFFFFF) {
    throw new Error(`${where}: seed must be an integer from 0 to 4294967295 (or left out), got ${describeValue(v)}`);
  }
  return { seed: v as number };
}

/** The seed a layer draws with: its own, or a hash (FNV-1a) of its name, so that two layers differ. */
function effectiveSeed(seed: number | undefined, name: string): number {
  if (seed !== undefined) return seed;
  let h = 0x811C9DC5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const sizeOf = (shape: Shape) => shape.reduce((a, b) => a * b, 1);

export class Dropout extends Layer {
  readonly className = 'Dropout';
  readonly namePrefix = 'dropout';

  constructor(args: DropoutArgs) {
    const where = `dropout(${args?.name ?? ''})`;
    const rate = args?.rate;
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
      throw new Error(`${where}: rate must be a number from 0 (keep everything) up to but not including 1 (drop everything), got ${describeValue(rate)}`);
    }
    super({ rate, ...seedOf(args.seed, where), ...nameOf(args, where) });
  }

  build([input]: Shape[], name: string): LayerBuild {
    const size = sizeOf(input);
    const rate = this.config.rate as number;
    // dropped when 32 random bits < threshold: P(drop) = threshold / 2^32 = rate (to 2^-32)
    const threshold = Math.min(0xFFFFFFFF, Math.round(rate * 2 ** 32));
    return {
      outputShape: [...input], weights: [],
      op: opSpec(L.OP_DROPOUT, { H: size, OH: size,
        i32Fields: { [L.F_SEED]: effectiveSeed(this.config.seed as number | undefined, name) | 0, [L.F_DROP_THRESHOLD]: threshold | 0 },
        // TF.js's dropout: x · floor(u + keep) / keep with keep = 1 - rate in f32
        f32Fields: { [L.F_DROP_SCALE]: Math.fround(1 / Math.fround(1 - rate)) } }),
    };
  }
}

export class GaussianNoise extends Layer {
  readonly className = 'GaussianNoise';
  readonly namePrefix = 'gaussian_noise';

  constructor(args: GaussianNoiseArgs) {
    const where = `gaussianNoise(${args?.name ?? ''})`;
    const stddev = args?.stddev;
    if (typeof stddev !== 'number' || !Number.isFinite(stddev) || stddev < 0) {
      throw new Error(`${where}: stddev must be a finite number >= 0 (the noise's standard deviation, e.g. 0.4), got ${describeValue(stddev)}`);
    }
    const clip = args.clip;
    if (clip !== undefined && clip !== null && !(Array.isArray(clip) && clip.length === 2 && clip.every((v) => typeof v === 'number' && Number.isFinite(v)) && clip[0] <= clip[1])) {
      throw new Error(`${where}: clip must be [lo, hi] with finite lo <= hi, e.g. [0, 1] for images, got ${describeValue(clip)}`);
    }
    super({ stddev, ...seedOf(args.seed, where), ...(clip ? { clip: [clip[0], clip[1]] } : {}), ...nameOf(args, where) });
  }

  build([input]: Shape[], name: string): LayerBuild {
    const size = sizeOf(input);
    const clip = this.config.clip as [number, number] | undefined;
    return {
      outputShape: [...input], weights: [],
      op: opSpec(L.OP_GAUSSIAN_NOISE, { H: size, OH: size,
        i32Fields: { [L.F_SEED]: effectiveSeed(this.config.seed as number | undefined, name) | 0, [L.F_CLIP]: clip ? 1 : 0 },
        f32Fields: { [L.F_NOISE_STDDEV]: this.config.stddev as number, [L.F_CLIP_LO]: clip?.[0] ?? 0, [L.F_CLIP_HI]: clip?.[1] ?? 0 } }),
    };
  }
}

/** Keras's seed (an int, or None). */
function kerasSeed(get: (key: string) => unknown, fail: (what: string) => Error): { seed?: number } {
  const s = get('seed');
  if (s === undefined || s === null) return {};
  if (!Number.isInteger(s) || (s as number) < 0 || (s as number) > 0xFFFFFFFF) throw fail(`seed ${JSON.stringify(s)} is not supported (an integer from 0 to 4294967295)`);
  return { seed: s as number };
}

export const dropoutType: LayerType = {
  className: 'Dropout',
  factory: 'dropout',
  create: (args: DropoutArgs) => new Dropout(args),
  options: DROPOUT_OPTIONS,
  optionNotes: { noiseShape: 'masks are drawn per element' },
  fullyConvolutional: true,
  toKeras: (c) => ({ rate: c.rate, noise_shape: null, seed: c.seed ?? null }),
  fromKeras(get, fail) {
    const ns = get('noise_shape');
    if (ns !== undefined && ns !== null) throw fail(`noise_shape ${JSON.stringify(ns)} is not supported (masks are drawn per element)`);
    return { rate: get('rate'), ...kerasSeed(get, fail) };
  },
};

export const gaussianNoiseType: LayerType = {
  className: 'GaussianNoise',
  factory: 'gaussianNoise',
  create: (args: GaussianNoiseArgs) => new GaussianNoise(args),
  options: GAUSSIAN_NOISE_OPTIONS,
  fullyConvolutional: true,
  toKeras: (c) => ({ stddev: c.stddev, seed: c.seed ?? null }),
  fromKeras: (get, fail) => ({ stddev: get('stddev'), ...kerasSeed(get, fail) }),
  ownOptions: ['clip'],
};
