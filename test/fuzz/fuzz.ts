// Mutation fuzzing of the file parsers: start from valid bytes, flip, overwrite, truncate, extend, cut and
// repeat them many times with a fixed seed, and require of every case that it either loads correctly (the
// caller checks the result) or throws an Error whose message names the input and the problem. A throw
// that is not an Error, an engine error leaking out (`Cannot read properties of undefined`, `Invalid array
// length`, ...) or a message without the caller's prefix fails the case, with the seed and the mutation
// named so that it can be replayed. The time of the slowest case and the growth of the process's memory
// are recorded: they catch hangs and runaway allocation (bounds far above normal, not speed tests).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Random } from '../../src/index.js';

export interface Mutant { what: string; bytes: Uint8Array }

/** Byte values that break parsers most often: zero, all ones, sign bits, and 0xff 0xd8-style markers. */
const SPECIAL = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe];

/** One random mutation of `valid` (never in place). */
export function mutate(valid: Uint8Array, r: Random): Mutant {
  const b = Uint8Array.from(valid);
  const at = () => r.int(Math.max(1, b.length));
  switch (r.int(8)) {
    case 0: {                                               // flip 1-8 random bits
      const k = 1 + r.int(8), where: number[] = [];
      for (let i = 0; i < k; i++) { const p = at(); b[p] ^= 1 << r.int(8); where.push(p); }
      return { what: `bits flipped at ${where.join(',')}`, bytes: b };
    }
    case 1: {                                               // special byte values
      const p = at(), v = SPECIAL[r.int(SPECIAL.length)];
      b[p] = v;
      return { what: `byte ${p} = 0x${v.toString(16)}`, bytes: b };
    }
    case 2: {                                               // a run of random bytes
      const p = at(), n = 1 + r.int(16);
      for (let i = p; i < Math.min(b.length, p + n); i++) b[i] = r.int(256);
      return { what: `${n} random bytes at ${p}`, bytes: b };
    }
    case 3: {                                               // truncated
      const n = r.int(valid.length);
      return { what: `truncated to ${n} bytes`, bytes: b.slice(0, n) };
    }
    case 4: {                                               // extended with random bytes or a copy of the start
      const n = 1 + r.int(64), tail = r.int(2) ? Uint8Array.from({ length: n }, () => r.int(256)) : valid.slice(0, n);
      const out = new Uint8Array(b.length + tail.length);
      out.set(b); out.set(tail, b.length);
      return { what: `extended by ${tail.length} bytes`, bytes: out };
    }
    case 5: {                                               // a chunk cut out
      const p = at(), n = 1 + r.int(32);
      return { what: `${n} bytes cut at ${p}`, bytes: Uint8Array.from([...b.subarray(0, p), ...b.subarray(p + n)]) };
    }
    case 6: {                                               // a chunk repeated
      const p = at(), n = 1 + r.int(32);
      return { what: `${n} bytes at ${p} repeated`, bytes: Uint8Array.from([...b.subarray(0, p + n), ...b.subarray(p)]) };
    }
    default: {                                              // one byte in the first 64 (the header) set at random
      const p = r.int(Math.min(64, b.length)), v = r.int(256);
      b[p] = v;
      return { what: `header byte ${p} = 0x${v.toString(16)}`, bytes: b };
    }
  }
}

/** Engine errors that mean a parser did not check something: never an acceptable message for bad input. */
const LEAKED = /Cannot read propert|Cannot set propert|is not a function|is not iterable|of undefined|of null|Maximum call stack|Invalid array length|Invalid typed array length|Array buffer allocation failed|out of memory|\[object /i;

const isError = (e: unknown): e is Error => Object.prototype.toString.call(e) === '[object Error]';

export class Fuzz {
  ok = 0;
  rejected = 0;
  slowestMs = 0;
  slowest = '';
  private rss0 = process.memoryUsage().rss;
  private rssPeak = this.rss0;
  readonly messages = new Map<string, number>();

  constructor(readonly name: string) {}

  /**
   * Runs one case. `check` validates a successful result; `prefix` must start every error message (the
   * parser's name and the input's label). A case whose outcome is neither is recorded, with its name, in
   * `failures`, which finish() requires to be empty (so one run lists them all).
   */
  async case<T>(what: string, run: () => T | Promise<T>, check: (result: T) => void, prefix: string | RegExp): Promise<void> {
    const t0 = performance.now();
    let result: T;
    try {
      result = await run();
    } catch (e) {
      this.time(what, t0);
      if (!isError(e)) return this.fail(`${what}: threw a non-Error: ${String(e)}`);
      const m = e.message;
      const prefixed = typeof prefix === 'string' ? m.startsWith(prefix) : prefix.test(m);
      if (!prefixed || LEAKED.test(m) || m.length < (typeof prefix === 'string' ? prefix.length : 0) + 10) {
        return this.fail(`${what}: unclear error: ${m}`);
      }
      this.rejected++;
      const kind = m.slice(0, 120).replace(/\d+/g, 'N');
      this.messages.set(kind, (this.messages.get(kind) ?? 0) + 1);
      return;
    }
    this.time(what, t0);
    try {
      check(result);
    } catch (e) {
      return this.fail(`${what}: loaded, but wrongly: ${(e as Error).message}`);
    }
    this.ok++;
  }

  readonly failures: string[] = [];

  private fail(message: string): void {
    this.failures.push(message);
  }

  private time(what: string, t0: number): void {
    const ms = performance.now() - t0;
    if (ms > this.slowestMs) { this.slowestMs = ms; this.slowest = what; }
    this.rssPeak = Math.max(this.rssPeak, process.memoryUsage().rss);
  }

  /** MiB the resident set grew by, at its peak, since this fuzz run began. */
  get rssGrowthMiB(): number { return (this.rssPeak - this.rss0) / 2 ** 20; }

  /** Prints the tally and asserts the hang and allocation guards. */
  finish(): void {
    const top = [...this.messages].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([m, n]) => `  ${String(n).padStart(5)}  ${m}`);
    console.log(`${this.name}: ${this.ok} loaded, ${this.rejected} rejected with a clear error; slowest ${this.slowestMs.toFixed(0)} ms ` +
      `(${this.slowest}); RSS grew ${this.rssGrowthMiB.toFixed(0)} MiB at most\nmost frequent errors:\n${top.join('\n')}`);
    expect(this.failures.slice(0, 20)).toEqual([]);
    expect(this.failures.length).toBe(0);
    // Hang and runaway-allocation guards, far above what any case needs (a few ms, a few MiB).
    expect(this.slowestMs).toBeLessThan(10_000);
    expect(this.rssGrowthMiB).toBeLessThan(1024);
  }
}

/** Runs fn in a fresh temporary directory, removed afterwards. */
export async function inTempDir(prefix: string, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * test.skip, with a line on stderr saying why: in a run of several files jest prints nothing for a skipped
 * test, and a case waiting on a fix must not vanish from the output.
 */
export function skipBecause(reason: string, name: string, fn: () => Promise<void>): void {
  process.stderr.write(`SKIPPED "${name}": ${reason}\n`);
  test.skip(name, fn);
}
