import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { snapTradePayload } from '../support/snaptrade.ts';
import { exposedNames, metricNames, promtoolRejects } from '../support/promql.ts';
import { startStack, type Stack } from '../support/stack.ts';

const root = join(import.meta.dirname, '..', '..');
/** Series Prometheus makes itself rather than scraping them. */
const prometheusOwn = new Set(['up', 'ALERTS', 'ALERTS_FOR_STATE']);

const alertExprs = (parse(readFileSync(join(root, 'ops/prometheus/alerts.yml'), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups
  .flatMap((group) => group.rules)
  .map((rule) => ({ where: `alert ${rule.alert}`, expr: rule.expr }));
const dashboard = JSON.parse(readFileSync(join(root, 'ops/grafana/connection-lifecycle.json'), 'utf8')) as {
  panels: { title: string; type: string; targets?: { expr: string }[] }[];
};
const panelExprs = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ where: `panel "${panel.title}"`, expr: target.expr })));

describe('the alert rules and the dashboard read what /metrics exposes', () => {
  let stack: Stack;
  let exposed: Set<string>;

  before(async () => {
    stack = await startStack();
    // One delivery, so every per-delivery series has been touched at least once.
    assert.equal((await stack.post('/webhooks/snaptrade', snapTradePayload('CONNECTION_ADDED'))).status, 200);
    const res = await fetch(`${stack.receiver.url}/metrics`);
    assert.equal(res.status, 200);
    exposed = exposedNames(await res.text());
  });
  after(() => stack.stop());

  test('the dashboard has the panels the issue asks for', () => {
    const titles = dashboard.panels.map((panel) => panel.title.toLowerCase()).join('\n');
    for (const topic of ['webhooks by provider and outcome', 'ack latency', 'backlog', 'lag', 'connections by state', 'notifications', 'alerts']) assert.match(titles, new RegExp(topic));
  });

  test('every metric named in an alert rule or a panel query is one the service exposes', () => {
    assert.ok(exposed.has('webhooks_received_total') && exposed.has('webhook_ack_seconds_bucket'), 'the exposition was read');
    const missing = [...alertExprs, ...panelExprs].flatMap(({ where, expr }) =>
      metricNames(expr)
        .filter((name) => !exposed.has(name) && !prometheusOwn.has(name))
        .map((name) => `${where}: ${name}`),
    );
    assert.deepEqual(missing, []);
    assert.ok(panelExprs.every(({ expr }) => metricNames(expr).length > 0), 'every panel reads some metric');
  });

  test('every panel query is valid PromQL', { skip: process.env.PROMTOOL_PATH ? false : 'promtool not installed (Debian package prometheus)' }, () => {
    assert.equal(promtoolRejects(process.env.PROMTOOL_PATH!, panelExprs.map(({ expr }) => expr)), undefined);
  });
});
