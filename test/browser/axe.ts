// axe-core (the devDependency's axe.min.js) over a whole page in the browser tests: prints its report.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from './chromium.js';

/** axe-core over the whole page: prints its report and returns the violations. */
export async function axe(page: Page, label: string): Promise<Array<{ id: string; targets: string[] }>> {
  if (!(await page.evaluate(() => 'axe' in window))) {
    await page.addScriptTag({ content: readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8') });
  }
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { version: string; run(ctx: Document): Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[]; failureSummary: string }> }>; passes: unknown[]; incomplete: Array<{ id: string }> }> } }).axe;
    const r = await axe.run(document);
    return { version: axe.version, violations: r.violations, passes: r.passes.length, incomplete: r.incomplete.map((i) => i.id) };
  });
  const lines = [`axe-core ${result.version}, ${label}: ${result.violations.length} violations, ${result.passes} rules passed` +
    (result.incomplete.length ? `, needs review: ${result.incomplete.join(', ')}` : '')];
  for (const v of result.violations) {
    lines.push(`  ${v.id} (${v.impact}): ${v.help}`);
    for (const n of v.nodes) lines.push(`    ${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`);
  }
  console.log(lines.join('\n'));
  return result.violations.map((v) => ({ id: v.id, targets: v.nodes.map((n) => n.target.join(' ')) }));
}
