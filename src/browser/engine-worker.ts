// The Web Worker that hosts a page's engine (see remote-engine.ts). It creates the real Engine here,
// off the page's thread: the simd-threads build with a pool of nested Web Workers when the page is
// cross-origin isolated, else the SIMD (or scalar) build on this worker's own thread. Requests are
// handled one at a time, in the order they arrive.
import { Engine } from '../engine/engine.js';
import type { Envelope, Reply } from './protocol.js';

interface WorkerScope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<Envelope>) => void): void;
}
const scope = globalThis as unknown as WorkerScope;

let engine: Engine | null = null;
let outputSize = 0;   // floats per sample of the engine's output
let queue: Promise<void> = Promise.resolve();
// A load that failed (e.g. a batch too large for wasm memory): the compute request posted right after it
// must not run on the old buffers; it fails with the load's error instead.
let failedLoad: Error | null = null;

function compute(): Engine {
  if (failedLoad) {
    const e = failedLoad;
    failedLoad = null;
    throw e;
  }
  return need();
}

function need(): Engine {
  if (!engine) throw new Error('denoise-wasm: the engine worker has no engine (create failed or it was disposed)');
  return engine;
}

/** Handles one request; returns the reply value and the buffers to transfer with it. */
async function handle(m: Envelope): Promise<[unknown, Transferable[]]> {
  const bytes = () => engine?.memoryBytes ?? 0;
  switch (m.op) {
    case 'create': {
      engine?.dispose();
      engine = null;
      engine = await Engine.create(m.graph, m.options);
      outputSize = m.graph.outputSize;
      return [{ info: engine.info, memoryBytes: bytes() }, []];
    }
    case 'setLoss': need().setLoss(m.loss); break;
    case 'setOptimizer': need().setOptimizer(m.optimizer); break;
    case 'setInputGradient': need().setInputGradient(m.on); break;
    case 'setParams': need().setParams(m.values); break;
    case 'setOptimizerState': need().setOptimizerState(m.state); break;
    case 'setStep': need().setStep(m.step); break;
    case 'load':
      try {
        failedLoad = null;
        need().loadRange(m.x, 0, m.n, m.y);
      } catch (e) {
        failedLoad = e as Error;
        throw e;
      }
      break;
    case 'forward': {
      const e = compute();
      const output = new Float32Array(m.n * outputSize);   // its pages fault in while the engine's threads run (Engine.forward)
      output.set(await e.forward(m.n, output));
      return [{ output, memoryBytes: bytes() }, [output.buffer]];
    }
    case 'forwardAll': {
      const outputs = await compute().forwardAll(m.n);
      return [{ outputs, memoryBytes: bytes() }, outputs.map((o) => o.buffer)];
    }
    case 'evaluate':
      return [{ loss: await compute().evaluate(m.n), memoryBytes: bytes() }, []];
    case 'gradients': {
      const e = compute();
      const loss = await e.gradients(m.n);
      const grads = e.getGradients();
      let inputGradient: Float32Array | null = null;
      try { inputGradient = e.getInputGradient(m.n); } catch { /* input gradients are off */ }
      return [{ loss, grads, inputGradient, memoryBytes: bytes() }, inputGradient ? [grads.buffer, inputGradient.buffer] : [grads.buffer]];
    }
    case 'trainStep': {
      const e = compute();
      const loss = await e.trainStep(m.n);
      const params = e.getParams(), grads = e.getGradients(), state = e.getOptimizerState();
      return [{ loss, params, grads, state, memoryBytes: bytes() }, [params.buffer, grads.buffer, ...state.slots.map((s) => s.buffer)]];
    }
    case 'trap': await need().trapWorkerForTesting(m.tid); break;
    case 'dispose': engine?.dispose(); engine = null; break;
  }
  return [{ memoryBytes: bytes() }, []];
}

scope.addEventListener('message', (e) => {
  const m = e.data;
  queue = queue.then(async () => {
    let reply: Reply, transfer: Transferable[] = [];
    try {
      const [value, t] = await handle(m);
      reply = { id: m.id, ok: true, value };
      transfer = t;
    } catch (err) {
      reply = { id: m.id, ok: false, error: (err as Error)?.message ?? String(err) };
    }
    scope.postMessage(reply, transfer);
  });
});
