// Node-only data entry point: IDX files on disk (fs, zlib) and MNIST from a directory of IDX files.
export { loadIdx, saveIdx } from './idx-node.js';
export type { SaveIdxOptions } from './idx-node.js';
export { loadMnistFiles, MNIST_FILES } from './mnist-files.js';
export type { MnistFilesOptions } from './mnist-files.js';
