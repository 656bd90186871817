// The demo's Photos panel: a photo (opened from a file, or the sample), Gaussian noise of a chosen sigma
// (0-255 scale) added in the page, and the photo denoiser that ships with the package taking it out
// (presets.photoDenoiser(), blind residual U-Nets: the grey one for grey photos, the colour one for colour, run by denoiseImage);
// the noisy and the denoised photo side by side with the time it took and the PSNR of each against the
// photo as opened, and a before/after wipe (a range input: arrows, Page Up/Down, Home/End; or drag on the picture).
// All in the browser; nothing is sent anywhere. Independent of app.js (its own module, section and styles).
//
// The sample, chelsea.jpg, is scikit-image's chelsea.png ("Chelsea the cat", CC0 by the photographer,
// Stefan van der Walt, as skimage/data/_fetchers.py states), saved as JPEG quality 95 with OpenCV.
//
// URL parameters: threads=auto|N (the model's compute threads, as the rest of the demo).
import { presets, denoiseImage, addGaussianNoise, psnr } from '../../dist/browser/index.js';

/** Longest side a photo is scaled down to: the slider denoises again at every move, and that should not take long. */
const MAX_SIDE = 1024;
const NOISE_SEED = 11;

const $ = (id) => document.getElementById(id);
const threadsParam = new URLSearchParams(location.search).get('threads');
const threads = threadsParam && Number(threadsParam) > 0 ? Number(threadsParam) : 'auto';

// What the tests (and the curious, in the console) can look at.
const photos = {
  status: 'empty',   // empty | loading | denoising | done | error
  name: null, width: 0, height: 0, grey: false, sigma: Number($('photo-sigma').value),
  seconds: null, psnrNoisy: null, psnrDenoised: null, denoiseCount: 0, error: null,
};
window.photos = photos;
/** Resolves once no denoising is pending or running (for the tests). */
photos.idle = async () => {
  while (running || wanted) await (running ?? new Promise((r) => setTimeout(r, 10)));
};

const models = {};   // the grey (1) and colour (3) photo denoisers, made on first use
let clean = null;     // RGBA { width, height, data } of the photo as opened (scaled down if large)
let noisy = null;
let running = null;   // the denoising under way (a promise)
let wanted = false;   // another denoising asked for while one runs (the slider moved)

function say(text) { $('photo-status').textContent = text; }

function fail(e, where = 'photo-status') {
  console.error(e);
  photos.error = String(e?.message ?? e);
  photos.status = 'error';
  $(where).textContent = `Error: ${photos.error}`;
}

/** An RGBA picture onto a canvas (resized to it). */
function putImage(canvas, rgba) {
  canvas.width = rgba.width;
  canvas.height = rgba.height;
  canvas.getContext('2d').putImageData(new ImageData(rgba.data, rgba.width, rgba.height), 0, 0);
}

/** Decodes a File/Blob into RGBA, its longest side scaled down to MAX_SIDE. */
async function readPhoto(blob) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(blob);
  } catch {
    throw new Error('it is not a picture this browser can read (try PNG or JPEG)');
  }
  const s = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const w = Math.max(1, Math.round(bitmap.width * s)), h = Math.max(1, Math.round(bitmap.height * s));
  const canvas = document.createElement('canvas');
  canvas.width = w; canvas.height = h;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, w, h);
  const original = `${bitmap.width}×${bitmap.height}`;
  bitmap.close?.();
  const image = ctx.getImageData(0, 0, w, h);
  return { width: w, height: h, data: image.data, original };
}

function isGrey(rgba) {
  const d = rgba.data;
  for (let p = 0; p < d.length; p += 4) if (d[p] !== d[p + 1] || d[p] !== d[p + 2]) return false;
  return true;
}

/** The photo's colour planes as NHWC [1, H, W, C] in [0, 1]: C = 1 when R = G = B everywhere. */
function toTensor(rgba, grey) {
  const n = rgba.width * rgba.height, C = grey ? 1 : 3;
  const data = new Float32Array(n * C);
  for (let p = 0; p < n; p++) for (let c = 0; c < C; c++) data[p * C + c] = rgba.data[p * 4 + c] / 255;
  return { data, shape: [1, rgba.height, rgba.width, C] };
}

function toRgba(t, like) {
  const C = t.shape[3], n = like.width * like.height;
  const data = new Uint8ClampedArray(like.data);   // alpha kept
  for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) data[p * 4 + c] = Math.round(t.data[p * C + (C === 1 ? 0 : c)] * 255);
  return { width: like.width, height: like.height, data };
}

/** The clean photo plus Gaussian noise of standard deviation sigma (0-255), rounded to 8 bits; a grey photo stays grey. */
function addNoise(rgba, sigma) {
  const x = toTensor(rgba, photos.grey);
  return toRgba(sigma > 0 ? addGaussianNoise(x, { factor: sigma / 255, seed: NOISE_SEED }) : x, rgba);
}

const dB = (v) => (Number.isFinite(v) ? `${v.toFixed(2)} dB` : 'identical');

/** Noise the photo at the slider's sigma and (again, when the slider moved meanwhile) denoise it. */
function requestDenoise() {
  if (!clean) return;
  wanted = true;
  if (running) return;
  running = (async () => {
    try {
      while (wanted) {
        wanted = false;
        await denoiseOnce();
      }
    } catch (e) {
      wanted = false;   // a slider move queued behind the failure is dropped with it (else idle() would wait forever)
      fail(e);
    } finally {
      running = null;
    }
  })();
}

async function denoiseOnce() {
  const sigma = Number($('photo-sigma').value);
  noisy = addNoise(clean, sigma);
  putImage($('photo-noisy'), noisy);
  putImage($('photo-before'), noisy);
  const cleanT = toTensor(clean, photos.grey);
  photos.psnrNoisy = psnr(cleanT, toTensor(noisy, photos.grey)).mean;
  $('photo-noisy-caption').textContent = `noisy, sigma ${sigma}: ${dB(photos.psnrNoisy)}`;
  photos.status = 'denoising';
  say(`Denoising ${photos.name} (${clean.width}×${clean.height}, ${photos.grey ? 'grey' : 'colour'})…`);
  const channels = photos.grey ? 1 : 3;
  const model = (models[channels] ??= presets.photoDenoiser({ threads, channels }));
  const t0 = performance.now();
  const out = await denoiseImage(model, noisy, { onProgress: (f) => say(`Denoising ${photos.name}… ${Math.round(f * 100)}%`) });
  const seconds = (performance.now() - t0) / 1000;
  if (wanted) return;   // the slider moved on: the next round shows its own result
  putImage($('photo-denoised'), out);
  putImage($('photo-after'), out);
  photos.seconds = seconds;
  photos.psnrDenoised = psnr(cleanT, toTensor(out, photos.grey)).mean;
  photos.sigma = sigma;
  photos.denoiseCount++;
  photos.status = 'done';
  $('photo-denoised-caption').textContent = `denoised in ${seconds.toFixed(2)} s: ${dB(photos.psnrDenoised)}`;
  say(`Denoised ${photos.name} (${clean.width}×${clean.height}) at sigma ${sigma} in ${seconds.toFixed(2)} s: PSNR ${dB(photos.psnrNoisy)} → ${dB(photos.psnrDenoised)}.`);
}

async function open(blob, name) {
  photos.status = 'loading';
  photos.error = null;
  say(`Opening ${name}…`);
  try {
    const read = await readPhoto(blob);
    clean = { width: read.width, height: read.height, data: read.data };
    photos.grey = isGrey(clean);
    Object.assign(photos, { name, width: clean.width, height: clean.height });
    $('photo-results').hidden = false;
    const size = `${clean.width}×${clean.height}`;
    $('photo-about').textContent = `${name}, ${size}${read.original === size ? '' : ` (scaled down from ${read.original})`}: ` +
      (photos.grey ? 'grey: the grey model.' : 'colour: the colour model, R, G and B at once.');
  } catch (e) {
    return fail(new Error(`${name}: ${e.message}`));
  }
  requestDenoise();
}

// ---------------------------------------------------------------------------------------------------
// Controls

$('photo-file').addEventListener('change', (event) => {
  const file = event.target.files?.[0];
  if (file) open(file, file.name);
  event.target.value = '';   // the same file again fires change again
});

$('photo-sample').addEventListener('click', async () => {
  try {
    const res = await fetch(new URL('./chelsea.jpg', import.meta.url));
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    await open(await res.blob(), 'chelsea.jpg');
  } catch (e) {
    fail(new Error(`the sample photo did not load (${e.message})`));
  }
});

const sigmaInput = $('photo-sigma');
function showSigma() {
  $('photo-sigma-value').textContent = sigmaInput.value;
  sigmaInput.setAttribute('aria-valuetext', `sigma ${sigmaInput.value} of 255`);
}
sigmaInput.addEventListener('input', () => { showSigma(); requestDenoise(); });
showSigma();

// The wipe: noisy on the left of the line, denoised on the right.
const wipe = $('photo-wipe');
function showWipe() {
  const v = Number(wipe.value);
  $('photo-compare').style.setProperty('--wipe', `${v}%`);
  wipe.setAttribute('aria-valuetext', `line at ${v}%: noisy on the left, denoised on the right`);
}
wipe.addEventListener('input', showWipe);
showWipe();
const compare = $('photo-compare');
function wipeTo(event) {
  const r = compare.getBoundingClientRect();
  wipe.value = String(Math.round(Math.min(1, Math.max(0, (event.clientX - r.left) / r.width)) * 100));
  showWipe();
}
compare.addEventListener('pointerdown', (event) => {
  compare.setPointerCapture(event.pointerId);
  wipeTo(event);
});
compare.addEventListener('pointermove', (event) => { if (compare.hasPointerCapture(event.pointerId)) wipeTo(event); });
