// What a 10-neuron bottleneck costs (the seed's figure D): the tutorial's conv autoencoder, and the same
// conv encoder and decoder joined through Flatten, Dense(10), Dense(128), Reshape, trained alike on the
// same noisy digits; PSNR and SSIM side by side on held-out digits, and a picture of their
// reconstructions with the 10-number codes. Run after `npm run build`:
//   node examples/bottleneck.mjs                             (a few minutes; writes out/bottleneck.png)
//   EPOCHS=1 TRAIN_SIZE=256 node examples/bottleneck.mjs     (a quick check)
import { presets, optimizers, model, loadMnist, addGaussianNoise, sliceRows, psnr, ssim, gridImage, featureMapGrid, stackImages } from 'denoise-wasm';
import { encodePng } from 'denoise-wasm/node';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

const EPOCHS = Number(process.env.EPOCHS ?? 10);
const TRAIN_SIZE = Number(process.env.TRAIN_SIZE ?? 8000);
const OUT = process.env.OUT ?? 'out/bottleneck.png';

const { train, test } = await loadMnist({ seed: 0, testFraction: 0.2, trainLimit: TRAIN_SIZE });
const noisyTrain = addGaussianNoise(train.images, { factor: 0.4, seed: 1 });
const noisyTest = addGaussianNoise(test.images, { factor: 0.4, seed: 2 });

const results = [];
for (const [name, make] of [['tutorial', presets.kerasTutorial], ['bottleneck', presets.bottleneckAutoencoder]]) {
  const m = make({ compile: false });
  // adam for short runs (adadelta, the tutorial's, needs its many epochs); the same for both models.
  m.compile({ optimizer: optimizers.adam({ learningRate: 0.003 }), loss: 'binaryCrossentropy' });
  const started = Date.now();
  const h = await m.fit(noisyTrain, train.images, { epochs: EPOCHS, batchSize: 128, validationData: [noisyTest, test.images] });
  const seconds = (Date.now() - started) / 1000;
  const denoised = await m.predict(noisyTest);
  results.push({ name, m, denoised, params: m.countParams(), seconds, valLoss: h.history.val_loss.at(-1), psnr: psnr(denoised, test.images).mean, ssim: ssim(denoised, test.images).mean });
}
console.log(`${test.images.shape[0]} held-out digits, noise 0.4 (noisy: PSNR ${psnr(noisyTest, test.images).mean.toFixed(2)} dB, SSIM ${ssim(noisyTest, test.images).mean.toFixed(3)}); ${EPOCHS} epochs of ${train.images.shape[0]} digits each`);
for (const r of results) {
  console.log(`${r.name.padEnd(10)} ${String(r.params).padStart(5)} params  ${r.seconds.toFixed(0).padStart(4)} s  val_loss ${r.valLoss.toFixed(4)}  PSNR ${r.psnr.toFixed(2)} dB  SSIM ${r.ssim.toFixed(3)}`);
}

// The bottleneck's codes: a model over its layers up to 'code' (the same weights).
const bottleneck = results[1].m;
const codes = await model({ inputs: bottleneck.input, outputs: bottleneck.getLayer('code').output }).predict(sliceRows(noisyTest, 0, 10));
const first10 = (t) => sliceRows(t, 0, 10);
// Rows: clean, noisy, the tutorial's reconstruction, the bottleneck's; then the codes.
const picture = stackImages([
  gridImage([first10(test.images), first10(noisyTest), first10(results[0].denoised), first10(results[1].denoised)], { scale: 2 }),
  // One row of 10 numbers per digit, top to bottom for the digits left to right above.
  featureMapGrid({ data: codes.data, shape: [1, 10, codes.shape[1], 1] }, { scale: 10, title: 'codes: a row per digit (left to right above)' }),
], { gap: 6 });
await mkdir(dirname(OUT), { recursive: true });
await writeFile(OUT, encodePng(picture));
console.log(`wrote ${OUT}`);
for (const r of results) r.m.dispose();
