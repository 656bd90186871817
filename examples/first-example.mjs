import { presets, loadMnist, addGaussianNoise } from 'denoise-wasm';

const model = presets.kerasTutorial();          // Conv2D 16-8-8 / pool / up / Conv2D 8-8-16-1, BCE, adadelta
model.summary();                                // Keras-style table: 4,385 parameters

// Clean digits [N, 28, 28, 1] in [0, 1], and the same digits with Gaussian noise 0.4 (clipped to [0, 1])
const { train, test } = await loadMnist({ trainLimit: 2000, testLimit: 200 });
const xClean = train.images, xNoisy = addGaussianNoise(xClean, { factor: 0.4, seed: 1 });
const xTest = test.images, xTestNoisy = addGaussianNoise(xTest, { factor: 0.4, seed: 2 });

const history = await model.fit(xNoisy, xClean, {
  epochs: 3, batchSize: 128, shuffle: true, validationData: [xTestNoisy, xTest],
  onEpochEnd: (epoch, logs) => console.log(epoch, logs.loss, logs.val_loss),
});
console.log(history.history.loss);              // one mean loss per epoch, as in Keras
const denoised = await model.predict(xTestNoisy);   // Tensor { data: Float32Array, shape: [200, 28, 28, 1] }
console.log(denoised.shape);
model.dispose();
