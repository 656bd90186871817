// denoise-wasm in browsers: the package's "browser" export. Everything in 'denoise-wasm', and models made
// on a page's main thread get their engine in a dedicated Web Worker (remote-engine.ts), so training
// and inference never block the page. Imported statically here so that bundlers ship the proxy and
// the worker with the page, while the worker's own bundle never includes the proxy.
import { registerMainThreadEngine, type Engine } from '../engine/engine.js';
import { RemoteEngine } from './remote-engine.js';

registerMainThreadEngine(async (graph, options) => await RemoteEngine.create(graph, options) as unknown as Engine);

export * from '../index.js';
