// The browser demo: trains the Keras tutorial's denoiser on the embedded MNIST digits in this page,
// with the same API as in Node. The model's engine runs in a Web Worker (a pool of them when the page
// is cross-origin isolated), so the page stays responsive while it trains.
//
// URL parameters (handy for links and the tests): train=N digits, epochs=E, batch=B, threads=auto|N,
// seed=S (initial weights), autostart=1 (train as soon as the digits are in).
import * as dw from '../../dist/browser/index.js';   // the package's "browser" entry, as bundlers resolve it

const { presets, loadMnist, addGaussianNoise, gridImage, sliceRows } = dw;

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const intParam = (name, fallback) => {
  const v = Number(params.get(name));
  return params.has(name) && Number.isInteger(v) && v > 0 ? v : fallback;
};
const threadsParam = params.get('threads');
const config = {
  train: Math.min(intParam('train', 8000), 8000),
  epochs: intParam('epochs', 5),
  batchSize: intParam('batch', 32),
  threads: threadsParam && Number(threadsParam) > 0 ? Number(threadsParam) : 'auto',
  seed: params.has('seed') ? Number(params.get('seed')) || 0 : 0,
  autostart: params.get('autostart') === '1',
  noiseFactor: 0.4,   // the tutorial's training noise
  dataSeed: 0,        // loadMnist's train/test shuffle
  noiseSeed: 1,       // the training images' noise
  testNoiseSeed: 2,
  validation: 500,    // test digits for the validation loss
  gridColumns: 8,
};

// What the tests (and the curious, in the console) can look at.
const demo = {
  config, status: 'loading', info: null, model: null,
  batchLosses: [], epochLogs: [], denoiseCount: 0, maxFrameGap: 0, error: null,
};
window.demo = demo;
/** Resolves once no denoising is pending or running (for the tests). */
demo.idle = async () => {
  while (denoising || denoiseWanted) await (denoising ?? new Promise((r) => setTimeout(r, 10)));
};

let model = null;
let data = null;            // { train: Tensor (clean, up to 8000), testClean, testNoisy, gridNoisy, gridClean }
let abort = null;           // AbortController of the running fit
let training = false;
let stepOffset = 0;         // batches trained before the current fit (the chart's x axis continues)
let plannedSteps = 0;

// ---------------------------------------------------------------------------------------------------
// Setup

function setStatus(text) { $('status').textContent = text; }

function fail(e) {
  console.error(e);
  demo.error = String(e?.message ?? e);
  demo.status = 'error';
  setStatus(`Error: ${demo.error}`);
}

function syncForm() {
  const ensureOption = (select, value, label) => {
    if (![...select.options].some((o) => o.value === String(value))) select.add(new Option(label ?? String(value), String(value)));
    select.value = String(value);
  };
  ensureOption($('opt-train'), config.train, config.train.toLocaleString('en'));
  ensureOption($('opt-batch'), config.batchSize);
  $('opt-epochs').value = String(config.epochs);
}

function readForm() {
  config.train = Number($('opt-train').value);
  config.batchSize = Number($('opt-batch').value);
  const e = Number($('opt-epochs').value);
  config.epochs = Number.isInteger(e) && e > 0 ? Math.min(e, 50) : config.epochs;
}

async function showEngine() {
  const info = await model.engineInfo();
  demo.info = info;
  const build = $('badge-build');
  build.textContent = `${info.variant} build`;
  build.className = 'badge ' + (info.simd ? 'ok' : 'warn');
  const th = $('badge-threads');
  th.textContent = `${info.threads} thread${info.threads === 1 ? '' : 's'}`;
  th.className = 'badge ' + (info.threads > 1 ? 'ok' : 'warn');
  const reason = $('threads-reason');
  reason.hidden = !info.threadsReason;
  reason.textContent = info.threadsReason ? `One thread: ${info.threadsReason}.` : '';
  th.title = info.threadsReason || 'a pool of Web Workers over one shared WebAssembly memory';
}

function newModel() {
  model?.dispose();
  model = presets.kerasTutorial({ threads: config.threads, seed: config.seed });
  demo.model = model;
  demo.batchLosses = [];
  demo.epochLogs = [];
  stepOffset = 0;
  plannedSteps = 0;
  drawChart();
  setProgress(0);
}

async function init() {
  syncForm();
  watchFrames();
  setupPad();
  newModel();
  await showEngine();
  setStatus('Loading the digits…');
  const mnist = await loadMnist({ seed: config.dataSeed, testLimit: config.validation });
  const testClean = mnist.test.images;
  const testNoisy = addGaussianNoise(testClean, { factor: config.noiseFactor, seed: config.testNoiseSeed });
  data = {
    train: mnist.train.images,
    testClean, testNoisy,
    gridClean: sliceRows(testClean, 0, config.gridColumns),
    gridNoisy: sliceRows(testNoisy, 0, config.gridColumns),
  };
  showSample(0);
  await updateGrid();
  setStatus(`Ready: ${mnist.train.labels.length.toLocaleString('en')} training and ${testClean.shape[0]} validation digits. The model is untrained.`);
  for (const id of ['btn-train', 'btn-reset', 'btn-save']) $(id).disabled = false;
  $('btn-pretrained').disabled = false;
  demo.status = 'ready';
  if (config.autostart) await train();
}

// ---------------------------------------------------------------------------------------------------
// Training

function setProgress(fraction) {
  const pct = Math.max(0, Math.min(100, fraction * 100));
  $('progress-bar').style.width = `${pct}%`;
  $('progress').setAttribute('aria-valuenow', String(Math.round(pct)));
}

async function train() {
  if (training || !data) return;
  readForm();
  training = true;
  demo.status = 'training';
  $('btn-train').disabled = true;
  $('btn-reset').disabled = true;
  $('btn-stop').disabled = false;
  setLoadEnabled(false);
  abort = new AbortController();
  const clean = sliceRows(data.train, 0, config.train);
  const noisy = addGaussianNoise(clean, { factor: config.noiseFactor, seed: config.noiseSeed });
  const batches = Math.ceil(config.train / config.batchSize);
  stepOffset = demo.batchLosses.length;
  plannedSteps = stepOffset + batches * config.epochs;
  const started = performance.now();
  let seen = 0, last = started, rate = 0;
  try {
    const history = await model.fit(noisy, clean, {
      epochs: config.epochs, batchSize: config.batchSize, shuffle: true, seed: config.seed,
      validationData: [data.testNoisy, data.testClean],
      signal: abort.signal,
      onBatchEnd: async (batch, logs) => {
        demo.batchLosses.push(logs.loss);
        seen += logs.size;
        const now = performance.now();
        rate = rate ? 0.8 * rate + 0.2 * (logs.size / ((now - last) / 1000)) : logs.size / ((now - last) / 1000);
        last = now;
        const done = logs.epoch * batches + batch + 1;
        setProgress(done / (batches * config.epochs));
        setStatus(`Epoch ${logs.epoch + 1}/${config.epochs} · batch ${batch + 1}/${batches} · loss ${logs.loss.toFixed(4)} · ${Math.round(rate).toLocaleString('en')} digits/s`);
        scheduleChart();
        // Denoising asked for while training runs between batches (the engine does one thing at a time).
        if (denoiseWanted) await denoiseNow();
      },
      onEpochEnd: async (epoch, logs) => {
        demo.epochLogs.push({ epoch, step: demo.batchLosses.length, ...logs });
        scheduleChart();
        await updateGrid();
        denoiseWanted = true;   // the drawn digit, through the model as it is now
        await denoiseNow();
      },
    });
    const secs = (performance.now() - started) / 1000;
    const h = history.history;
    const lastEpoch = h.loss.length - 1;
    setStatus(history.aborted
      ? `Stopped after ${seen.toLocaleString('en')} digits. The model keeps what it learned; Train continues from here.`
      : `Done: ${config.epochs} epoch${config.epochs === 1 ? '' : 's'} in ${secs.toFixed(1)} s (${Math.round(seen / secs).toLocaleString('en')} digits/s) · ` +
        `loss ${h.loss[lastEpoch]?.toFixed(4)} · validation ${h.val_loss?.[lastEpoch]?.toFixed(4)}`);
    if (history.aborted) await updateGrid();
    demo.status = history.aborted ? 'stopped' : 'done';
  } catch (e) {
    fail(e);
  } finally {
    training = false;
    abort = null;
    $('btn-train').disabled = false;
    $('btn-train').textContent = 'Train more';
    $('btn-reset').disabled = false;
    $('btn-stop').disabled = true;
    setLoadEnabled(true);
    drawChart();
  }
}

// The page must never freeze: record the longest gap between animation frames while training.
function watchFrames() {
  let prev = performance.now();
  const tick = (t) => {
    if (training) demo.maxFrameGap = Math.max(demo.maxFrameGap, t - prev);
    prev = t;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

// ---------------------------------------------------------------------------------------------------
// Pictures

function putImage(canvas, rgba) {
  canvas.width = rgba.width;
  canvas.height = rgba.height;
  canvas.getContext('2d').putImageData(new ImageData(rgba.data, rgba.width, rgba.height), 0, 0);
}

async function updateGrid() {
  const denoised = await model.predict(data.gridNoisy);
  putImage($('grid'), gridImage([data.gridNoisy, denoised, data.gridClean], { columns: config.gridColumns, gap: 1, background: [40, 44, 56] }));
}

let chartQueued = false;
function scheduleChart() {
  if (chartQueued) return;
  chartQueued = true;
  requestAnimationFrame(() => { chartQueued = false; drawChart(); });
}

function drawChart() {
  const canvas = $('chart');
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 600, h = canvas.clientHeight || 220;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const css = getComputedStyle(document.documentElement);
  const color = (v) => css.getPropertyValue(v).trim();
  const pad = { l: 44, r: 10, t: 10, b: 24 };
  const losses = demo.batchLosses;
  const vals = demo.epochLogs.filter((e) => e.val_loss !== undefined);
  const steps = Math.max(plannedSteps, losses.length, 1);
  const all = [...losses, ...vals.map((e) => e.val_loss)];
  let lo = all.length ? Math.min(...all) : 0, hi = all.length ? Math.max(...all) : 0.7;
  if (hi - lo < 1e-3) { lo -= 0.05; hi += 0.05; }
  const span = hi - lo;
  lo = Math.max(0, lo - 0.05 * span);
  hi += 0.05 * span;
  const x = (s) => pad.l + (s / steps) * (w - pad.l - pad.r);
  const y = (v) => pad.t + (1 - (v - lo) / (hi - lo)) * (h - pad.t - pad.b);
  // Axes and grid lines.
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = color('--muted');
  ctx.strokeStyle = color('--line');
  ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const v = lo + (i / 4) * (hi - lo);
    const yy = Math.round(y(v)) + 0.5;
    ctx.beginPath(); ctx.moveTo(pad.l, yy); ctx.lineTo(w - pad.r, yy); ctx.stroke();
    ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
    ctx.fillText(v.toFixed(3), pad.l - 6, yy);
  }
  ctx.textAlign = 'center'; ctx.textBaseline = 'top';
  if (!losses.length) {
    ctx.textBaseline = 'middle';
    ctx.fillText('the loss appears here while the model trains', (pad.l + w - pad.r) / 2, (pad.t + h - pad.b) / 2);
    return;
  }
  ctx.fillText('0', x(0), h - pad.b + 6);
  ctx.textAlign = 'right';
  ctx.fillText(`${steps} batch${steps === 1 ? '' : 'es'}`, x(steps), h - pad.b + 6);
  ctx.strokeStyle = color('--accent');
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  losses.forEach((v, i) => (i ? ctx.lineTo(x(i + 1), y(v)) : ctx.moveTo(x(i + 1), y(v))));
  ctx.stroke();
  ctx.strokeStyle = ctx.fillStyle = color('--val');
  ctx.lineWidth = 2;
  ctx.beginPath();
  vals.forEach((e, i) => (i ? ctx.lineTo(x(e.step), y(e.val_loss)) : ctx.moveTo(x(e.step), y(e.val_loss))));
  ctx.stroke();
  for (const e of vals) { ctx.beginPath(); ctx.arc(x(e.step), y(e.val_loss), 3.5, 0, 2 * Math.PI); ctx.fill(); }
}
window.addEventListener('resize', scheduleChart);

// ---------------------------------------------------------------------------------------------------
// Draw, upload, add noise, denoise

const pad = $('pad');
const padCtx = pad.getContext('2d', { willReadFrequently: true });
let noiseSeed = 7;
let denoiseWanted = false;
let denoising = null;

function clearPad() {
  padCtx.fillStyle = '#000';
  padCtx.fillRect(0, 0, pad.width, pad.height);
}

function setupPad() {
  clearPad();
  let drawing = false, lastX = 0, lastY = 0;
  const at = (e) => {
    const r = pad.getBoundingClientRect();
    return [(e.clientX - r.left) * (pad.width / r.width), (e.clientY - r.top) * (pad.height / r.height)];
  };
  const stroke = (x0, y0, x1, y1) => {
    padCtx.strokeStyle = '#fff';
    padCtx.lineWidth = 20;
    padCtx.lineCap = padCtx.lineJoin = 'round';
    padCtx.beginPath(); padCtx.moveTo(x0, y0); padCtx.lineTo(x1, y1); padCtx.stroke();
  };
  pad.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    pad.setPointerCapture(e.pointerId);
    drawing = true;
    [lastX, lastY] = at(e);
    stroke(lastX, lastY, lastX + 0.01, lastY);
    requestDenoise();
  });
  pad.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    const [x, y] = at(e);
    stroke(lastX, lastY, x, y);
    [lastX, lastY] = [x, y];
    requestDenoise();
  });
  const end = () => { drawing = false; };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);
  $('btn-clear').addEventListener('click', () => { clearPad(); requestDenoise(); });
  $('btn-sample').addEventListener('click', () => showSample());
  $('noise').addEventListener('input', () => { $('noise-value').textContent = Number($('noise').value).toFixed(2); requestDenoise(); });
  $('btn-renoise').addEventListener('click', () => { noiseSeed++; requestDenoise(); });
  $('file-image').addEventListener('change', async (e) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (file) await drawUpload(file).catch((err) => { $('weights-status').textContent = ''; setStatus(`Cannot read that image: ${err.message}`); });
  });
}

/** Puts a test digit on the pad (index, or a random one). */
function showSample(index) {
  if (!data) return;
  const n = data.testClean.shape[0];
  const i = index ?? Math.floor(Math.random() * n);
  const digit = sliceRows(data.testClean, i, i + 1);
  const small = document.createElement('canvas');
  putImage(small, gridImage([digit], { gap: 0 }));
  clearPad();
  padCtx.imageSmoothingEnabled = true;
  padCtx.drawImage(small, 0, 0, pad.width, pad.height);
  requestDenoise();
}

/** Draws an uploaded picture on the pad as white ink on black (dark-on-light pictures are inverted). */
async function drawUpload(file) {
  const bitmap = await createImageBitmap(file);
  const s = Math.min(pad.width / bitmap.width, pad.height / bitmap.height);
  const w = Math.max(1, Math.round(bitmap.width * s)), h = Math.max(1, Math.round(bitmap.height * s));
  const tmp = document.createElement('canvas');
  tmp.width = pad.width; tmp.height = pad.height;
  const t = tmp.getContext('2d', { willReadFrequently: true });
  t.fillStyle = '#fff';                          // transparency counts as paper
  t.fillRect(0, 0, tmp.width, tmp.height);
  t.drawImage(bitmap, (tmp.width - w) / 2, (tmp.height - h) / 2, w, h);
  bitmap.close?.();
  const img = t.getImageData(0, 0, tmp.width, tmp.height);
  const px = img.data;
  // Paper is what most of the picture is: find its brightness from the border.
  let border = 0, count = 0;
  for (let y = 0; y < tmp.height; y++) {
    for (let x = 0; x < tmp.width; x++) {
      if (x > 2 && y > 2 && x < tmp.width - 3 && y < tmp.height - 3) continue;
      const p = (y * tmp.width + x) * 4;
      border += (px[p] + px[p + 1] + px[p + 2]) / 3; count++;
    }
  }
  const invert = border / count > 127;
  for (let p = 0; p < px.length; p += 4) {
    let v = 0.299 * px[p] + 0.587 * px[p + 1] + 0.114 * px[p + 2];
    if (invert) v = 255 - v;
    px[p] = px[p + 1] = px[p + 2] = v; px[p + 3] = 255;
  }
  padCtx.putImageData(img, 0, 0);
  requestDenoise();
}

/**
 * The pad as a 28x28 digit the way MNIST digits are made: the ink's bounding box scaled into 20x20,
 * then moved so that its centre of mass sits in the middle.
 */
function padToDigit() {
  const { width: W, height: H } = pad;
  const px = padCtx.getImageData(0, 0, W, H).data;
  let x0 = W, y0 = H, x1 = -1, y1 = -1;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (px[(y * W + x) * 4] > 25) { if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y; }
    }
  }
  const out = new Float32Array(784);
  if (x1 < 0) return out;
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1;
  const s = 20 / Math.max(bw, bh);
  const small = document.createElement('canvas');
  small.width = small.height = 28;
  const c = small.getContext('2d', { willReadFrequently: true });
  c.fillStyle = '#000'; c.fillRect(0, 0, 28, 28);
  c.imageSmoothingEnabled = true; c.imageSmoothingQuality = 'high';
  const dw = bw * s, dh = bh * s;
  c.drawImage(pad, x0, y0, bw, bh, (28 - dw) / 2, (28 - dh) / 2, dw, dh);
  let d = c.getImageData(0, 0, 28, 28).data;
  let m = 0, mx = 0, my = 0;
  for (let i = 0; i < 784; i++) { const v = d[i * 4]; m += v; mx += v * (i % 28); my += v * Math.floor(i / 28); }
  const shiftX = m ? Math.round(13.5 - mx / m) : 0, shiftY = m ? Math.round(13.5 - my / m) : 0;
  if (shiftX || shiftY) {
    c.fillRect(0, 0, 28, 28);
    c.drawImage(pad, x0, y0, bw, bh, (28 - dw) / 2 + shiftX, (28 - dh) / 2 + shiftY, dw, dh);
    d = c.getImageData(0, 0, 28, 28).data;
  }
  for (let i = 0; i < 784; i++) out[i] = d[i * 4] / 255;
  return out;
}

function requestDenoise() {
  denoiseWanted = true;
  if (!training && !denoising) {
    denoising = (async () => {
      while (denoiseWanted && !training) {
        await new Promise((r) => requestAnimationFrame(r));   // one denoise per frame at most, the latest input
        await denoiseNow();
      }
      denoising = null;
    })().catch(fail);
  }
}

async function denoiseNow() {
  if (!model || !denoiseWanted) return;
  denoiseWanted = false;
  const digit = { data: padToDigit(), shape: [1, 28, 28, 1] };
  const factor = Number($('noise').value);
  const noisy = addGaussianNoise(digit, { factor, seed: noiseSeed });
  const denoised = await model.predict(noisy);
  putImage($('view-input'), gridImage([digit], { gap: 0 }));
  putImage($('view-noisy'), gridImage([noisy], { gap: 0 }));
  putImage($('view-denoised'), gridImage([denoised], { gap: 0 }));
  demo.denoiseCount++;
}

// ---------------------------------------------------------------------------------------------------
// Save and load

const canSaveFiles = typeof dw.loadModel === 'function' && typeof dw.Sequential.prototype.save === 'function';
if (!canSaveFiles) $('weights-hint').textContent = 'Save the trained weights to a JSON file and load them back later.';
if (typeof presets.pretrained === 'function') $('btn-pretrained').hidden = false;

function setLoadEnabled(on) {
  $('load-label').classList.toggle('disabled', !on);
  $('btn-pretrained').disabled = !on || !data;
}

function download(name, blob) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

const toBase64 = (f32) => {
  const bytes = new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};
const fromBase64 = (text) => {
  const s = atob(text);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return new Float32Array(bytes.buffer);
};

$('btn-save').addEventListener('click', async () => {
  try {
    if (canSaveFiles) {
      await model.save('downloads://denoiser');
      $('weights-status').textContent = 'Saved denoiser.json and denoiser.weights.bin (the TF.js Layers format). Load both files to get this model back.';
    } else {
      const weights = model.getWeights().map((w) => ({ name: w.name, shape: w.shape, data: toBase64(w.data) }));
      download('denoiser-weights.json', new Blob([JSON.stringify({ format: 'denoise-wasm-weights', weights })], { type: 'application/json' }));
      $('weights-status').textContent = 'Saved denoiser-weights.json.';
    }
  } catch (e) {
    $('weights-status').textContent = `Could not save: ${e.message}`;
  }
});

$('file-model').addEventListener('change', async (e) => {
  const files = [...(e.target.files ?? [])];
  e.target.value = '';
  if (!files.length || training) return;
  try {
    const jsonFile = files.find((f) => f.name.endsWith('.json') || f.type === 'application/json');
    if (!jsonFile) throw new Error('choose the model\'s .json file (and its .bin weights)');
    const json = JSON.parse(await jsonFile.text());
    if (json.format === 'denoise-wasm-weights') {
      model.setWeights(json.weights.map((w) => fromBase64(w.data)));
    } else if (json.modelTopology && canSaveFiles) {
      const bins = files.filter((f) => f !== jsonFile);
      if (!bins.length) throw new Error('choose the .weights.bin file together with the .json file');
      const weights = {};
      for (const f of bins) weights[f.name] = new Uint8Array(await f.arrayBuffer());
      const loaded = await dw.loadModel({ json, weights: bins.length === 1 ? Object.values(weights)[0] : weights }, { threads: config.threads });
      replaceModel(loaded);
    } else {
      throw new Error('this file is neither a saved model (model.json) nor saved weights');
    }
    await afterModelChange(`Loaded ${files.map((f) => f.name).join(' + ')}.`);
  } catch (err) {
    $('weights-status').textContent = `Could not load: ${err.message}`;
  }
});

$('btn-pretrained').addEventListener('click', async () => {
  if (training) return;
  try {
    replaceModel(presets.pretrained({ threads: config.threads }));
    await afterModelChange('Using the pretrained denoiser that ships with the package (trained on MNIST with noise 0.4).');
  } catch (e) {
    $('weights-status').textContent = `Could not load it: ${e.message}`;
  }
});

function replaceModel(next) {
  model?.dispose();
  model = next;
  demo.model = model;
  demo.batchLosses = [];
  demo.epochLogs = [];
  plannedSteps = 0;
  drawChart();
  setProgress(0);
}

async function afterModelChange(message) {
  await showEngine();
  await updateGrid();
  denoiseWanted = true;
  await denoiseNow();
  $('weights-status').textContent = message;
}

// ---------------------------------------------------------------------------------------------------

$('btn-train').addEventListener('click', () => { train(); });
$('btn-stop').addEventListener('click', () => abort?.abort());
$('btn-reset').addEventListener('click', async () => {
  if (training) return;
  newModel();
  $('btn-train').textContent = 'Train';
  await showEngine();
  await updateGrid();
  denoiseWanted = true;
  await denoiseNow();
  setStatus('The model is back at its initial (untrained) weights.');
});

init().catch(fail);
