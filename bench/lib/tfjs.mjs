// TensorFlow.js peers: the tutorial's conv autoencoder and keras.io's denoiser built layer by layer with
// tfjs-layers, on the cpu backend or the wasm backend (its SIMD build; single-threaded in Node).
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);

export function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(join(dirname(require.resolve(`${name}/package.json`)), 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

/**
 * The wasm backend's dist folder as a file-system path ending in '/': setWasmPaths takes a prefix, and in
 * Node the backend's Emscripten loader reads a local path with fs (a file: URL would go to fetch).
 */
export function tfjsWasmDir() {
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + sep;
}

/** Loads TF.js on `backend` ('cpu' or 'wasm'); returns tf and what the backend runs. */
export async function loadTfjs(backend) {
  const tf = await import('@tensorflow/tfjs');
  const info = { backend };
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(tfjsWasmDir());
    info.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    info.multithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  }
  if (!(await tf.setBackend(backend))) throw new Error(`TF.js: backend ${backend} did not initialise`);
  await tf.ready();
  if (backend === 'wasm') {
    try { info.threads = tf.backend().wasm.tfjs.getThreadsCount(); } catch { info.threads = 1; }
  }
  return { tf, info };
}

/** Conv2D 16-8-8 / pool / up / Conv2D 8-8-16(valid)-1, glorotUniform, BCE, adadelta: the tutorial. */
export function tutorialModel(tf) {
  const conv = (filters, activation = 'relu', padding = 'same', first = false) => tf.layers.conv2d({
    filters, kernelSize: 3, activation, padding, kernelInitializer: 'glorotUniform',
    ...(first ? { inputShape: [28, 28, 1] } : {}),
  });
  const pool = () => tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' });
  const up = () => tf.layers.upSampling2d({ size: [2, 2] });
  const model = tf.sequential({
    layers: [
      conv(16, 'relu', 'same', true), pool(), conv(8), pool(), conv(8), pool(),
      conv(8), up(), conv(8), up(), conv(16, 'relu', 'valid'), up(), conv(1, 'sigmoid'),
    ],
  });
  model.compile({ optimizer: 'adadelta', loss: 'binaryCrossentropy' });
  return model;
}

/** keras.io's denoiser: Conv2D 32-32 / pool, Conv2DTranspose 32-32 (stride 2), Conv2D 1 sigmoid; adam, BCE. */
export function kerasIoModel(tf) {
  const conv = (filters, activation = 'relu', first = false) => tf.layers.conv2d({
    filters, kernelSize: 3, activation, padding: 'same', ...(first ? { inputShape: [28, 28, 1] } : {}),
  });
  const pool = () => tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' });
  const up = () => tf.layers.conv2dTranspose({ filters: 32, kernelSize: 3, strides: 2, activation: 'relu', padding: 'same' });
  const model = tf.sequential({ layers: [conv(32, 'relu', true), pool(), conv(32), pool(), up(), up(), conv(1, 'sigmoid')] });
  model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  return model;
}
