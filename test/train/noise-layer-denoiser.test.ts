// Issue 12: the tutorial's noise, clip(x + 0.4·N(0, 1), 0, 1), as the model's first layer
// (layers.gaussianNoise({ stddev: 0.4, clip: [0, 1] })): fresh noise every step, drawn inside wasm, so
// fit(clean, clean) trains a denoiser, and predict (where the layer is the identity) denoises held-out
// noisy digits better than they started. Small on purpose: 1,000 digits, 3 epochs.
import { Sequential, layers, optimizers, loadMnist, addGaussianNoise, psnr } from '../../src/index.js';

test('fit(clean, clean) with GaussianNoise + clip as the first layer trains a denoiser of digits', async () => {
  const { train, test: held } = await loadMnist({ testSize: 200, trainLimit: 1000 });
  const m = new Sequential({ inputShape: [28, 28, 1], seed: 1, threads: 1 }, [
    layers.gaussianNoise({ stddev: 0.4, clip: [0, 1], seed: 1 }),
    layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
    layers.maxPooling2d({ poolSize: 2, padding: 'same' }),
    layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
    layers.upSampling2d({ size: 2 }),
    layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid' }),
  ]);
  m.compile({ optimizer: optimizers.adam({ learningRate: 0.003 }), loss: 'binaryCrossentropy' });
  const noisyTest = addGaussianNoise(held.images, { factor: 0.4, seed: 2 });
  const h = await m.fit(train.images, train.images, { epochs: 3, batchSize: 50, validationData: [noisyTest, held.images] });
  const before = psnr(noisyTest, held.images).mean;
  const after = psnr(await m.predict(noisyTest), held.images).mean;
  console.log(`noise layer denoiser: loss by epoch ${h.history.loss.map((v) => v.toFixed(4)).join(', ')}; ` +
    `val_loss ${h.history.val_loss!.map((v) => v.toFixed(4)).join(', ')}; PSNR on 200 held-out noisy digits ${before.toFixed(2)} dB -> ${after.toFixed(2)} dB`);
  // measured: loss 0.4826, 0.2351, 0.1323; PSNR 11.01 dB -> 17.84 dB
  expect(h.history.loss[2]).toBeLessThan(0.8 * h.history.loss[0]);
  expect(after).toBeGreaterThan(before + 3);
  m.dispose();
}, 120_000);
