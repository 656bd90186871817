#!/usr/bin/env node
// Trains the photo denoiser that ships with the package (presets.photoDenoiser()) and writes
//   pretrained/photo/model.json + weights.bin   (TF.js Layers format; loadModel / tf.loadLayersModel)
//   src/io/model-photo-data.ts                  (the same two files embedded as text and base64)
// Deterministic: the same settings give the same bits, on any number of threads.
//
//   apt-get install python3-skimage   # the photographs (Debian's scikit-image ships them; not needed by the package)
//   npm run build && node scripts/train-photo.mjs            # retrain and overwrite the shipped files
//   npm run build && node scripts/train-photo.mjs --check    # retrain and compare with the shipped files
//   ... --threads N   (any count gives the same bits)   --photos DIR   (where skimage's data folder is)
//   ... --epochs N    (stop early: the learning-rate schedule is fixed per epoch, so N epochs here are
//                      the first N epochs of the full run)   --out DIR   (write there instead)
//   ... --channels 3  the colour model (pretrained/photo-colour/, src/io/model-photo-colour-data.ts)
//   node scripts/train-photo.mjs --embed DIR   # ship the model.json + weights.bin that a run wrote to DIR
//
// Settings (fixed; change them here and retrain):
//   data:   the photographs of TRAIN below from scikit-image's data folder (their licences: CC0 or public
//           domain, as skimage/data/_fetchers.py states), each colour photo split into its R, G and B planes
//           (the model is grey and runs per channel); HELD_OUT are never read here
//   noise:  Gaussian, standard deviation drawn per patch uniformly from 0 to 50 (0-255 scale), clipped to
//           [0, 255]: a blind denoiser
//   model:  presets.unet({ depth: 2, filters: 16, residual: true }): a small residual U-Net (it predicts
//           the noise and subtracts it), initial weights seed 0
//   train:  MSE, adam; 48x48 patches with flips and 90-degree rotations, batches of 32, BATCHES per epoch;
//           grey: 30 epochs, learning rate 1e-3, then 3e-4 from epoch 21 and 1e-4 from epoch 27
//   colour: the same U-Net with 3 channels in and out (it sees all three at once), on the photos in
//           RGB (grey ones as R = G = B); 20 epochs, learning rate 1e-3, 3e-4 from epoch 15, 1e-4 from 19
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { presets, loadImages, patchBatches, samplePatches, toFloat, addGaussianNoise, modelToFiles, optimizers } from '../dist/node.js';

export const TRAIN = [
  'astronaut.png', 'coffee.png', 'rocket.jpg', 'hubble_deep_field.jpg', 'retina.jpg', 'immunohistochemistry.png',
  'brick.png', 'grass.png', 'gravel.png', 'coins.png', 'cell.png', 'clock_motion.png',
];
export const HELD_OUT = ['camera.png', 'moon.png', 'text.png', 'page.png', 'chelsea.png'];
const FILE_OF = { 'immunohistochemistry.png': 'ihc.png' };
export const PATCH = 48;
const BATCH = 32;
const BATCHES = 250;
const SIGMA_MAX = 50 / 255;
const CHANNELS = Number(process.argv.includes('--channels') ? process.argv[process.argv.indexOf('--channels') + 1] : 1);
// Epochs and learning rate by epoch (counted from 0), per model.
const SCHEDULE = {
  1: { epochs: 30, learningRate: (epoch) => (epoch < 20 ? 1e-3 : epoch < 26 ? 3e-4 : 1e-4) },
  3: { epochs: 20, learningRate: (epoch) => (epoch < 14 ? 1e-3 : epoch < 18 ? 3e-4 : 1e-4) },
}[CHANNELS];
if (!SCHEDULE) throw new Error(`--channels must be 1 or 3, got ${CHANNELS}`);
const FULL_EPOCHS = SCHEDULE.epochs;
const learningRate = SCHEDULE.learningRate;
const NAMES = {
  1: { dir: 'photo', module: 'model-photo-data.ts', prefix: 'PHOTO', name: 'photo_denoiser' },
  3: { dir: 'photo-colour', module: 'model-photo-colour-data.ts', prefix: 'PHOTO_COLOUR', name: 'photo_denoiser_colour' },
}[CHANNELS];

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
const check = process.argv.includes('--check');
const threads = arg('--threads') ? Number(arg('--threads')) : 'auto';
const EPOCHS = Number(arg('--epochs', FULL_EPOCHS));
export const photosDir = arg('--photos', '/usr/lib/python3/dist-packages/skimage/data');

export function photoArchitecture(options = {}) {
  return presets.unet({ depth: 2, filters: 16, residual: true, inputShape: [PATCH, PATCH, CHANNELS], name: NAMES.name, seed: 0, ...options });
}

/**
 * The training photos: for the grey model as grey planes (grey pictures as they are, colour ones as
 * their R, G and B planes); for the colour model in RGB.
 */
async function trainingPlanes() {
  if (CHANNELS === 3) return loadImages(TRAIN.map((name) => join(photosDir, FILE_OF[name] ?? name)), { channels: 3 });
  const pictures = [];
  for (const name of TRAIN) {
    const [p] = await loadImages([join(photosDir, FILE_OF[name] ?? name)]);
    if (p.channels === 1) { pictures.push(p); continue; }
    for (let c = 0; c < 3; c++) {
      const data = new Uint8Array(p.width * p.height);
      for (let i = 0; i < data.length; i++) data[i] = p.data[i * 3 + c];
      pictures.push({ name: `${p.name}[${'RGB'[c]}]`, width: p.width, height: p.height, channels: 1, data });
    }
  }
  return pictures;
}

/** Writes model.json and weights.bin to pretrained/photo/ and embeds them in src/io/model-photo-data.ts. */
async function ship(jsonText, weights) {
  const dir = join(root, 'pretrained', NAMES.dir);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'model.json'), jsonText);
  await writeFile(join(dir, 'weights.bin'), weights);
  // An array of lines joined, not one long `+` chain: TypeScript's transformers recurse once per `+`.
  const b64 = '[\n' + Buffer.from(weights).toString('base64').replace(/.{1,100}/g, "  '$&',\n") + "].join('')";
  await writeFile(join(root, 'src', 'io', NAMES.module),
    `// Generated by scripts/train-photo.mjs from pretrained/${NAMES.dir}/ (model.json and weights.bin). Do not edit.\n` +
    `export const ${NAMES.prefix}_MODEL_JSON = ${JSON.stringify(JSON.stringify(JSON.parse(jsonText)))};\n` +
    `export const ${NAMES.prefix}_WEIGHTS_BASE64 =\n${b64};\n`);
  console.log(`wrote ${join(dir, 'model.json')}, weights.bin (${weights.length} bytes) and src/io/${NAMES.module}`);
}

if (arg('--embed')) {
  const from = arg('--embed');
  await ship(await readFile(join(from, 'model.json'), 'utf8'), new Uint8Array(await readFile(join(from, 'weights.bin'))));
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const planes = await trainingPlanes();
  process.stderr.write(`${planes.length} training ${CHANNELS === 3 ? "colour pictures" : "planes"} from ${TRAIN.length} photos in ${photosDir}\n`);
  // A fixed validation set from the training photos (not the held-out ones): sigma 25.
  const clean = toFloat(samplePatches(planes, { size: PATCH, count: 256, seed: 99 }));
  const noisy = addGaussianNoise(clean, { factor: 25 / 255, seed: 98 });
  const model = photoArchitecture({ threads });
  const source = patchBatches(planes, { size: PATCH, batchSize: BATCH, batchesPerEpoch: BATCHES, seed: 7, noise: [0, SIGMA_MAX], flips: true, rotations: true });
  const t0 = performance.now();
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    if (epoch === 0 || learningRate(epoch) !== learningRate(epoch - 1)) {
      const state = epoch === 0 ? null : model.getOptimizerState();
      model.compile({ optimizer: optimizers.adam({ learningRate: learningRate(epoch) }), loss: 'meanSquaredError' });
      if (state) model.setOptimizerState(state);
    }
    const h = await model.fit(source, { epochs: 1, validationData: [noisy, clean] });
    const vl = h.history.val_loss[0];
    process.stderr.write(`epoch ${epoch + 1}/${EPOCHS}  lr ${learningRate(epoch)}  loss ${h.history.loss[0].toFixed(6)}  ` +
      `val PSNR (sigma 25) ${(10 * Math.log10(1 / vl)).toFixed(2)} dB  ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  }
  const seconds = (performance.now() - t0) / 1000;
  const info = await model.engineInfo();
  console.log(`trained ${EPOCHS} epochs in ${seconds.toFixed(0)} s on ${info.threads} thread(s) (${info.variant})`);

  const { json, weights } = modelToFiles(model, { includeOptimizer: false });
  model.dispose();
  const jsonText = JSON.stringify(json, null, 1) + '\n';
  const dir = join(root, 'pretrained', NAMES.dir);
  if (check) {
    const shipped = new Uint8Array(await readFile(join(dir, 'weights.bin')));
    const same = shipped.length === weights.length && shipped.every((b, i) => b === weights[i]);
    const sameJson = (await readFile(join(dir, 'model.json'), 'utf8')) === jsonText;
    console.log(same && sameJson ? 'check: identical to the shipped pretrained/' + NAMES.dir : `check: DIFFERENT from the shipped files (weights ${same ? 'same' : 'differ'}, model.json ${sameJson ? 'same' : 'differs'})`);
    process.exitCode = same && sameJson ? 0 : 1;
  } else if (arg('--out')) {
    const out = arg('--out');
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'model.json'), jsonText);
    await writeFile(join(out, 'weights.bin'), weights);
    console.log(`wrote ${join(out, 'model.json')} and weights.bin (${weights.length} bytes)`);
  } else {
    await ship(jsonText, weights);
  }
}
