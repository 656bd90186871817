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
//                      the first N epochs of the full run)
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
//           learning rate 1e-3, then 3e-4 from epoch 21 and 1e-4 from epoch 27 (of EPOCHS)
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
const FULL_EPOCHS = 30;
const SIGMA_MAX = 50 / 255;
const learningRate = (epoch) => (epoch < 20 ? 1e-3 : epoch < 26 ? 3e-4 : 1e-4);   // epoch counted from 0

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
const check = process.argv.includes('--check');
const threads = arg('--threads') ? Number(arg('--threads')) : 'auto';
const EPOCHS = Number(arg('--epochs', FULL_EPOCHS));
export const photosDir = arg('--photos', '/usr/lib/python3/dist-packages/skimage/data');

export function photoArchitecture(options = {}) {
  return presets.unet({ depth: 2, filters: 16, residual: true, inputShape: [PATCH, PATCH, 1], name: 'photo_denoiser', seed: 0, ...options });
}

/** The training photos as grey planes: grey pictures as they are, colour ones as their R, G and B planes. */
async function trainingPlanes() {
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

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const planes = await trainingPlanes();
  process.stderr.write(`${planes.length} training planes from ${TRAIN.length} photos in ${photosDir}\n`);
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
  const dir = join(root, 'pretrained', 'photo');
  if (check) {
    const shipped = new Uint8Array(await readFile(join(dir, 'weights.bin')));
    const same = shipped.length === weights.length && shipped.every((b, i) => b === weights[i]);
    const sameJson = (await readFile(join(dir, 'model.json'), 'utf8')) === jsonText;
    console.log(same && sameJson ? 'check: identical to the shipped pretrained/photo' : `check: DIFFERENT from the shipped files (weights ${same ? 'same' : 'differ'}, model.json ${sameJson ? 'same' : 'differs'})`);
    process.exitCode = same && sameJson ? 0 : 1;
  } else {
    const out = arg('--out', dir);
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'model.json'), jsonText);
    await writeFile(join(out, 'weights.bin'), weights);
    if (out === dir) {
      const b64 = Buffer.from(weights).toString('base64').replace(/.{1,100}/g, "  '$&' +\n").replace(/ \+\n$/, '');
      await writeFile(join(root, 'src', 'io', 'model-photo-data.ts'),
        '// Generated by scripts/train-photo.mjs from pretrained/photo/ (model.json and weights.bin). Do not edit.\n' +
        `export const PHOTO_MODEL_JSON = ${JSON.stringify(JSON.stringify(json))};\n` +
        `export const PHOTO_WEIGHTS_BASE64 =\n${b64};\n`);
    }
    console.log(`wrote ${join(out, 'model.json')} and weights.bin (${weights.length} bytes)${out === dir ? ' and src/io/model-photo-data.ts' : ''}`);
  }
}
