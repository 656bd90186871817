// Node-only: MNIST / Fashion-MNIST from the four standard IDX files in a directory, raw or gzip.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadIdx, readUint8IdxShape } from './idx-node.js';
import { bytesFromIdx, imagesFromIdx, labelsFromIdx } from './idx-images.js';
import { limitSplit } from './limit.js';
import type { MnistData, MnistSplit } from './mnist.js';
import type { ByteTensor, Tensor } from '../tensor.js';
import { checkOptions, type OptionSpec } from '../train/validate.js';

/** Limits for loadMnistFiles: keep only the first `trainLimit` / `testLimit` examples of each file. */
export interface MnistFilesOptions {
  trainLimit?: number;
  testLimit?: number;
  /** Images as bytes (ByteTensor, read as b / 255 by fit/predict/evaluate): a quarter of the memory. */
  bytes?: boolean;
}

const MNIST_FILES_OPTIONS: OptionSpec<MnistFilesOptions> = { trainLimit: 'value', testLimit: 'value', bytes: 'value' };

/** The standard file stems; each may also be spelled with a dot ("train-images.idx3-ubyte") and end in ".gz". */
export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** Loads `dir`'s train (60000) and t10k (10000) files: images [N, 28, 28, 1] in [0, 1], labels 0..9. */
export async function loadMnistFiles(dir: string, options: MnistFilesOptions & { bytes: true }): Promise<MnistData<ByteTensor>>;
export async function loadMnistFiles(dir: string, options?: MnistFilesOptions & { bytes?: false }): Promise<MnistData>;
export async function loadMnistFiles(dir: string, options: MnistFilesOptions = {}): Promise<MnistData<Tensor | ByteTensor>> {
  checkOptions(options, MNIST_FILES_OPTIONS, 'loadMnistFiles');
  let isDir = false;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    throw new Error(`loadMnist: ${dir}: no such directory (put the four MNIST IDX files there, or omit dir to use the embedded digits)`);
  }
  if (!isDir) throw new Error(`loadMnist: ${dir}: is a file; dir must be the directory that holds the four IDX files`);
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    [MNIST_FILES.trainImages, MNIST_FILES.trainLabels, MNIST_FILES.testImages, MNIST_FILES.testLabels].map((s) => findFile(dir, s)),
  );
  return {
    train: await loadSplit(trainImages, trainLabels, options.trainLimit, 'trainLimit', !!options.bytes),
    test: await loadSplit(testImages, testLabels, options.testLimit, 'testLimit', !!options.bytes),
  };
}

async function loadSplit(imagesPath: string, labelsPath: string, limit: number | undefined, what: string, bytes: boolean): Promise<MnistSplit<Tensor | ByteTensor>> {
  // None of this split wanted (e.g. testLimit: 0 to train on as little memory as possible): its shape
  // from the header, not its 10,000 images loaded and dropped.
  const declared = limit === 0 ? await readUint8IdxShape(imagesPath) : null;
  if (declared && declared.length === 3) {
    const shape = [0, declared[1], declared[2], 1];
    return { images: bytes ? { data: new Uint8Array(0), shape } : { data: new Float32Array(0), shape }, labels: new Int32Array(0) };
  }
  const idx = await loadIdx(imagesPath);
  const images = bytes ? bytesFromIdx(idx, imagesPath) : imagesFromIdx(idx, imagesPath);
  const labels = labelsFromIdx(await loadIdx(labelsPath), labelsPath);
  const n = images.shape[0];
  if (labels.length !== n) {
    throw new Error(`loadMnist: ${imagesPath} holds ${n} images but ${labelsPath} holds ${labels.length} labels (the files are from different sets)`);
  }
  return limitSplit({ images, labels }, limit, what);
}

async function findFile(dir: string, stem: string): Promise<string> {
  const dotted = stem.replace(/-(idx\d-ubyte)$/, '.$1');
  const tried = [stem, `${stem}.gz`, dotted, `${dotted}.gz`];
  for (const name of tried) {
    const path = join(dir, name);
    try {
      if ((await stat(path)).isFile()) return path;
    } catch {
      // not this spelling; try the next
    }
  }
  throw new Error(`loadMnist: ${dir}: missing ${stem} (looked for ${tried.join(', ')}); put the four MNIST IDX files there`);
}
