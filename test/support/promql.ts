import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

const keywords = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'inf', 'nan']);

/**
 * The metric names a PromQL expression reads: what is left once strings, label matchers, ranges,
 * grouping clauses, function calls and keywords are taken out. (promtool checks the syntax; this
 * only has to find the names in expressions it accepts.)
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set<string>();
  for (const match of bare.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const [, name, call] = match;
    if (call || keywords.has(name!.toLowerCase()) || /^\d/.test(name!)) continue;
    names.add(name!);
  }
  return [...names];
}

/** Names of the series a Prometheus text exposition offers: every `# TYPE`, histograms' and summaries' parts included. */
export function exposedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') for (const part of ['_bucket', '_sum', '_count']) names.add(`${name}${part}`);
    if (type === 'summary') for (const part of ['_sum', '_count']) names.add(`${name}${part}`);
  }
  return names;
}

/** promtool's verdict on expressions (Grafana's `$__rate_interval` as a plain 5m): undefined when all parse. */
export function promtoolRejects(promtool: string, exprs: readonly string[]): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'promql-'));
  try {
    const rules = { groups: [{ name: 'check', rules: exprs.map((expr, i) => ({ record: `check:expr_${i}`, expr: expr.replaceAll('$__rate_interval', '5m') })) }] };
    writeFileSync(join(dir, 'rules.yml'), stringify(rules));
    const run = spawnSync(promtool, ['check', 'rules', join(dir, 'rules.yml')], { encoding: 'utf8' });
    return run.status === 0 ? undefined : `${run.stdout}${run.stderr}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
