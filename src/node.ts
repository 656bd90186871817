// denoise-wasm/node: everything in 'denoise-wasm' plus Node-only helpers (IDX files, PNG files).
export * from './index.js';
export * from './data/node.js';
export * from './io/node.js';
