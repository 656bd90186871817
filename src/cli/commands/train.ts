// denoise-wasm train [--images FILE] [--epochs N] -o DIR
import { loadIdx } from '../../data/idx-node.js';
import { imagesFromIdx } from '../../data/idx-images.js';
import { loadMnist } from '../../data/mnist.js';
import { addGaussianNoise } from '../../data/noise.js';
import { presets } from '../../presets.js';
import type { LayersModel } from '../../model/model.js';
import type { Tensor } from '../../tensor.js';
import { Progress } from '../progress.js';
import { CommandError, UsageError, intFlag, numberFlag, openModel, parseFlags, threadsFlag, type CliIo, type Command } from './common.js';
import { describeValue } from '../../train/validate.js';

/** The models --preset starts from (given the images' shape), and how the output names them. */
const PRESETS: Record<string, (shape: number[], threads: 'auto' | number) => { model: LayersModel; label: string }> = {
  tutorial: (_, threads) => ({ model: presets.kerasTutorial({ threads }), label: 'the tutorial model' }),
  pretrained: (_, threads) => ({ model: presets.pretrained({ threads }), label: 'the pretrained denoiser' }),
  'keras-io': (_, threads) => ({ model: presets.kerasIoDenoiser({ threads }), label: "keras.io's denoiser" }),
  unet: (shape, threads) => {
    try {
      return { model: presets.unet({ threads, inputShape: shape }), label: 'the U-Net' };
    } catch (e) {
      throw new CommandError((e as Error).message);
    }
  },
};

export const train: Command = {
  name: 'train',
  summary: 'train a denoiser on IDX images (or the embedded MNIST digits) and save it',
  help: `Usage: denoise-wasm train -o DIR [--images FILE] [--epochs N] [flags]

Trains a denoising autoencoder to turn images with Gaussian noise back into clean ones, and saves it
(model.json + weights.bin, loadable here and by TensorFlow.js; optimizer state included, so training
can go on later with --model DIR).

  -o, --out DIR        where to save the model (replaced only once the new one is complete)
  --images FILE        IDX images (e.g. train-images-idx3-ubyte.gz, raw or gzipped); default: the 8,000
                       training digits of the 10,000 embedded in the 'mnist' package (the other 2,000
                       are held out for eval)
  --limit N            train on the first N images only
  --model DIR          continue training a saved model (its weights and optimizer state)
  --preset NAME        what to train when --model is not given: 'tutorial' (default; the Keras tutorial's
                       model, 28x28 inputs), 'pretrained' (fine-tune the shipped denoiser), 'keras-io'
                       (keras.io's Conv2DTranspose denoiser, 28,353 parameters) or 'unet' (a depth-2
                       U-Net, 16 filters; any image size divisible by 4)
  --epochs N           passes over the images (default 10)
  --batch-size N       images per step (default 128)
  --noise F            standard deviation of the noise on pixels in [0, 1] (default 0.4); new noise every epoch
  --seed N             seed of the noise and the shuffling (default 0)
  --threads N          compute threads (default: one per core)
  -h, --help           print this help

Example: denoise-wasm train --images train-images-idx3-ubyte.gz --epochs 20 -o my-denoiser/`,

  async run(argv: string[], io: CliIo): Promise<number> {
    const flags = parseFlags(argv, {
      out: { type: 'string', short: 'o' }, images: { type: 'string' }, limit: { type: 'string' }, model: { type: 'string' },
      preset: { type: 'string' }, epochs: { type: 'string' }, 'batch-size': { type: 'string' }, noise: { type: 'string' },
      seed: { type: 'string' }, threads: { type: 'string' },
    }, this, io);
    if (!flags) return 0;
    const v = flags.values;
    const out = v.out as string | undefined;
    if (!out) throw new UsageError('give the directory to save the model in with -o, e.g. -o my-denoiser/');
    const epochs = intFlag(v, 'epochs', 10);
    const batchSize = intFlag(v, 'batch-size', 128);
    const noise = numberFlag(v, 'noise', 0.4);
    const seed = intFlag(v, 'seed', 0, 0);
    const limit = v.limit === undefined ? undefined : intFlag(v, 'limit', 1);
    const threads = threadsFlag(v);
    const preset = (v.preset as string | undefined) ?? 'tutorial';
    if (!Object.hasOwn(PRESETS, preset)) throw new UsageError(`--preset must be ${Object.keys(PRESETS).join(', ')}; got ${describeValue(preset)}`);
    if (v.model !== undefined && v.preset !== undefined) throw new UsageError('give --model (continue a saved model) or --preset (start one), not both');

    const clean = await loadImages(v.images as string | undefined, limit);
    let model: LayersModel;
    let label: string;
    if (v.model !== undefined) {
      ({ model, label } = await openModel(v.model as string, threads));
      if (!model.compileConfig) model.compile({ optimizer: 'adadelta', loss: 'binaryCrossentropy' });
    } else {
      ({ model, label } = PRESETS[preset](clean.shape.slice(1), threads));
    }
    const want = model.inputShape;
    if (clean.shape.slice(1).join() !== want.join()) {
      model.dispose();
      throw new CommandError(`the images are ${clean.shape[1]}x${clean.shape[2]}x${clean.shape[3]} but ${label} takes ${want.join('x')}`);
    }
    const N = clean.shape[0];
    io.err.write(`training ${label} (${model.countParams().toLocaleString('en-US')} parameters) on ${N.toLocaleString('en-US')} images, ` +
      `noise ${noise}, ${epochs} epoch(s) of batches of ${batchSize}\n`);
    const noisy = (e: number) => addGaussianNoise(clean, { factor: noise, seed: seed * 100003 + e });
    const progress = new Progress(io.err, { epochs, samples: N, batchSize });
    let history;
    try {
      history = await model.fit(noisy(0), clean, {
        epochs, batchSize, seed, shuffle: true, inputsForEpoch: noisy,
        onBatchEnd: (_, logs) => progress.batch(logs.epoch, logs.batch, logs.size, logs.loss),
        onEpochEnd: (e, logs) => progress.epoch(e, logs),
      });
    } catch (e) {
      progress.end();
      model.dispose();
      throw new CommandError(`training failed: ${(e as Error).message}`);
    }
    progress.end();
    try {
      await model.save(out);
    } catch (e) {
      throw new CommandError((e as Error).message);
    } finally {
      model.dispose();
    }
    const loss = history.history.loss[history.history.loss.length - 1];
    io.out.write(`saved to ${out} (final loss ${loss.toFixed(5)}, ${progress.elapsed().toFixed(1)} s)\n`);
    return 0;
  },
};

/** Clean images in [0, 1]: an IDX file, or the embedded digits' training split. */
export async function loadImages(path: string | undefined, limit: number | undefined, split: 'train' | 'test' = 'train'): Promise<Tensor> {
  if (path === undefined) {
    const data = await loadMnist({ seed: 0, testFraction: 0.2, ...(split === 'train' ? { trainLimit: limit } : { testLimit: limit }) });
    return data[split].images;
  }
  let images: Tensor;
  try {
    images = imagesFromIdx(await loadIdx(path), path);
  } catch (e) {
    const m = (e as Error).message.replace(/^(loadIdx|imagesFromIdx): /, '');
    throw new CommandError(/ENOENT|no such file|does not exist|not found/i.test(m) ? `${path} does not exist` : m);
  }
  if (limit === undefined || limit >= images.shape[0]) return images;
  const per = images.data.length / images.shape[0];
  return { data: images.data.slice(0, limit * per), shape: [limit, ...images.shape.slice(1)] };
}
