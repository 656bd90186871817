// Training on pictures of any size by patches: seeded random square crops, drawn uniformly over every
// crop position of every picture (a big picture gives proportionally more patches), optionally flipped
// and rotated by multiples of 90 degrees. Patches stay bytes ([N, size, size, C] ByteTensors); fit
// converts them per batch inside wasm.
import { Random } from '../random.js';
import type { ByteTensor, Tensor } from '../tensor.js';
import type { Batch } from '../train/fit.js';
import type { Picture } from './pictures.js';
import { checkSameChannels } from './pictures.js';
import { MAX_ARRAY_LENGTH, checkArrayLength, checkOptions, describeValue, type OptionSpec } from '../train/validate.js';

export interface PatchOptions {
  /** Side of the square patches in pixels (the model's input height and width). */
  size: number;
  /** Seed of the crops, flips, rotations and noise (default 0): one seed, one sequence of patches. */
  seed?: number;
  /** Flip each patch left-right and up-down, each with probability 1/2 (default false). */
  flips?: boolean;
  /** Rotate each patch by 0, 90, 180 or 270 degrees, equally likely (default false). */
  rotations?: boolean;
}

export interface SamplePatchesOptions extends PatchOptions {
  /** How many patches. */
  count: number;
}

export interface PatchBatchesOptions extends PatchOptions {
  /** Patches per batch (default 32). */
  batchSize?: number;
  /** Batches in one pass (epoch) over the source. */
  batchesPerEpoch: number;
  /**
   * Standard deviation of Gaussian noise added to the inputs (pixels in [0, 1], clipped), fresh for
   * every batch: xs = noisy floats, ys = the clean patches. Default 0: xs and ys are the same clean
   * patches, for a model that corrupts its own input (a GaussianNoise layer). A pair [min, max] draws
   * each patch's standard deviation uniformly from that range (a blind denoiser's training data).
   */
  noise?: number | readonly [number, number];
}

const PATCH_OPTIONS: OptionSpec<PatchOptions> = { size: 'value', seed: 'value', flips: 'value', rotations: 'value' };
const SAMPLE_PATCHES_OPTIONS: OptionSpec<SamplePatchesOptions> = { ...PATCH_OPTIONS, count: 'value' };
const PATCH_BATCHES_OPTIONS: OptionSpec<PatchBatchesOptions> = { ...PATCH_OPTIONS, batchSize: 'value', batchesPerEpoch: 'value', noise: 'value' };

/** Draws patches from pictures; checks them once (sizes, channels) with errors that name the picture. */
class PatchSampler {
  readonly channels: number;
  private readonly ends: Float64Array;   // cumulative crop positions per picture
  private readonly total: number;

  constructor(private readonly pictures: readonly Picture[], private readonly size: number, who: string) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`${who}: size must be a positive integer (the patch side in pixels), got ${describeValue(size)}`);
    if (!Array.isArray(pictures) || pictures.length === 0) throw new Error(`${who}: give the pictures (what loadImages returned), got ${describeValue(pictures)}`);
    pictures.forEach((p, i) => {
      const ok = p && Number.isInteger(p.width) && Number.isInteger(p.height) && (p.channels === 1 || p.channels === 3) &&
        p.data instanceof Uint8Array && p.data.length === p.width * p.height * p.channels;
      if (!ok) throw new Error(`${who}: picture ${i} is not a { name, width, height, channels: 1 | 3, data: Uint8Array } as loadImages returns`);
      if (p.width < size || p.height < size) {
        throw new Error(`${who}: ${p.name} is ${p.width}x${p.height}, too small for ${size}x${size} patches: ` +
          'remove it, or choose a smaller patch size');
      }
    });
    checkSameChannels(pictures, who);
    this.channels = pictures[0].channels;
    this.ends = new Float64Array(pictures.length);
    let total = 0;
    pictures.forEach((p, i) => { total += (p.width - size + 1) * (p.height - size + 1); this.ends[i] = total; });
    this.total = total;
  }

  /** One patch into out at byte `at`: a crop position uniform over all pictures' positions, then the transform. */
  draw(rng: Random, out: Uint8Array, at: number, flips: boolean, rotations: boolean): void {
    // 53 random bits: uniform over the positions even when there are more than 2^32 of them.
    const u = (rng.nextUint32() * 2 ** 21 + (rng.nextUint32() >>> 11)) / 2 ** 53;
    const k = Math.floor(u * this.total);
    let lo = 0, hi = this.ends.length - 1;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (this.ends[mid] > k) hi = mid; else lo = mid + 1; }
    const p = this.pictures[lo], s = this.size, C = this.channels;
    const local = k - (lo > 0 ? this.ends[lo - 1] : 0);
    const spanX = p.width - s + 1;
    const y0 = Math.floor(local / spanX), x0 = local - y0 * spanX;
    const turns = rotations ? rng.int(4) : 0;
    const flipY = flips ? rng.int(2) === 1 : false, flipX = flips ? rng.int(2) === 1 : false;
    for (let i = 0; i < s; i++) {
      for (let j = 0; j < s; j++) {
        let si = i, sj = j;
        for (let t = 0; t < turns; t++) { const tmp = si; si = sj; sj = s - 1 - tmp; }
        if (flipY) si = s - 1 - si;
        if (flipX) sj = s - 1 - sj;
        const src = ((y0 + si) * p.width + x0 + sj) * C, dst = at + (i * s + j) * C;
        for (let c = 0; c < C; c++) out[dst + c] = p.data[src + c];
      }
    }
  }
}

/** `count` patches as one ByteTensor [count, size, size, C], e.g. a fixed validation set (same seed, same patches). */
export function samplePatches(pictures: readonly Picture[], options: SamplePatchesOptions): ByteTensor {
  const who = 'samplePatches';
  const o = checkOptions(options, SAMPLE_PATCHES_OPTIONS, who);
  const count = o.count;
  if (!Number.isInteger(count) || count < 1) throw new Error(`${who}: count must be a positive integer, got ${describeValue(count)}`);
  const sampler = new PatchSampler(pictures, o.size, who);
  const bytesPer = o.size * o.size * sampler.channels;
  checkArrayLength(count * bytesPer, `${who}: ${count} patches of ${o.size}x${o.size}x${sampler.channels}`,
    `ask for at most ${Math.floor(MAX_ARRAY_LENGTH / bytesPer)} patches of this size, or draw them batch by batch with patchBatches`);
  const rng = new Random(o.seed ?? 0);
  const per = o.size * o.size * sampler.channels;
  const data = new Uint8Array(count * per);
  for (let n = 0; n < count; n++) sampler.draw(rng, data, n * per, !!o.flips, !!o.rotations);
  return { data, shape: [count, o.size, o.size, sampler.channels] };
}

/**
 * A source of training batches for fit(source, { epochs }): every pass draws `batchesPerEpoch` batches of
 * fresh patches (pass k from a seed mixed from `seed` and k, so a new source with the same seed gives the
 * same run). Batches are { xs, ys }: see `noise`.
 */
export function patchBatches(pictures: readonly Picture[], options: PatchBatchesOptions): Iterable<Batch> {
  const who = 'patchBatches';
  const o = checkOptions(options, PATCH_BATCHES_OPTIONS, who);
  const sampler = new PatchSampler(pictures, o.size, who);
  const batchSize = o.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`${who}: batchSize must be a positive integer, got ${describeValue(batchSize)}`);
  checkArrayLength(batchSize * o.size * o.size * sampler.channels, `${who}: a batch of ${batchSize} patches of ${o.size}x${o.size}x${sampler.channels}`,
    'use a smaller batchSize');
  if (!Number.isInteger(o.batchesPerEpoch) || o.batchesPerEpoch < 1) {
    throw new Error(`${who}: batchesPerEpoch must be a positive integer (batches in one epoch), got ${describeValue(o.batchesPerEpoch)}`);
  }
  const [lo, hi] = noiseRange(o.noise ?? 0, who);
  const seed = o.seed ?? 0, s = o.size, C = sampler.channels, per = s * s * C;
  let pass = 0;
  return {
    *[Symbol.iterator]() {
      const rng = new Random(passSeed(seed, pass++));
      for (let b = 0; b < o.batchesPerEpoch; b++) {
        const data = new Uint8Array(batchSize * per);
        for (let n = 0; n < batchSize; n++) sampler.draw(rng, data, n * per, !!o.flips, !!o.rotations);
        const ys: ByteTensor = { data, shape: [batchSize, s, s, C] };
        if (hi === 0) { yield { xs: ys, ys }; continue; }
        const xs: Tensor = { data: new Float32Array(data.length), shape: [...ys.shape] };
        for (let n = 0; n < batchSize; n++) {
          const sd = lo === hi ? lo : lo + (hi - lo) * rng.uniform();
          for (let i = n * per; i < (n + 1) * per; i++) xs.data[i] = Math.min(1, Math.max(0, data[i] / 255 + sd * rng.normal()));
        }
        yield { xs, ys };
      }
    },
  };
}

/** The noise option as [min, max] standard deviations, checked. */
function noiseRange(noise: number | readonly [number, number], who: string): [number, number] {
  const ok = (v: unknown): v is number => typeof v === 'number' && v >= 0 && Number.isFinite(v);
  if (ok(noise)) return [noise, noise];
  if (Array.isArray(noise) && noise.length === 2 && ok(noise[0]) && ok(noise[1]) && noise[0] <= noise[1]) return [noise[0], noise[1]];
  throw new Error(`${who}: noise must be a finite number >= 0 or a range [min, max] with 0 <= min <= max, got ${describeValue(noise)}`);
}

/** A 32-bit seed for pass k of a source (MurmurHash3-style mixing so nearby pairs land far apart). */
function passSeed(seed: number, pass: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(pass + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
