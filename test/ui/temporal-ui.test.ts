import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { startTemporalDevServer, type DevServer } from '../../src/embedded/temporal-dev-server.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { snapTradePayload } from '../support/snaptrade.ts';
import { waitFor } from '../support/wait.ts';
import { freePort } from '../support/free-port.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const artifacts = join(import.meta.dirname, '..', '..', 'test-artifacts');


describe('the operator in the Temporal Web UI', { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (scripts/test.mjs installs Debian's chromium when run as root)` }, () => {
  let server: DevServer;
  let stack: Stack;
  let browser: Browser;

  before(async () => {
    const port = await freePort();
    server = await startTemporalDevServer({ executable: process.env.TEMPORAL_CLI_PATH!, port, uiPort: await freePort() });
    stack = await startStack({ temporalAddress: server.address });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
    await server?.stop();
  });

  test('filters ConnectionState = "broken", finds the connection, opens its history', async () => {
    const id = 'conn-seen-in-the-ui';
    assert.equal((await stack.post('/webhooks/snaptrade', snapTradePayload('CONNECTION_ADDED', { brokerageAuthorizationId: id }))).status, 200);
    assert.equal((await stack.post('/webhooks/snaptrade', snapTradePayload('CONNECTION_BROKEN', { brokerageAuthorizationId: id }))).status, 200);
    assert.equal((await stack.post('/webhooks/snaptrade', snapTradePayload('CONNECTION_ADDED', { brokerageAuthorizationId: 'conn-healthy' }))).status, 200);
    const workflowId = `connection:snaptrade:${id}`;
    await waitFor(async () => {
      for await (const wf of stack.client.workflow.list({ query: 'ConnectionState = "broken"' })) if (wf.workflowId === workflowId) return true;
      return false;
    }, 'visibility to index the broken connection');

    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    mkdirSync(artifacts, { recursive: true });
    const shoot = (name: string) => page.screenshot({ path: join(artifacts, name), fullPage: true });
    try {
      const query = encodeURIComponent('ConnectionState = "broken"');
      await page.goto(`${server.uiUrl}/namespaces/default/workflows?query=${query}`);
      const row = page.getByText(workflowId, { exact: true });
      await row.first().waitFor({ timeout: 30_000 });
      assert.equal(await page.getByText('connection:snaptrade:conn-healthy').count(), 0, 'the filter hides active connections');
      await shoot('temporal-ui-filtered-list.png');

      await row.first().click();
      await page.waitForURL(/\/workflows\/connection/, { timeout: 30_000 });
      await page.getByText('persistConnectionBatch').first().waitFor({ timeout: 30_000 });
      await shoot('temporal-ui-broken-connection-history.png');
      assert.ok(existsSync(join(artifacts, 'temporal-ui-broken-connection-history.png')));
    } catch (error) {
      await shoot('temporal-ui-failure.png');
      throw error;
    }
  });
});
