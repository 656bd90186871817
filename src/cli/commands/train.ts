// denoise-wasm train [--images FILE|DIR] [--patch N] [--epochs N] -o DIR
import { stat } from 'node:fs/promises';
import { loadIdx } from '../../data/idx-node.js';
import { loadImageFiles } from '../../data/pictures-node.js';
import { patchBatches } from '../../data/patches.js';
import type { Picture } from '../../data/pictures.js';
import { imagesFromIdx } from '../../data/idx-images.js';
import { loadMnist } from '../../data/mnist.js';
import { addGaussianNoise } from '../../data/noise.js';
import { presets } from '../../presets.js';
import type { LayersModel } from '../../model/model.js';
import type { History } from '../../train/fit.js';
import type { Tensor } from '../../tensor.js';
import { Progress } from '../progress.js';
import { checkModelOutput } from '../output.js';
import { CommandError, UsageError, intFlag, numberFlag, openModel, parseFlags, threadsFlag, type CliIo, type Command } from './common.js';
import type { FlagValues } from '../flags.js';
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
  // A DnCNN small enough to train on 2 cores (the paper's is depth 17, 64 filters: presets.dncnn()).
  dncnn: ([h, w, c], threads) => {
    if (h !== w) throw new CommandError(`--preset dncnn trains on square images or patches, got ${h}x${w}`);
    return { model: presets.dncnn({ threads, patchSize: h, channels: c, depth: 8, filters: 32 }), label: 'a DnCNN (8 layers of 32 filters, residual)' };
  },
};

export const train: Command = {
  name: 'train',
  summary: 'train a denoiser on IDX images, a folder of PNG/JPEG pictures (by patches) or the embedded MNIST digits, and save it',
  help: `Usage: denoise-wasm train -o DIR [--images FILE|DIR] [--patch N] [--epochs N] [flags]

Trains a denoising autoencoder to turn images with Gaussian noise back into clean ones, and saves it
(model.json + weights.bin, loadable here and by TensorFlow.js; optimizer state included, so training
can go on later with --model DIR).

  -o, --out DIR        where to save the model (replaced only once the new one is complete): a new
                       directory or one holding only a model, checked before the training
  --images FILE|DIR    IDX images (e.g. train-images-idx3-ubyte.gz, raw or gzipped), or your own
                       pictures: a folder of PNG/JPEG files (or one file) of any sizes, trained on by
                       random square patches (see --patch); default: the 8,000 training digits of the
                       10,000 embedded in the 'mnist' package (the other 2,000 are held out for eval)
  --patch N            pictures: side of the patches in pixels (default 28; the tutorial model takes
                       28, 36, 44, ... = 8k - 4, keras-io and unet multiples of 4, dncnn any; another
                       size names the nearest that fit); the model is built at NxN and, being fully
                       convolutional, denoises pictures of any size afterwards
  --patches N          pictures: patches per epoch, drawn afresh every epoch (default 8192)
  --channels 1|3       pictures: convert them to grey (1) or RGB (3) (default: what they are; unet
                       and dncnn are built for either, the other presets are grey)
  --augment            pictures: random flips and 90-degree rotations of the patches
  --limit N            train on the first N images only (IDX and embedded digits)
  --model DIR          continue training a saved model (its weights and optimizer state)
  --preset NAME        what to train when --model is not given: 'tutorial' (default; the Keras tutorial's
                       model, 28x28 inputs), 'pretrained' (fine-tune the shipped denoiser), 'keras-io'
                       (keras.io's Conv2DTranspose denoiser, 28,353 parameters), 'unet' (a depth-2
                       U-Net, 16 filters; any image size divisible by 4) or 'dncnn' (a residual DnCNN,
                       8 layers of 32 filters with BatchNormalization; square images); each trains
                       on IDX images, pictures or the embedded digits alike
  --epochs N           passes over the images (default 10)
  --batch-size N       images per step (default 128)
  --noise F            standard deviation of the noise on pixels in [0, 1] (default 0.4); new noise every epoch
  --seed N             seed of the noise and the shuffling (default 0)
  --threads N          compute threads (default: one per core)
  -h, --help           print this help

Examples: denoise-wasm train --images train-images-idx3-ubyte.gz --epochs 20 -o my-denoiser/
          denoise-wasm train --images scans/ --patch 48 --augment --epochs 20 -o scan-denoiser/`,

  async run(argv: string[], io: CliIo): Promise<number> {
    const flags = parseFlags(argv, {
      out: { type: 'string', short: 'o' }, images: { type: 'string' }, limit: { type: 'string' }, model: { type: 'string' },
      preset: { type: 'string' }, epochs: { type: 'string' }, 'batch-size': { type: 'string' }, noise: { type: 'string' },
      seed: { type: 'string' }, threads: { type: 'string' }, patch: { type: 'string' }, patches: { type: 'string' },
      channels: { type: 'string' }, augment: { type: 'boolean' },
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

    await checkModelOutput(out, '-o');   // before the work, which a destination that cannot take it would lose
    const pictures = await isPictureSource(v.images as string | undefined);
    const pictureFlags = ['patch', 'patches', 'channels', 'augment'].filter((f) => v[f] !== undefined);
    if (!pictures && pictureFlags.length) throw new UsageError(`--${pictureFlags[0]} is for pictures: give --images a folder of PNG/JPEG files (or one such file)`);
    if (pictures && v.limit !== undefined) throw new UsageError('--limit is for IDX images; for pictures choose --patches (patches per epoch)');
    if (pictures) return trainOnPictures(v, io, { out, epochs, batchSize, noise, seed, threads, preset });
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
    return finishTraining(model, io, out, progress, () => model.fit(noisy(0), clean, {
      epochs, batchSize, seed, shuffle: true, inputsForEpoch: noisy,
      onBatchEnd: (_, logs) => progress.batch(logs.epoch, logs.batch, logs.size, logs.loss),
      onEpochEnd: (e, logs) => progress.epoch(e, logs),
    }));
  },
};

/** True when --images names pictures (a directory, or a .png/.jpg/.jpeg file) rather than an IDX file. */
async function isPictureSource(path: string | undefined): Promise<boolean> {
  if (path === undefined) return false;
  if (/\.(png|jpe?g)$/i.test(path)) return true;
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;   // the IDX loader says the file is missing
  }
}

/** --patch when not given: 28, the digits' size, which every preset takes. */
const DEFAULT_PATCH = 28;

interface TrainSettings { out: string; epochs: number; batchSize: number; noise: number; seed: number; threads: 'auto' | number; preset: string }

// --images DIR: random patches of the pictures, fresh every epoch, noised as they are drawn.
async function trainOnPictures(v: FlagValues, io: CliIo, t: TrainSettings): Promise<number> {
  const patch = intFlag(v, 'patch', DEFAULT_PATCH);
  const perEpoch = intFlag(v, 'patches', 8192);
  const channels = v.channels === undefined ? undefined : Number(v.channels);
  if (channels !== undefined && channels !== 1 && channels !== 3) throw new UsageError(`--channels must be 1 or 3, got ${describeValue(v.channels)}`);
  let pictures: Picture[];
  try {
    pictures = await loadImageFiles(v.images as string, { channels: channels as 1 | 3 | undefined });
  } catch (e) {
    throw new CommandError((e as Error).message.replace(/^loadImages: /, ''));
  }
  const C = pictures[0].channels;
  let base: LayersModel, label: string;
  if (v.model !== undefined) {
    ({ model: base, label } = await openModel(v.model as string, t.threads));
  } else {
    // Built at the default patch (every preset takes it) with the pictures' channels where the preset
    // is built by shape (unet, dncnn); patchModel rebuilds it at --patch or names the sizes that fit.
    ({ model: base, label } = PRESETS[t.preset]([DEFAULT_PATCH, DEFAULT_PATCH, C], t.threads));
  }
  let model: LayersModel;
  try {
    model = patchModel(base, patch, C, label);
  } finally {
    base.dispose();
  }
  const compiled = base.compileConfig;
  model.compile(compiled ?? { optimizer: 'adadelta', loss: 'binaryCrossentropy' });
  const state = base.getOptimizerState();
  if (compiled && state) model.setOptimizerState(state);
  const batchesPerEpoch = Math.ceil(perEpoch / t.batchSize);
  let source;
  try {
    source = patchBatches(pictures, { size: patch, batchSize: t.batchSize, batchesPerEpoch, seed: t.seed, noise: t.noise, flips: !!v.augment, rotations: !!v.augment });
  } catch (e) {
    model.dispose();
    throw new CommandError((e as Error).message.replace(/^patchBatches: /, ''));
  }
  const pixels = pictures.reduce((n, p) => n + p.width * p.height, 0);
  io.err.write(`training ${label} (${model.countParams().toLocaleString('en-US')} parameters) on ${pictures.length.toLocaleString('en-US')} pictures ` +
    `(${(pixels / 1e6).toFixed(2)} megapixels, ${C === 1 ? 'grey' : 'RGB'}), ${(batchesPerEpoch * t.batchSize).toLocaleString('en-US')} ${patch}x${patch} patches per epoch, ` +
    `noise ${t.noise}, ${t.epochs} epoch(s) of batches of ${t.batchSize}\n`);
  const progress = new Progress(io.err, { epochs: t.epochs, samples: batchesPerEpoch * t.batchSize, batchSize: t.batchSize });
  return finishTraining(model, io, t.out, progress, () => model.fit(source, {
    epochs: t.epochs,
    onBatchEnd: (_, logs) => progress.batch(logs.epoch, logs.batch, logs.size, logs.loss),
    onEpochEnd: (e, logs) => progress.epoch(e, logs),
  }));
}

/** The model rebuilt for patch x patch x C inputs, or an error that says which patch sizes fit it. */
function patchModel(base: LayersModel, patch: number, C: number, label: string): LayersModel {
  const fits = (n: number) => {
    try {
      const m = base.withInputShape([n, n, C]);
      return m.outputShape.join() === m.inputShape.join() ? m : null;
    } catch {
      return null;
    }
  };
  if (C !== base.inputShape[2]) {
    throw new CommandError(`${label} cannot take ${patch}x${patch}x${C} patches: it takes ${base.inputShape[2]} channel${base.inputShape[2] === 1 ? '' : 's'} ` +
      `(pass --channels ${base.inputShape[2]})`);
  }
  const model = fits(patch);
  if (model) return model;
  const near: number[] = [];
  for (let d = 1; d <= 64 && near.length < 2; d++) for (const n of [patch - d, patch + d]) if (n >= 1 && near.length < 2 && fits(n)) near.push(n);
  throw new CommandError(`${label} cannot take ${patch}x${patch}x${C} patches: its pooling and upsampling would not give back ${patch}x${patch} outputs` +
    (near.length ? `; use --patch ${near.sort((a, b) => a - b).join(' or ')}` : ''));
}

/** Runs the training, saves the model, reports; the model is disposed in every case. */
async function finishTraining(model: LayersModel, io: CliIo, out: string, progress: Progress, fit: () => Promise<History>): Promise<number> {
  let history;
  try {
    history = await fit();
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
}

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
