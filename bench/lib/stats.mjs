// Small statistics and formatting helpers for the bench.
export function median(a) {
  const s = [...a].sort((x, y) => x - y);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
}
export const min = (a) => Math.min(...a);
export const max = (a) => Math.max(...a);

/** A number with a sensible number of digits: 12,345 / 123 / 12.3 / 1.23 / 0.123. */
export function num(x) {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 100) return Math.round(x).toLocaleString('en-US');
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(2);
}

/** "median (min-max)". */
export function mmm(a) {
  return `${num(median(a))} (${num(min(a))}-${num(max(a))})`;
}

export function bytes(n) {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

/** Ratio as "350x" or "0.52x". */
export function ratio(a, b) {
  const r = a / b;
  if (!Number.isFinite(r)) return '-';
  return r >= 10 ? `${Math.round(r).toLocaleString('en-US')}x` : `${r.toFixed(2)}x`;
}

/** A plain-text table: rows of cells, first row the header; numbers right-aligned. */
export function table(rows, { indent = '  ' } = {}) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c] ?? '').length)));
  const right = rows[0].map((_, c) => {
    const cells = rows.slice(1).map((r) => String(r[c] ?? '')).filter((s) => s !== '' && s !== '-');
    return cells.length > 0 && cells.every((s) => /^[-\d.,x%() ]*( [KM]iB| B)?$/.test(s));
  });
  return rows.map((r, i) => indent + r.map((cell, c) => {
    const s = String(cell ?? '');
    return right[c] && i > 0 ? s.padStart(widths[c]) : s.padEnd(widths[c]);
  }).join('  ').trimEnd()).join('\n');
}
