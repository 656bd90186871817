// The plan record is described twice, in assembly/plan.ts (wasm) and src/engine/plan-layout.ts (host).
import { readFileSync } from 'node:fs';
import * as L from '../../src/engine/plan-layout.js';

test('host and wasm agree on every plan constant', () => {
  const src = readFileSync(new URL('../../assembly/plan.ts', import.meta.url), 'utf8');
  const wasm = Object.fromEntries([...src.matchAll(/export const (\w+) = (\d+);/g)].map((m) => [m[1], Number(m[2])]));
  expect(Object.keys(wasm).length).toBeGreaterThan(50);
  expect({ ...L }).toEqual(wasm);
});
