import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { metricNames } from '../support/promql.ts';

const root = join(import.meta.dirname, '..', '..');
const rulesDir = join(root, 'ops', 'prometheus');
const promtool = process.env.PROMTOOL_PATH;

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
const rules = (parse(readFileSync(join(rulesDir, 'alerts.yml'), 'utf8')) as { groups: { rules: AlertRule[] }[] }).groups.flatMap((group) => group.rules);
const unitTests = parse(readFileSync(join(rulesDir, 'alerts.test.yml'), 'utf8')) as {
  tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
};

describe('alert rules (ops/prometheus/alerts.yml)', () => {
  test('the issue’s alerts are all there: backlog and lag, 5xx, signature failures, broken per brokerage, notifications, silent providers', () => {
    const names = rules.map((rule) => rule.alert);
    for (const name of ['JournalDispatchLagging', 'JournalBacklogGrowing', 'WebhookServerErrors', 'WebhookSignatureFailures', 'BrokerageConnectionsBreaking', 'NotificationsFailing', 'ProviderWebhooksSilent']) {
      assert.ok(names.includes(name), name);
    }
    assert.equal(new Set(names).size, names.length, 'alert names are unique');
  });

  test('each has a severity, a summary, a description and a runbook section in the README', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const runbook = readme.slice(readme.indexOf('## Runbook'));
    assert.ok(readme.includes('## Runbook'), 'the README has a Runbook section');
    for (const rule of rules) {
      assert.match(rule.labels.severity ?? '', /^(page|ticket)$/, `${rule.alert} severity`);
      assert.ok(rule.annotations.summary && rule.annotations.description, `${rule.alert} has summary and description`);
      assert.equal(rule.annotations.runbook, `README.md#${rule.alert.toLowerCase()}`);
      assert.match(runbook, new RegExp(`^#### ${rule.alert}$`, 'm'), `README runbook section for ${rule.alert}`);
    }
  });

  test('each alert is fired by at least one promtool unit test, and kept quiet by another', () => {
    const cases = unitTests.tests.flatMap((t) => t.alert_rule_test);
    for (const rule of rules) {
      assert.ok(cases.some((c) => c.alertname === rule.alert && c.exp_alerts.length > 0), `${rule.alert} fires in a test`);
      assert.ok(cases.some((c) => c.alertname === rule.alert && c.exp_alerts.length === 0), `${rule.alert} stays quiet in a test`);
    }
  });

  test('every rule reads at least one of the service’s metrics', () => {
    for (const rule of rules) assert.ok(metricNames(rule.expr).length > 0, rule.alert);
  });

  test('promtool test rules: every unit test passes, and the rules and scrape configuration check', { skip: promtool ? false : 'promtool not installed (Debian package prometheus)' }, () => {
    for (const args of [['check', 'rules', 'alerts.yml'], ['test', 'rules', 'alerts.test.yml']]) {
      const run = spawnSync(promtool!, args, { cwd: rulesDir, encoding: 'utf8' });
      assert.equal(run.status, 0, `promtool ${args.join(' ')}\n${run.stdout}${run.stderr}`);
    }
    // The scrape token file exists only inside the container: check a copy pointing at a local one.
    const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
    try {
      writeFileSync(join(dir, 'token'), 'a-token');
      cpSync(join(rulesDir, 'alerts.yml'), join(dir, 'alerts.yml'));
      writeFileSync(join(dir, 'prometheus.yml'), readFileSync(join(rulesDir, 'prometheus.yml'), 'utf8').replace('/tmp/metrics-token', join(dir, 'token')));
      const run = spawnSync(promtool!, ['check', 'config', 'prometheus.yml'], { cwd: dir, encoding: 'utf8' });
      assert.equal(run.status, 0, `promtool check config\n${run.stdout}${run.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
