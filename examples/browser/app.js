// The browser demo: trains the Keras tutorial's denoiser on the embedded MNIST digits in this page,
// with the same API as in Node. The model's engine runs in a Web Worker (a pool of them when the page
// is cross-origin isolated), and fit posts each next batch before the page's callbacks run, so the page
// never holds the engine. The page itself does little: the training noise is made in a worker of its
// own (noise-worker.js), batch callbacks only record, and the screen is redrawn at most once per
// animation frame (the loss chart a few times a second).
//
// URL parameters (handy for links and the tests): train=N digits, epochs=E, batch=B, threads=auto|N,
// seed=S (initial weights), autostart=1 (train as soon as the digits are in).
import * as dw from '../../dist/browser/index.js';   // the package's "browser" entry, as bundlers resolve it
import { prepareDigit, luminanceOf } from './prepare-digit.js';

const { presets, loadMnist, addGaussianNoise, gridImage, featureMapGrid, sliceRows } = dw;

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const intParam = (name, fallback) => {
  const v = Number(params.get(name));
  return params.has(name) && Number.isInteger(v) && v > 0 ? v : fallback;
};
const threadsParam = params.get('threads');
const MAX_EPOCHS = 50;
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
  lastRun: null,      // { digits, seconds } of the last training run (fit's own time)
};
window.demo = demo;
/** Resolves once no denoising is pending or running (for the tests). */
demo.idle = async () => {
  while (denoising || denoiseWanted) await (denoising ?? new Promise((r) => setTimeout(r, 10)));
};

let model = null;
let modelState = 'untrained';   // untrained | trained | loaded
let data = null;            // { train: Tensor (clean), trainNoisy: Promise<Tensor>, testClean, testNoisy, gridNoisy, gridClean }
let abort = null;           // AbortController of the running fit
let training = false;
let stepOffset = 0;         // batches trained before the current fit (the chart's x axis continues)
let plannedSteps = 0;
const run = { epoch: 0, batch: 0, batches: 0, done: 0, seen: 0, started: 0 };   // the running fit, for the screen

// ---------------------------------------------------------------------------------------------------
// Setup

/** The Train card's announced status (a live region): only for milestones, never per batch. */
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

/** Reads the form into config; false (with a message beside the field) when epochs is not 1..50. */
function readForm() {
  config.train = Number($('opt-train').value);
  config.batchSize = Number($('opt-batch').value);
  const field = $('opt-epochs');
  const text = field.value.trim(), e = Number(text);
  const ok = text !== '' && Number.isInteger(e) && e >= 1 && e <= MAX_EPOCHS;
  showEpochsError(ok ? '' : `Epochs must be a whole number from 1 to ${MAX_EPOCHS}${text ? ` (not ${text})` : ''}.`);
  if (!ok) {
    field.focus();
    return false;
  }
  config.epochs = e;
  return true;
}

function showEpochsError(message) {
  const field = $('opt-epochs'), error = $('epochs-error');
  error.textContent = message;
  error.hidden = !message;
  if (message) field.setAttribute('aria-invalid', 'true');
  else field.removeAttribute('aria-invalid');
}

function modelSentence() {
  return modelState === 'untrained' ? 'The model is untrained.'
    : modelState === 'loaded' ? 'Train continues from the loaded weights.'
      : 'Train continues from the weights reached so far.';
}

function readyText() {
  const n = Number($('opt-train').value);
  return `Ready to train on ${n.toLocaleString('en')} of the ${data.train.shape[0].toLocaleString('en')} training digits, ` +
    `validating on ${data.testClean.shape[0]}. ${modelSentence()}`;
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
  modelState = 'untrained';
  demo.model = model;
  demo.batchLosses = [];
  demo.epochLogs = [];
  stepOffset = 0;
  plannedSteps = 0;
  $('btn-train').textContent = 'Train';
  setProgress(0, '');
  drawChart();
}

// The noise worker: addGaussianNoise off the page's thread (same function, same bits as in Node).
const noiseWorker = new Worker(new URL('./noise-worker.js', import.meta.url), { type: 'module', name: 'demo noise' });
const noiseJobs = new Map();
let noiseJobId = 0;
noiseWorker.onmessage = ({ data: m }) => {
  const job = noiseJobs.get(m.id);
  noiseJobs.delete(m.id);
  if (m.error) job.reject(new Error(m.error));
  else job.resolve(m.data);
};
noiseWorker.onerror = (e) => {
  e.preventDefault();
  for (const job of noiseJobs.values()) job.reject(new Error(`the noise worker failed: ${e.message || 'its script did not load'}`));
  noiseJobs.clear();
};
/** addGaussianNoise(x, { factor, seed }) in the noise worker. */
function noisyInWorker(x, factor, seed) {
  const id = ++noiseJobId;
  return new Promise((resolve, reject) => {
    noiseJobs.set(id, { resolve: (values) => resolve({ data: values, shape: [...x.shape] }), reject });
    noiseWorker.postMessage({ id, data: x.data, shape: x.shape, factor, seed });   // copied (structured clone)
  });
}

/** The first n rows of t, as a view (fit only reads its data). */
function firstRows(t, n) {
  const row = t.data.length / t.shape[0];
  return { data: t.data.subarray(0, n * row), shape: [n, ...t.shape.slice(1)] };
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
  // The noise of all training digits, once: addGaussianNoise draws in order, so the noise of the first
  // n digits is exactly that of addGaussianNoise(first n digits) with the same seed.
  const trainNoisy = noisyInWorker(mnist.train.images, config.noiseFactor, config.noiseSeed);
  trainNoisy.catch(() => {});   // reported by train()
  const testNoisy = await noisyInWorker(testClean, config.noiseFactor, config.testNoiseSeed);
  data = {
    train: mnist.train.images, trainNoisy,
    testClean, testNoisy,
    gridClean: sliceRows(testClean, 0, config.gridColumns),
    gridNoisy: sliceRows(testNoisy, 0, config.gridColumns),
  };
  demo.data = data;
  showSample(0);
  await updateGrid();
  setStatus(readyText());
  for (const id of ['btn-train', 'btn-reset', 'btn-save']) $(id).disabled = false;
  setLoadEnabled(true);
  demo.status = 'ready';
  if (config.autostart) await train();
}

$('opt-train').addEventListener('change', () => { if (!training && data && demo.status !== 'error') setStatus(readyText()); });
$('opt-epochs').addEventListener('input', () => { if (!$('epochs-error').hidden) showEpochsError(''); });

// ---------------------------------------------------------------------------------------------------
// Training

/** Train and Stop are never `disabled` (a disabled button drops the keyboard focus to <body>). */
function setPressable(id, on) {
  $(id).setAttribute('aria-disabled', String(!on));
}

async function train() {
  if (training || !data) return;
  if (!readForm()) return;
  training = true;
  demo.status = 'training';
  setPressable('btn-train', false);
  setPressable('btn-stop', true);
  $('btn-reset').disabled = true;
  setLoadEnabled(false);
  abort = new AbortController();
  const batches = Math.ceil(config.train / config.batchSize);
  Object.assign(run, { epoch: 0, batch: 0, batches, done: 0, seen: 0, started: performance.now() });
  stepOffset = demo.batchLosses.length;
  plannedSteps = stepOffset + batches * config.epochs;
  setStatus(`Training on ${config.train.toLocaleString('en')} digits: ${config.epochs} epoch${config.epochs === 1 ? '' : 's'} ` +
    `of ${batches} batches of ${config.batchSize}.`);
  scheduleRender();
  try {
    const x = firstRows(await data.trainNoisy, config.train);
    const y = firstRows(data.train, config.train);
    const started = run.started = performance.now();
    const history = await model.fit(x, y, {
      epochs: config.epochs, batchSize: config.batchSize, shuffle: true, seed: config.seed,
      validationData: [data.testNoisy, data.testClean],
      signal: abort.signal,
      // The engine is already training the next batch: record, and let the next frame show it.
      onBatchEnd: (batch, logs) => {
        demo.batchLosses.push(logs.loss);
        run.seen += logs.size;
        run.epoch = logs.epoch;
        run.batch = batch;
        run.done = logs.epoch * batches + batch + 1;
        modelState = 'trained';
        scheduleRender(true);
      },
      onEpochEnd: async (epoch, logs) => {
        demo.epochLogs.push({ epoch, step: demo.batchLosses.length, ...logs });
        setStatus(`Epoch ${epoch + 1} of ${config.epochs} done: loss ${logs.loss.toFixed(4)}, validation ${logs.val_loss.toFixed(4)}.`);
        scheduleRender(true);
        await updateGrid();
        requestDenoise();   // the digit on the pad, through the model as it is now
      },
    });
    const secs = (performance.now() - started) / 1000;
    demo.lastRun = { digits: run.seen, seconds: secs };
    const h = history.history;
    const lastEpoch = h.loss.length - 1;
    setStatus(history.aborted
      ? `Stopped after ${run.seen.toLocaleString('en')} digits. The model keeps what it learned; Train more continues from here.`
      : `Done: ${config.epochs} epoch${config.epochs === 1 ? '' : 's'} in ${secs.toFixed(1)} s (${Math.round(run.seen / secs).toLocaleString('en')} digits/s) · ` +
        `loss ${h.loss[lastEpoch]?.toFixed(4)} · validation ${h.val_loss?.[lastEpoch]?.toFixed(4)}`);
    if (history.aborted) await updateGrid();
    demo.status = history.aborted ? 'stopped' : 'done';
  } catch (e) {
    fail(e);
  } finally {
    training = false;
    abort = null;
    setPressable('btn-train', true);
    setPressable('btn-stop', false);
    if (modelState !== 'untrained') $('btn-train').textContent = 'Train more';
    $('btn-reset').disabled = false;
    setLoadEnabled(true);
    // The final state at once, not after the throttle's pending frame: the bar must read 100% when done.
    chartDirty = true;
    render(performance.now());
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
// The screen: redrawn in an animation frame, and while training at most every UI_MS (the progress line,
// the bar and the chart): on a 2-core machine every repaint takes CPU from the engine's threads.

const UI_MS = 250;
let renderQueued = false, chartDirty = false, drawnAt = -Infinity;

function scheduleRender(chart = false) {
  chartDirty ||= chart;
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(render);
}

function render(now) {
  if (training && now - drawnAt < UI_MS) {
    setTimeout(() => requestAnimationFrame(render), UI_MS - (now - drawnAt));   // still queued
    return;
  }
  renderQueued = false;
  drawnAt = now;
  if (run.batches) {
    const total = run.batches * config.epochs;
    const secs = (performance.now() - run.started) / 1000;
    const rate = secs > 0 ? run.seen / secs : 0;
    const loss = demo.batchLosses.at(-1);
    setProgress(run.done / total, training && run.done
      ? `Epoch ${run.epoch + 1}/${config.epochs} · batch ${run.batch + 1}/${run.batches} · loss ${loss.toFixed(4)} · ${Math.round(rate).toLocaleString('en')} digits/s`
      : training ? 'Starting…' : '');
  }
  if (chartDirty) {
    chartDirty = false;
    drawChart();
  }
}

let shownPercent = -1;
function setProgress(fraction, text) {
  const pct = Math.round(Math.max(0, Math.min(100, fraction * 100)));
  if (pct !== shownPercent) {
    shownPercent = pct;
    $('progress-bar').style.transform = `scaleX(${pct / 100})`;
    $('progress').setAttribute('aria-valuenow', String(pct));
  }
  if ($('progress-text').textContent !== text) $('progress-text').textContent = text;
}

// ---------------------------------------------------------------------------------------------------
// Pictures

function putImage(canvas, rgba) {
  canvas.width = rgba.width;
  canvas.height = rgba.height;
  canvas.getContext('2d').putImageData(new ImageData(rgba.data, rgba.width, rgba.height), 0, 0);
}

/** Runs fn unless the model was replaced meanwhile (Reset, Load): then its errors mean nothing. */
async function withModel(fn) {
  const m = model;
  try {
    return await fn(m);
  } catch (e) {
    if (m === model) throw e;
  }
}

async function updateGrid() {
  await withModel(async (m) => {
    const denoised = await m.predict(data.gridNoisy);
    if (m !== model) return;
    putImage($('grid'), gridImage([data.gridNoisy, denoised, data.gridClean], { columns: config.gridColumns, gap: 1, background: [40, 44, 56] }));
  });
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
window.addEventListener('resize', () => scheduleRender(true));

// ---------------------------------------------------------------------------------------------------
// Draw, upload, add noise, denoise

const pad = $('pad');
const padCtx = pad.getContext('2d', { willReadFrequently: true });
let noiseSeed = 7;
let denoiseWanted = false;
let denoising = null;
/** A digit given exactly (an uploaded picture, prepared; a test digit); null: the pad's drawing. */
let sourceDigit = null;

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
    sourceDigit = null;   // drawing over a picture: the pad is the input again
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
  $('btn-clear').addEventListener('click', () => { sourceDigit = null; clearPad(); requestDenoise(); });
  $('btn-sample').addEventListener('click', () => showSample());
  $('noise').addEventListener('input', () => {
    const text = Number($('noise').value).toFixed(2);
    $('noise-value').textContent = text;
    $('noise').setAttribute('aria-valuetext', text);
    requestDenoise();
  });
  $('btn-renoise').addEventListener('click', () => { noiseSeed++; requestDenoise(); });
  $('file-image').addEventListener('change', async (e) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    $('upload-status').textContent = `Reading ${file.name}…`;
    await drawUpload(file).catch((err) => { $('upload-status').textContent = `Cannot use ${file.name}: ${err.message}`; });
  });
}

/** Shows a 28x28 digit on the pad, scaled up. */
function showOnPad(digit784) {
  const small = document.createElement('canvas');
  putImage(small, gridImage([{ data: digit784, shape: [1, 28, 28, 1] }], { gap: 0 }));
  clearPad();
  padCtx.imageSmoothingEnabled = true;
  padCtx.drawImage(small, 0, 0, pad.width, pad.height);
}

/** Puts a test digit on the pad (index, or a random one); the model gets that digit exactly. */
function showSample(index) {
  if (!data) return;
  const n = data.testClean.shape[0];
  const i = index ?? Math.floor(Math.random() * n);
  sourceDigit = sliceRows(data.testClean, i, i + 1).data;
  showOnPad(sourceDigit);
  requestDenoise();
}

/**
 * An uploaded picture (a photo of a digit on paper, a scan, a drawing), prepared as MNIST's digits were
 * (prepare-digit.js): it is what the model gets, and what the pad shows.
 */
async function drawUpload(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Error('it is not a picture this browser can read (try PNG or JPEG)');
  }
  const s = Math.min(1, 512 / Math.max(bitmap.width, bitmap.height));   // large photos: 512 px is plenty
  const W = Math.max(1, Math.round(bitmap.width * s)), H = Math.max(1, Math.round(bitmap.height * s));
  const tmp = document.createElement('canvas');
  tmp.width = W; tmp.height = H;
  const t = tmp.getContext('2d', { willReadFrequently: true });
  t.fillStyle = '#fff';                          // transparency counts as paper
  t.fillRect(0, 0, W, H);
  t.imageSmoothingQuality = 'high';
  t.drawImage(bitmap, 0, 0, W, H);
  const size = `${bitmap.width}×${bitmap.height}`;
  bitmap.close?.();
  const prepared = prepareDigit(luminanceOf(t.getImageData(0, 0, W, H).data, W, H), W, H);
  if (!prepared) throw new Error('no digit found in it (it is all one shade)');
  sourceDigit = prepared.digit;
  demo.prepared = prepared;
  showOnPad(sourceDigit);
  $('upload-status').textContent = `Prepared ${file.name} (${size}${prepared.inverted ? ', dark ink on light paper' : ''}): ` +
    'cropped to the ink, scaled into 20×20 and centred as MNIST digits are.';
  requestDenoise();
}

/** The pad's drawing as a 28x28 digit, prepared as MNIST's digits were (blank: all zeros). */
function padToDigit() {
  const { width: W, height: H } = pad;
  return prepareDigit(luminanceOf(padCtx.getImageData(0, 0, W, H).data, W, H), W, H)?.digit ?? new Float32Array(784);
}

/** One denoise per animation frame at most, of the latest input; during training it queues between steps. */
function requestDenoise() {
  denoiseWanted = true;
  denoising ??= (async () => {
    try {
      while (denoiseWanted) {
        await new Promise((r) => requestAnimationFrame(r));
        await denoiseNow();
      }
    } finally {
      denoising = null;
    }
  })().catch(fail);
}

async function denoiseNow() {
  if (!model || !denoiseWanted) return;
  denoiseWanted = false;
  const digit = { data: sourceDigit ?? padToDigit(), shape: [1, 28, 28, 1] };
  const factor = Number($('noise').value);
  const noisy = addGaussianNoise(digit, { factor, seed: noiseSeed });
  await withModel(async (m) => {
    // Every layer's output from one forward pass; the last is the denoised digit (predict's bits).
    const activations = await m.activations(noisy);
    const denoised = activations[activations.length - 1];
    putImage($('view-input'), gridImage([digit], { gap: 0 }));
    putImage($('view-noisy'), gridImage([noisy], { gap: 0 }));
    putImage($('view-denoised'), gridImage([denoised], { gap: 0 }));
    drawMaps(activations);
    demo.denoiseCount++;
  });
}

// ---------------------------------------------------------------------------------------------------
// Inside the network: each layer's feature maps for the digit being denoised

const MAP_GAP_COLOUR = [110, 110, 128];   // between maps: neither black (a map's lowest) nor white (its highest)

/** One figure per layer (rebuilt when the model's layers change), each map grid redrawn. */
function drawMaps(activations) {
  const list = $('maps');
  const key = activations.map((a) => `${a.layer} ${a.shape.join('x')}`).join(',');
  if (list.dataset.layers !== key) {
    list.dataset.layers = key;
    // The encoder ends at the smallest layer; the decoder follows it.
    const sizes = activations.map((a) => a.data.length);
    const bottleneck = sizes.indexOf(Math.min(...sizes));
    list.replaceChildren(...activations.map((a, i) => {
      const shape = a.shape.slice(1).join('×');
      const part = i === 0 ? 'input' : i === activations.length - 1 ? 'output' : i <= bottleneck ? 'encoder' : 'decoder';
      const figure = document.createElement('figure');
      figure.className = 'map';
      const caption = document.createElement('figcaption');
      caption.innerHTML = `<span class="part ${part}">${part}</span> <b></b> <span class="shape"></span>`;
      caption.querySelector('b').textContent = a.layer;
      caption.querySelector('.shape').textContent = shape;
      const canvas = document.createElement('canvas');
      canvas.className = 'pixels';
      canvas.setAttribute('role', 'img');
      const maps = a.shape.length === 4 ? a.shape[3] : 1;
      canvas.setAttribute('aria-label', `${a.layer} (${a.className}): ${maps} feature map${maps === 1 ? '' : 's'} of ${a.shape.slice(1, 3).join(' by ')}`);
      figure.append(caption, canvas);
      return figure;
    }));
  }
  activations.forEach((a, i) => {
    const single = a.shape.length === 4 && a.shape[3] === 1;   // the digit in and out: drawn 3 times larger
    const grid = featureMapGrid(a, { caption: false, background: MAP_GAP_COLOUR, ...(single ? { scale: 3 } : {}) });
    const canvas = list.children[i].querySelector('canvas');
    canvas.style.setProperty('--w', String(grid.width));
    putImage(canvas, grid);
  });
}

// ---------------------------------------------------------------------------------------------------
// Save and load

const canSaveFiles = typeof dw.loadModel === 'function' && typeof dw.Sequential.prototype.save === 'function';
if (!canSaveFiles) $('weights-hint').textContent = 'Save the trained weights to a JSON file and load them back later.';
if (typeof presets.pretrained === 'function') $('btn-pretrained').hidden = false;

function setLoadEnabled(on) {
  $('load-label').classList.toggle('disabled', !on);
  $('file-model').disabled = !on;
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
      forgetHistory();
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

function forgetHistory() {
  demo.batchLosses = [];
  demo.epochLogs = [];
  stepOffset = 0;
  plannedSteps = 0;
  run.batches = 0;
  setProgress(0, '');
  drawChart();
}

function replaceModel(next) {
  model?.dispose();
  model = next;
  demo.model = model;
  forgetHistory();
}

/** After Load or the pretrained model: both cards say what the model now is. */
async function afterModelChange(message) {
  modelState = 'loaded';
  $('btn-train').textContent = 'Train more';
  await showEngine();
  await updateGrid();
  denoiseWanted = true;
  await denoiseNow();
  $('weights-status').textContent = message;
  setStatus(`${message} ${modelSentence()}`);
}

// ---------------------------------------------------------------------------------------------------

$('btn-train').addEventListener('click', () => {
  if ($('btn-train').getAttribute('aria-disabled') !== 'true') train();
});
$('btn-stop').addEventListener('click', () => {
  if (!abort) return;
  abort.abort();
  setStatus('Stopping after the batches already sent…');
});
$('btn-reset').addEventListener('click', async () => {
  if (training) return;
  newModel();
  await showEngine();
  await updateGrid();
  denoiseWanted = true;
  await denoiseNow();
  setStatus('The model is back at its initial (untrained) weights.');
});

init().catch(fail);
