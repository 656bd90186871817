#!/usr/bin/env node
// The photo denoiser (presets.photoDenoiser()) against classical denoisers on the held-out photographs of
// scripts/train-photo.mjs (never trained or tuned on), at Gaussian noise sigma 15, 25 and 50 (0-255 scale).
// Prints a markdown table (PSNR / SSIM per picture and their mean, per sigma), writes it to
// docs/photo-comparison.md, and writes docs/photo-comparison.png (crops of camera at sigma 25: clean,
// noisy, the best classical method, ours).
//
//   apt-get install python3-opencv python3-skimage   # OpenCV, scikit-image and the photographs (not needed by the package)
//   npm run build && nice -n 15 node scripts/compare-photos.mjs
//   ... --retune              tune the classical methods again on the training crops (scripts/classical-params.json)
//   ... --photos DIR          skimage's data folder (default: Debian's python3-skimage's)
//   ... --python PATH         a python3 with cv2 and skimage (default /usr/bin/python3, Debian's)
//   ... --sigmas 15,25,50     --images camera.png,moon.png   --crop N (centre N x N crops)   --threads N
//   ... --out FILE.md         --picture FILE.png | --no-picture   --json FILE (every score, for tests)   --help
//
// Protocol, the same for every method:
//   noise   clean + sigma·N(0, 1) on the 0-255 scale by the library's addGaussianNoise (its seeded Random;
//           seed 1000·sigma + the picture's index in HELD_OUT, or 100000 + ... for the tuning crops),
//           clipped to [0, 255] and ROUNDED to integers: a noisy 8-bit picture, as a file would hold it
//           (OpenCV's non-local means only takes 8 bits). Node makes it and writes it as raw uint8 files;
//           scripts/classical-denoisers.py reads them with numpy.fromfile.
//   scores  the library's psnr and ssim (src/metrics; peak 1, SSIM window 7 as skimage's default, colour
//           channels averaged) of each output clipped to [0, 1] against the clean picture; Node computes
//           every score, python only denoises.
//   methods median 3x3 and Gaussian blur: the library's medianFilter / gaussianFilter (kernel side
//           2·ceil(3σ)+1); NLM, wavelet, TV: classical-denoisers.py (what each does is written there);
//           ours: presets.photoDenoiser() (grey pictures) or presets.photoDenoiser({ channels: 3 }) (colour)
//           through the library's denoiseImage (tiles with mirrored context), its output clipped to [0, 1].
//   tuning  each classical parameter per sigma on centre 256x256 crops of training photos (TUNE_GREY as
//           grey, and TUNE_COLOUR in colour for NLM's colour filter), by the mean PSNR over the crops, on
//           the grids of GRIDS; the held-out pictures are never used. The values are cached in
//           scripts/classical-params.json (tuned again with --retune, or when a sigma is missing there).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { presets, denoiseImage, loadImages, addGaussianNoise, psnr, ssim, medianFilter, gaussianFilter, saveImageGrid } from '../dist/node.js';
import { TRAIN, HELD_OUT } from './train-photo.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {   // the header above
  const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
  console.log(lines.slice(1, lines.findIndex((l) => l.startsWith('import'))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
  process.exit(0);
}
const arg = (name, dflt) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : dflt; };
const list = (s) => s.split(',').map((v) => v.trim()).filter(Boolean);
const photosDir = arg('--photos', '/usr/lib/python3/dist-packages/skimage/data');
const python = arg('--python', '/usr/bin/python3');
const sigmas = list(arg('--sigmas', '15,25,50')).map(Number);
const images = list(arg('--images', HELD_OUT.join(',')));
const crop = arg('--crop') ? Number(arg('--crop')) : null;
const threads = arg('--threads') ? Number(arg('--threads')) : 'auto';
const paramsPath = arg('--params', join(root, 'scripts', 'classical-params.json'));
const outPath = arg('--out', join(root, 'docs', 'photo-comparison.md'));
const picturePath = argv.includes('--no-picture') ? null : arg('--picture', join(root, 'docs', 'photo-comparison.png'));
const jsonPath = arg('--json');
const helper = join(root, 'scripts', 'classical-denoisers.py');

for (const s of sigmas) if (!(s > 0 && s <= 100)) fail(`--sigmas: each must be in (0, 100], got ${s}`);
for (const name of images) if (!HELD_OUT.includes(name)) fail(`--images: ${name} is not a held-out photo (${HELD_OUT.join(', ')})`);
if (crop !== null && !(Number.isInteger(crop) && crop >= 8)) fail(`--crop must be an integer >= 8, got ${arg('--crop')}`);

/** Training photos the classical parameters are tuned on (centre crops, TUNE_CROP square). */
const TUNE_GREY = ['astronaut.png', 'coffee.png', 'brick.png', 'coins.png'];
const TUNE_COLOUR = ['astronaut.png', 'coffee.png', 'rocket.jpg'];
const TUNE_CROP = 256;
for (const name of [...TUNE_GREY, ...TUNE_COLOUR]) if (!TRAIN.includes(name)) throw new Error(`${name} is not a training photo`);

/** The grids tried per sigma s (0-255 scale): 5-7 values per parameter. */
const GRIDS = {
  gaussian: () => [0.5, 0.75, 1, 1.25, 1.5, 2, 2.5].map((sigma) => ({ sigma })),
  nlm: (s) => [0.5, 0.7, 0.85, 1, 1.15, 1.3, 1.5].map((k) => ({ h: round(k * s, 1) })),
  // Colour NLM in two steps: h (CIELAB's L) with hColor = h, then hColor with the best h.
  nlmColourH: (s) => [0.4, 0.55, 0.7, 0.85, 1].map((k) => ({ h: round(k * s, 1), hColor: round(k * s, 1) })),
  nlmColourHColor: (h) => [0.5, 0.75, 1, 1.5, 2].map((k) => ({ h, hColor: round(k * h, 1) })),
  wavelet: () => ['db1', 'db2', 'db4', 'sym4', 'sym8', 'coif1'].map((wavelet) => ({ wavelet })),
  tv: (s) => [0.4, 0.55, 0.7, 0.85, 1, 1.2, 1.4].map((k) => ({ weight: round(k * s / 255, 4) })),
};

const METHODS = [
  ['noisy', 'noisy input'], ['median', 'median 3x3'], ['gaussian', 'Gaussian blur'], ['nlm', 'OpenCV NLM'],
  ['wavelet', 'wavelet BayesShrink'], ['tv', 'TV Chambolle'], ['ours', 'ours (photoDenoiser)'],
];
const CLASSICAL = ['median', 'gaussian', 'nlm', 'wavelet', 'tv'];

function fail(message) {
  process.stderr.write(`compare-photos: ${message}\n`);
  process.exit(2);
}

function round(v, digits) {
  return Number(v.toFixed(digits));
}

// ---------------------------------------------------------------------------------------------------
// Pictures and noise

/** A photo as a float tensor [1, H, W, C] in [0, 1]: `channels` 1 converts to grey, 3 to RGB, undefined keeps it. */
async function loadPhoto(name, { channels, side } = {}) {
  const [p] = await loadImages([join(photosDir, name)], channels ? { channels } : {});
  const h = side ? Math.min(side, p.height) : p.height;
  const w = side ? Math.min(side, p.width) : p.width;
  const y0 = (p.height - h) >> 1, x0 = (p.width - w) >> 1, c = p.channels;
  const data = new Float32Array(h * w * c);
  for (let y = 0; y < h; y++) {
    for (let i = 0; i < w * c; i++) data[y * w * c + i] = p.data[((y0 + y) * p.width + x0) * c + i] / 255;
  }
  return { data, shape: [1, h, w, c] };
}

/** clean + sigma/255 · N(0, 1), clipped to [0, 1] and rounded to 8 bits: the noisy picture as values and bytes. */
function noisy8(clean, sigma, seed) {
  const x = addGaussianNoise(clean, { factor: sigma / 255, seed });
  const bytes = Uint8Array.from(x.data, (v) => Math.round(v * 255));
  return { tensor: { data: Float32Array.from(bytes, (b) => b / 255), shape: x.shape }, bytes };
}

// ---------------------------------------------------------------------------------------------------
// Denoisers

/** Runs the python jobs (one process for all), reading each output back as a tensor of its case's shape. */
function runPython(jobs, work) {
  if (jobs.length === 0) return [];
  const file = join(work, `jobs-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify({ jobs }));
  let out;
  try {
    out = execFileSync(python, [helper, file], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] });
  } catch (e) {
    fail(`${python} ${helper} failed (exit ${e.status}); see above`);
  }
  const { seconds } = JSON.parse(out.trim().split('\n').pop());
  return jobs.map((job, i) => {
    const bytes = readFileSync(job.output);
    rmSync(job.output);
    const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
    return { tensor: { data, shape: [1, job.height, job.width, job.channels] }, seconds: seconds[i] };
  });
}

let jobCount = 0;
/** A python job for one noisy case (its bytes already written to c.input). */
function job(c, method, params, work) {
  const [, height, width, channels] = c.clean.shape;
  return { input: c.input, height, width, channels, method, params, output: join(work, `out-${jobCount++}.f32`) };
}

/** Writes a case's noisy bytes for python. */
function writeNoisy(c, work) {
  c.input = join(work, `noisy-${jobCount++}.u8`);
  writeFileSync(c.input, c.noisyBytes);
}

function runNode(method, params, noisy) {
  const t0 = performance.now();
  const out = method === 'median' ? medianFilter(noisy, 3)
    : gaussianFilter(noisy, { sigma: params.sigma, size: 2 * Math.ceil(3 * params.sigma) + 1 });
  return { tensor: out, seconds: (performance.now() - t0) / 1000 };
}

const models = {};
/** Ours: the library's denoiseImage (tiles with mirrored context) with the grey or the colour model, output clipped to [0, 1]. */
async function runOurs(noisy) {
  const channels = noisy.shape[3];
  const model = (models[channels] ??= presets.photoDenoiser({ threads, channels }));
  const t0 = performance.now();
  const out = await denoiseImage(model, noisy);
  return { tensor: out, seconds: (performance.now() - t0) / 1000 };
}

// ---------------------------------------------------------------------------------------------------
// Tuning on training crops

/** The params of `grid` with the highest mean PSNR over the cases (the first on a tie), and that PSNR. */
function best(grid, outputsPerParams, cases) {
  let top = null;
  grid.forEach((params, k) => {
    const score = cases.reduce((s, c, i) => s + psnr(c.clean, outputsPerParams[k][i].tensor).mean, 0) / cases.length;
    if (!top || score > top.psnr) top = { params, psnr: round(score, 3) };
  });
  return top;
}

/** Runs each params of the grid on every case with python and picks the best. */
function tunePython(method, grid, cases, work) {
  const jobs = grid.flatMap((params) => cases.map((c) => job(c, method, params, work)));
  const results = runPython(jobs, work);
  return best(grid, grid.map((_, k) => results.slice(k * cases.length, (k + 1) * cases.length)), cases);
}

async function tune(sigma, work) {
  const grey = [], colour = [];
  for (const name of TUNE_GREY) grey.push(await loadPhoto(name, { channels: 1, side: TUNE_CROP }));
  for (const name of TUNE_COLOUR) colour.push(await loadPhoto(name, { channels: 3, side: TUNE_CROP }));
  const cases = (list, offset) => list.map((clean, i) => {
    const n = noisy8(clean, sigma, 100000 + 1000 * sigma + offset + i);
    const c = { clean, noisy: n.tensor, noisyBytes: n.bytes };
    writeNoisy(c, work);
    return c;
  });
  const g = cases(grey, 0), col = cases(colour, 100);
  const gaussianGrid = GRIDS.gaussian(sigma);
  const gaussian = best(gaussianGrid, gaussianGrid.map((p) => g.map((c) => runNode('gaussian', p, c.noisy))), g);
  const nlm = tunePython('nlm', GRIDS.nlm(sigma), g, work);
  const colourH = tunePython('nlm', GRIDS.nlmColourH(sigma), col, work);
  const nlmColour = tunePython('nlm', GRIDS.nlmColourHColor(colourH.params.h), col, work);
  const wavelet = tunePython('wavelet', GRIDS.wavelet(sigma), g, work);
  const tv = tunePython('tv', GRIDS.tv(sigma), g, work);
  return { gaussian, nlm, nlmColour, wavelet, tv };
}

// ---------------------------------------------------------------------------------------------------
// The comparison

const t0 = performance.now();
const work = mkdtempSync(join(tmpdir(), 'compare-photos-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));   // still removes `work`
try {
  execFileSync(python, [helper, '--check'], { stdio: ['ignore', 'ignore', 'pipe'] });
} catch (e) {
  fail(`${python} cannot run the classical denoisers: ${String(e.stderr ?? e.message).trim()}`);
}
if (!existsSync(join(photosDir, 'camera.png'))) fail(`${photosDir} does not hold scikit-image's photographs (apt-get install python3-skimage, or --photos DIR)`);

const saved = existsSync(paramsPath) ? JSON.parse(readFileSync(paramsPath, 'utf8')) : null;
const params = { ...saved?.sigma };
const toTune = sigmas.filter((s) => argv.includes('--retune') || !params[s]);
for (const s of toTune) {
  const t = performance.now();
  process.stderr.write(`tuning the classical methods for sigma ${s} on ${TUNE_CROP}x${TUNE_CROP} crops of training photos...\n`);
  params[s] = await tune(s, work);
  process.stderr.write(`  ${JSON.stringify(params[s])} (${((performance.now() - t) / 1000).toFixed(0)} s)\n`);
}
if (toTune.length > 0) {
  mkdirSync(dirname(paramsPath), { recursive: true });
  writeFileSync(paramsPath, JSON.stringify({
    about: 'Classical denoisers\' parameters per noise sigma (0-255 scale), tuned by scripts/compare-photos.mjs ' +
      '(--retune) on training photos only; psnr is the mean PSNR (dB) of the best value over the tuning crops.',
    tunedOn: { grey: TUNE_GREY, colour: TUNE_COLOUR, crop: `centre ${TUNE_CROP}x${TUNE_CROP}` },
    sigma: params,
  }, null, 2) + '\n');
  process.stderr.write(`wrote ${paramsPath}\n`);
}

/** Params of a classical method for a case (colour NLM has its own). */
const paramsFor = (method, sigma, channels) => (method === 'nlm' && channels === 3 ? params[sigma].nlmColour : params[sigma][method])?.params;

const results = [];   // { image, size, channels, sigma, psnr: {method}, ssim: {method}, seconds: {method} }
let figure = null;
for (const [i, name] of HELD_OUT.entries()) {
  if (!images.includes(name)) continue;
  const clean = await loadPhoto(name, { side: crop });
  const [, h, w, channels] = clean.shape;
  for (const sigma of sigmas) {
    const n = noisy8(clean, sigma, 1000 * sigma + i);
    const c = { clean, noisy: n.tensor, noisyBytes: n.bytes };
    writeNoisy(c, work);
    const outputs = { noisy: { tensor: c.noisy, seconds: 0 } };
    const py = ['nlm', 'wavelet', 'tv'];
    runPython(py.map((m) => job(c, m, paramsFor(m, sigma, channels), work)), work).forEach((r, k) => { outputs[py[k]] = r; });
    outputs.median = runNode('median', {}, c.noisy);
    outputs.gaussian = runNode('gaussian', paramsFor('gaussian', sigma, channels), c.noisy);
    outputs.ours = await runOurs(c.noisy);
    const r = { image: name, size: `${w}x${h}`, channels, sigma, psnr: {}, ssim: {}, seconds: {} };
    for (const [m] of METHODS) {
      r.psnr[m] = psnr(clean, outputs[m].tensor).mean;
      r.ssim[m] = ssim(clean, outputs[m].tensor).mean;
      r.seconds[m] = outputs[m].seconds;
    }
    results.push(r);
    process.stderr.write(`${name} sigma ${sigma}: ${METHODS.map(([m]) => `${m} ${r.psnr[m].toFixed(2)}`).join(', ')}\n`);
    if (name === 'camera.png' && sigma === 25) figure = { clean, outputs, bestClassical: CLASSICAL.reduce((a, b) => (r.psnr[b] > r.psnr[a] ? b : a)) };
  }
}
const anyModel = models[1] ?? models[3];
const engineInfo = anyModel ? await anyModel.engineInfo() : null;   // the build and threads the tiles' copies ran with
for (const m of Object.values(models)) m.dispose();
const wall = (performance.now() - t0) / 1000;

// ---------------------------------------------------------------------------------------------------
// Report

const label = Object.fromEntries(METHODS);
const cell = (p, s) => `${p.toFixed(2)} / ${s.toFixed(3)}`;
const mean = (rows, f) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
// The weights the model ran with (float32, in getWeights order: the bytes of its weights.bin).
const weightsHash = createHash('sha256');
for (const channels of [1, 3]) {
  const shipped = presets.photoDenoiser({ channels });
  for (const w of shipped.getWeights()) weightsHash.update(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength));
  shipped.dispose();
}
const md = [];
md.push(`PSNR (dB) / SSIM against the clean picture, higher is better; the best PSNR of each row in bold. ` +
  `Held-out photographs of scikit-image${crop ? ` (centre ${crop}x${crop} crops)` : ''}, Gaussian noise of standard deviation sigma ` +
  `on the 0-255 scale (seeded, clipped, rounded to 8 bits; the same noisy picture for every method). ` +
  `Classical parameters tuned per sigma on training photos (scripts/classical-params.json); ours is ` +
  `presets.photoDenoiser() (grey pictures) and presets.photoDenoiser({ channels: 3 }) (colour; weights sha256 ${weightsHash.digest('hex').slice(0, 12)}...), one blind model for every sigma.`, '');
for (const sigma of sigmas) {
  const rows = results.filter((r) => r.sigma === sigma);
  if (rows.length === 0) continue;
  const p = params[sigma];
  md.push(`**sigma ${sigma}** (Gaussian blur sigma ${p.gaussian.params.sigma} px; NLM h ${p.nlm.params.h}, colour h ${p.nlmColour.params.h} ` +
    `hColor ${p.nlmColour.params.hColor}; wavelet ${p.wavelet.params.wavelet}; TV weight ${p.tv.params.weight})`, '');
  md.push(`| picture | ${METHODS.map(([, l]) => l).join(' | ')} |`, `|---|${METHODS.map(() => '---|').join('')}`);
  const line = (title, ps, ss) => {
    const top = METHODS.reduce((a, [m]) => (ps[m] > ps[a] ? m : a), 'noisy');
    return `| ${title} | ${METHODS.map(([m]) => (m === top ? `**${cell(ps[m], ss[m])}**` : cell(ps[m], ss[m]))).join(' | ')} |`;
  };
  for (const r of rows) md.push(line(`${r.image.replace(/\.\w+$/, '')} (${r.size}${r.channels === 3 ? ', colour' : ''})`, r.psnr, r.ssim));
  if (rows.length > 1) {
    const mp = Object.fromEntries(METHODS.map(([m]) => [m, mean(rows, (r) => r.psnr[m])]));
    const ms = Object.fromEntries(METHODS.map(([m]) => [m, mean(rows, (r) => r.ssim[m])]));
    md.push(line('**mean**', mp, ms));
  }
  md.push('');
}
const timed = METHODS.filter(([m]) => m !== 'noisy');
md.push(`Seconds per picture (mean over the ${results.length} runs; denoiser calls only, python start and file I/O excluded; ` +
  `ours: the whole denoiseImage call, starting its copy of the model included, ${engineInfo?.variant} wasm on ` +
  `${engineInfo?.threads} thread(s); ${cpus().length} cores): ` +
  timed.map(([m, l]) => `${l} ${mean(results, (r) => r.seconds[m]).toFixed(2)}`).join(', ') +
  `. The whole run${toTune.length ? ` (tuning included)` : ''}: ${wall.toFixed(0)} s.`, '');
const text = md.join('\n');
console.log(text);
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, text + '\n');
process.stderr.write(`wrote ${outPath}\n`);
if (jsonPath) writeFileSync(jsonPath, JSON.stringify({ sigmas, crop, wallSeconds: wall, params, results }, null, 1) + '\n');

if (picturePath && figure) {
  // camera's face and camera: a 128x128 crop at scale 2; clean, noisy, best classical, ours.
  const [, h, w] = figure.clean.shape;
  const S = Math.min(128, h, w), y0 = Math.min(64, h - S), x0 = Math.min(192, w - S);
  const cut = (t) => {
    const data = new Float32Array(S * S);
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) data[y * S + x] = t.data[(y0 + y) * w + x0 + x];
    return data;
  };
  const four = [figure.clean, figure.outputs.noisy.tensor, figure.outputs[figure.bestClassical].tensor, figure.outputs.ours.tensor];
  const data = new Float32Array(4 * S * S);
  four.forEach((t, k) => data.set(cut(t), k * S * S));
  await saveImageGrid(picturePath, [{ data, shape: [4, S, S, 1] }], { scale: 2, gap: 4 });
  process.stderr.write(`wrote ${picturePath}: camera at sigma 25, crops of clean, noisy, ${label[figure.bestClassical]}, ours\n`);
}
