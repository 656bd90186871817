// Browser-safe data entry point: IDX decoding, MNIST (embedded digits), noise. Node file loading: ./node.ts.
export { parseIdx, decodeIdx, encodeIdx, isGzip } from './idx.js';
export type { IdxArray, IdxHeader, IdxTensor, IdxType } from './idx.js';
export { imagesFromIdx, bytesFromIdx, labelsFromIdx } from './idx-images.js';
export { loadMnist } from './mnist.js';
export type { MnistData, MnistOptions, MnistSplit } from './mnist.js';
export { addGaussianNoise, addSaltAndPepper, freshGaussianNoise } from './noise.js';
export type { GaussianNoiseOptions, SaltAndPepperOptions } from './noise.js';
export { loadImages, pictureFromRgba } from './pictures.js';
export type { Picture, LoadImagesOptions, ImageSource, BrowserImage } from './pictures.js';
export { samplePatches, patchBatches } from './patches.js';
export type { PatchOptions, SamplePatchesOptions, PatchBatchesOptions } from './patches.js';
