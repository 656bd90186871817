// denoise-wasm: convolutional denoising autoencoders trained and run in WebAssembly SIMD.
// This is the browser-safe surface; Node-only helpers (files, PNG) live in 'denoise-wasm/node'.
export { Sequential } from './model/sequential.js';
export type { SequentialOptions } from './model/sequential.js';
export { LayersModel, model } from './model/model.js';
export type { ModelOptions, ModelArgs, ModelNode, CompileOptions, NamedWeight, OptimizerState, SaveOptions, LayerActivations, BatchSizeOptions, GradientOptions } from './model/model.js';
export { input, SymbolicTensor } from './model/layer.js';
export type { InputArgs } from './model/layer.js';
export { layers } from './model/layers.js';
export type {
  Layer, LayerType, Shape, Activation, Padding, Conv2DArgs, MaxPooling2DArgs, AveragePooling2DArgs, UpSampling2DArgs, DenseArgs, ReshapeArgs,
  ActivationArgs, ConcatenateArgs, BatchNormalizationArgs, LeakyReLUArgs, DropoutArgs, GaussianNoiseArgs,
} from './model/layers.js';
export type { Conv2DTransposeArgs, Regularizer } from './model/layers.js';
export { presets } from './presets.js';
export { denoiseImage, DEFAULT_DENOISE_MARGIN, DEFAULT_DENOISE_TILE } from './denoise-image.js';
export type { DenoiseImageOptions, DenoiseImageInput, PicturePixels } from './denoise-image.js';
export type { PresetOptions, BottleneckOptions, DenseAutoencoderOptions, DncnnOptions, PhotoDenoiserOptions, PretrainedOptions } from './presets.js';
export { optimizers } from './train/optimizers.js';
export type { OptimizerConfig, OptimizerName } from './train/optimizers.js';
export type { LossName } from './train/losses.js';
export type { FitOptions, FitDatasetOptions, Batch, BatchSource, History, BatchLogs, EpochLogs } from './train/fit.js';
export type { EngineInfo } from './engine/engine.js';
export { simdSupported, relaxedSimdSupported, type Variant, type VariantRequest } from './engine/wasm.js';
export { tensor, byteTensor, toFloat, sizeOf, sliceRows } from './tensor.js';
export type { Tensor, ByteTensor, Images } from './tensor.js';
export { Random } from './random.js';
export * from './data/index.js';
export * from './metrics/index.js';
export * from './io/index.js';
export { loadModel } from './io/model-io.js';
export type { ModelSource, ModelFilesInMemory } from './io/model-io.js';
export { modelToFiles, modelFromFiles } from './io/model-format.js';
export type { LoadModelOptions, ModelJson, ModelToFilesOptions, WeightsManifestEntry, WeightsManifestGroup } from './io/model-format.js';
