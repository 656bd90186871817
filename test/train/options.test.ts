// Options objects: a misspelled or unknown option is an error that names it and the nearest real one
// (Keras's snake_case included), before any work, for every public function that takes options; callbacks
// must be functions; Keras options we lack say what to use instead. The allowed keys come from one place
// per options type (OptionSpec beside the type; the layer registry for layers).
import {
  Sequential, layers, presets, model, input, loadMnist, addGaussianNoise, addSaltAndPepper, freshGaussianNoise, samplePatches,
  patchBatches, denoiseImage, gridImage, stackImages, featureMapGrid, ssim, gaussianFilter, loadModel, loadImages, readImageHeader, type Picture,
  type Tensor,
} from '../../src/index.js';
import { decodePng } from '../../src/io/node.js';
import { LAYER_TYPES } from '../../src/model/layers.js';
import { checkOptions } from '../../src/train/validate.js';

const images = (n: number): Tensor => ({ data: new Float32Array(n * 784).fill(0.5), shape: [n, 28, 28, 1] });
const picture: Picture = { name: 'p', width: 16, height: 16, channels: 1, data: new Uint8Array(256) };
const anyOptions = (o: object) => o as never;

describe('the options helper', () => {
  const spec = { epochs: 'value', batchSize: 'value', onEpochEnd: 'function' } as const;
  test.each([
    [{ epoch: 5 }, /x: unknown option "epoch" \(did you mean "epochs"\?\); the options are epochs, batchSize, onEpochEnd/],
    [{ batch_size: 4 }, /unknown option "batch_size" \(did you mean "batchSize"\?\)/],
    [{ batchsize: 4 }, /unknown option "batchsize" \(did you mean "batchSize"\?\)/],
    [{ BatchSize: 4 }, /unknown option "BatchSize" \(did you mean "batchSize"\?\)/],
    [{ verbose: 1 }, /unknown option "verbose"; the options are/],
    [{ onEpochEnd: 5 }, /x: onEpochEnd must be a function, got 5/],
    [5, /x: the options must be an object \(\{ epochs, batchSize, onEpochEnd \}\), got 5/],
    [null, /got null/],
    [[1], /got \[1\]/],
  ])('%p is refused', (o, message) => {
    expect(() => checkOptions(o as never, spec as never, 'x')).toThrow(message);
  });
  test('notes say what to use instead', () => {
    expect(() => checkOptions({ stddev: 1 } as never, spec as never, 'x', { stddev: 'use factor' })).toThrow('x: stddev is not supported: use factor');
  });
  test('undefined, {} and known options pass; undefined callbacks too', () => {
    expect(checkOptions(undefined, spec as never, 'x')).toEqual({});
    const o = { epochs: 2, onEpochEnd: undefined };
    expect(checkOptions(o as never, spec as never, 'x')).toBe(o);
  });
});

describe('the model API refuses unknown options before any work', () => {
  const m = presets.kerasTutorial({ threads: 1 });
  const x = images(4);
  test.each([
    ['fit epoch/batchsize', () => m.fit(x, x, anyOptions({ epoch: 5, batchsize: 4 })), /fit: unknown option "epoch" \(did you mean "epochs"\?\)/],
    ['fit validation_data', () => m.fit(x, x, anyOptions({ validation_data: [x, x] })), /unknown option "validation_data" \(did you mean "validationData"\?\)/],
    ['fit validationSplit', () => m.fit(x, x, anyOptions({ validationSplit: 0.2 })), /fit: validationSplit is not supported: hold the samples out yourself and pass validationData: \[xVal, yVal\]/],
    ['fit(x, y, 5)', () => m.fit(x, x, 5 as never), /fit: the options must be an object \(\{ epochs, batchSize, .*\}\), got 5/],
    ['fit onEpochEnd: 5', () => m.fit(x, x, anyOptions({ onEpochEnd: 5 })), /fit: onEpochEnd must be a function, got 5/],
    ['fit inputsForEpoch: x', () => m.fit(x, x, anyOptions({ inputsForEpoch: x })), /fit: inputsForEpoch must be a function, got an object with keys data, shape/],
    ['fit(source) batchSize', () => m.fit([{ xs: x, ys: x }], anyOptions({ batchSize: 2 })), /fit: batchSize is not supported: a stream's batches are as big as the source makes them/],
    ['fit(source, 5)', () => m.fit([{ xs: x, ys: x }], 5 as never), /fit: the options must be an object/],
    ['predict batch_size', () => m.predict(x, anyOptions({ batch_size: 2 })), /predict: unknown option "batch_size" \(did you mean "batchSize"\?\); the options are batchSize/],
    ['evaluate batch_size', () => m.evaluate(x, x, anyOptions({ batch_size: 2 })), /evaluate: unknown option "batch_size" \(did you mean "batchSize"\?\)/],
    ['activations batch_size', () => m.activations(x, anyOptions({ batch_size: 2 })), /activations: unknown option "batch_size"/],
    ['computeGradients inputs', () => m.computeGradients(x, x, anyOptions({ inputs: true })), /computeGradients: unknown option "inputs" \(did you mean "input"\?\)/],
    ['save includeOptimiser', () => m.save('unused-dir', anyOptions({ includeOptimiser: false })), /save: unknown option "includeOptimiser" \(did you mean "includeOptimizer"\?\)/],
  ])('%s', async (_name, call, message) => {
    const before = m.getWeights()[0].data.slice();
    await expect(call()).rejects.toThrow(message);
    expect(m.getWeights()[0].data).toEqual(before);   // nothing trained
  });
  test('compile: metrics are refused with what to use instead; so are unknown keys', () => {
    expect(() => m.compile(anyOptions({ optimizer: 'adam', loss: 'mse', metrics: ['mae'] })))
      .toThrow(/compile: metrics is not supported: fit reports the loss .*psnr\(a, b\) or ssim\(a, b\)/);
    expect(() => m.compile(anyOptions({ optimiser: 'adam', loss: 'mse' }))).toThrow(/compile: unknown option "optimiser" \(did you mean "optimizer"\?\)/);
    expect(() => m.compile({ optimizer: { type: 'adam', learning_rate: 0.1 } as never, loss: 'mse' }))
      .toThrow(/compile: optimizer adam: unknown option "learning_rate" \(did you mean "learningRate"\?\)/);
  });
  test('known options still work, and a callback left undefined is fine', async () => {
    const h = await m.fit(x, x, { epochs: 2, batchSize: 4, onEpochEnd: undefined });
    expect(h.epoch).toEqual([0, 1]);
    expect((await m.predict(x, { batchSize: 2 })).shape).toEqual([4, 28, 28, 1]);
  });
  afterAll(() => m.dispose());
});

describe('models, presets and layers', () => {
  test.each([
    ['Sequential thread', () => new Sequential(anyOptions({ inputShape: [4], thread: 1 }), [layers.dense({ units: 1 })]), /Sequential: unknown option "thread" \(did you mean "threads"\?\)/],
    ['model thread', () => { const x = input({ shape: [4] }); return model(anyOptions({ inputs: x, outputs: layers.dense({ units: 1 }).apply(x), thread: 1 })); }, /model: unknown option "thread" \(did you mean "threads"\?\)/],
    ['input shap', () => input(anyOptions({ shap: [4] })), /input: unknown option "shap" \(did you mean "shape"\?\)/],
    ['readImageHeader maxPixles', () => readImageHeader(new Uint8Array(8), 'p.png', anyOptions({ maxPixles: 1 })), /p\.png: unknown option "maxPixles" \(did you mean "maxPixels"\?\)/],
    ['kerasTutorial thread', () => presets.kerasTutorial(anyOptions({ thread: 1 })), /presets.kerasTutorial: unknown option "thread" \(did you mean "threads"\?\)/],
    ['kerasIoDenoiser', () => presets.kerasIoDenoiser(anyOptions({ complie: false })), /presets.kerasIoDenoiser: unknown option "complie" \(did you mean "compile"\?\)/],
    ['bottleneckAutoencoder', () => presets.bottleneckAutoencoder(anyOptions({ code_size: 4 })), /did you mean "codeSize"/],
    ['denseAutoencoder', () => presets.denseAutoencoder(anyOptions({ encoding_dim: 4 })), /did you mean "encodingDim"/],
    ['unet', () => presets.unet(anyOptions({ depht: 2 })), /presets.unet: unknown option "depht" \(did you mean "depth"\?\)/],
    ['dncnn', () => presets.dncnn(anyOptions({ batch_norm: false })), /did you mean "batchNorm"/],
    ['pretrained', () => presets.pretrained(anyOptions({ thread: 1 })), /presets.pretrained: unknown option "thread"/],
    ['photoDenoiser', () => presets.photoDenoiser(anyOptions({ channel: 3 })), /presets.photoDenoiser: unknown option "channel" \(did you mean "channels"\?\)/],
    ['withInputShape', () => presets.kerasTutorial().withInputShape([28, 28, 1], anyOptions({ thread: 1 })), /withInputShape: unknown option "thread"/],
    ['conv2d activaton', () => layers.conv2d(anyOptions({ filters: 4, kernelSize: 3, activaton: 'relu' })), /conv2d\(\): unknown option "activaton" \(did you mean "activation"\?\); the options are filters, kernelSize, strides, padding, activation, name, useBias, kernelRegularizer/],
    ['conv2d kernel_size', () => layers.conv2d(anyOptions({ filters: 4, kernel_size: 3 })), /did you mean "kernelSize"/],
    ['conv2d inputShape', () => layers.conv2d(anyOptions({ filters: 4, kernelSize: 3, inputShape: [28, 28, 1] })), /inputShape is not supported: give the input's shape to the model/],
    ['maxPooling2d pool_size', () => layers.maxPooling2d(anyOptions({ pool_size: 2 })), /maxPooling2d\(\): unknown option "pool_size" \(did you mean "poolSize"\?\)/],
    ['dense unit', () => layers.dense(anyOptions({ unit: 2 })), /dense\(\): unknown option "unit" \(did you mean "units"\?\)/],
    ['flatten', () => layers.flatten(anyOptions({ nmae: 'f' })), /flatten\(\): unknown option "nmae"/],
    ['dropout noiseShape', () => layers.dropout(anyOptions({ rate: 0.5, noiseShape: [1, 1] })), /dropout\(\): noiseShape is not supported: masks are drawn per element/],
  ])('%s', (_name, call, message) => {
    expect(call).toThrow(message);
  });
  test('every layer type declares options that take back its own config (the registry is the one list)', () => {
    for (const type of LAYER_TYPES) {
      const factory = (layers as Record<string, (a?: object) => { config: Record<string, unknown>; apply: unknown }>)[type.factory];
      expect(factory).toBeDefined();
      const made = factory(exampleArgs(type.factory));
      expect(() => factory(made.config)).not.toThrow();
      expect(Object.keys(made.config).every((k) => k in type.options)).toBe(true);
    }
  });
});

/** Minimal valid options for each layer factory. */
function exampleArgs(factory: string): object {
  const args: Record<string, object> = {
    conv2d: { filters: 2, kernelSize: 3, name: 'c' }, conv2dTranspose: { filters: 2, kernelSize: 3 }, dense: { units: 2 },
    reshape: { targetShape: [4] }, activation: { activation: 'relu' }, dropout: { rate: 0.5, seed: 1 },
    gaussianNoise: { stddev: 0.1, clip: [0, 1] }, leakyReLU: { alpha: 0.1 },
  };
  return args[factory] ?? {};
}

describe('data, pictures and metrics', () => {
  const x = images(2);
  test.each([
    ['loadMnist testsize', () => loadMnist(anyOptions({ testsize: 10 })), /loadMnist: unknown option "testsize" \(did you mean "testSize"\?\)/],
    ['loadImages channel', () => loadImages('nowhere', anyOptions({ channel: 1 })), /loadImages: unknown option "channel" \(did you mean "channels"\?\)/],
  ])('%s', async (_name, call, message) => {
    await expect(call()).rejects.toThrow(message);
  });
  test.each([
    ['addGaussianNoise stddev', () => addGaussianNoise(x, anyOptions({ stddev: 0.1 })), /addGaussianNoise: stddev is not supported: the standard deviation is called factor here/],
    ['addGaussianNoise facter', () => addGaussianNoise(x, anyOptions({ facter: 0.1 })), /did you mean "factor"/],
    ['freshGaussianNoise stddev', () => freshGaussianNoise(x, anyOptions({ stddev: 0.1 })), /freshGaussianNoise: stddev is not supported/],
    ['addSaltAndPepper', () => addSaltAndPepper(x, anyOptions({ amout: 0.1 })), /addSaltAndPepper: unknown option "amout" \(did you mean "amount"\?\)/],
    ['samplePatches', () => samplePatches([picture], anyOptions({ size: 8, count: 2, flip: true })), /samplePatches: unknown option "flip" \(did you mean "flips"\?\)/],
    ['patchBatches batchsize', () => patchBatches([picture], anyOptions({ size: 8, batchsize: 4, batchesPerEpoch: 1 })), /patchBatches: unknown option "batchsize" \(did you mean "batchSize"\?\)/],
    ['gridImage colums', () => gridImage([x], anyOptions({ colums: 2 })), /gridImage: unknown option "colums" \(did you mean "columns"\?\)/],
    ['stackImages', () => stackImages([gridImage([x])], anyOptions({ direction: 'down', gaps: 1 })), /stackImages: unknown option "gaps" \(did you mean "gap"\?\)/],
    ['featureMapGrid', () => featureMapGrid(x, anyOptions({ colums: 2 })), /featureMapGrid: unknown option "colums"/],
    ['ssim win_size', () => ssim(x, x, anyOptions({ win_size: 7 })), /ssim: win_size is not supported: the window is windowSize here/],
    ['gaussianFilter', () => gaussianFilter(x, anyOptions({ sigam: 1 })), /gaussianFilter: unknown option "sigam" \(did you mean "sigma"\?\)/],
    ['decodePng', () => decodePng(new Uint8Array(8), anyOptions({ max_pixels: 4 })), /decodePng: unknown option "max_pixels" \(did you mean "maxPixels"\?\)/],
  ])('%s', (_name, call, message) => {
    expect(call).toThrow(message);
  });
  test('denoiseImage tilesize and loadModel thread are refused', async () => {
    const m = presets.pretrained({ threads: 1, compile: false });
    await expect(denoiseImage(m, picture, anyOptions({ tilesize: 64 }))).rejects.toThrow(/denoiseImage: unknown option "tilesize" \(did you mean "tileSize"\?\)/);
    await expect(denoiseImage(m, picture, anyOptions({ onProgress: 1 }))).rejects.toThrow(/denoiseImage: onProgress must be a function, got 1/);
    await expect(loadModel('nowhere', anyOptions({ thread: 1 }))).rejects.toThrow(/loadModel: unknown option "thread" \(did you mean "threads"\?\)/);
  });
});
