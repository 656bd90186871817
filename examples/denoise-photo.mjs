import { presets, denoiseImage, loadImages, byteTensor, toFloat, addGaussianNoise, psnr, saveImageGrid } from 'denoise-wasm/node';

const [photo] = await loadImages([process.argv[2] ?? 'photo.jpg']);    // { name, width, height, channels: 1 | 3, data: Uint8Array }
const model = presets.photoDenoiser();

// A Picture comes back as a Picture of the same size and channels (an RGBA image as RGBA, NHWC floats as NHWC).
const denoised = await denoiseImage(model, photo, { onProgress: (f) => console.log(`${Math.round(f * 100)}% done`) });
console.log(`${denoised.name}: ${denoised.width}x${denoised.height}, ${denoised.channels} channel(s)`);

// How much it removes: noise of standard deviation 25 (0-255 scale) on the photo, then denoised.
const clean = toFloat(byteTensor(photo.data, [1, photo.height, photo.width, photo.channels]));
const noisy = addGaussianNoise(clean, { factor: 25 / 255, seed: 1 });
const restored = await denoiseImage(model, noisy);
console.log(`PSNR: noisy ${psnr(noisy, clean).mean.toFixed(2)} dB, denoised ${psnr(restored, clean).mean.toFixed(2)} dB`);
await saveImageGrid('out/photo.png', [noisy, restored, clean]);        // rows: noisy, denoised, clean
model.dispose();
