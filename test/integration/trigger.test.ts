import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runTriggerCli } from '../../src/cli/trigger-commands.ts';
import { applyDevSecrets, loadOrCreateDevSecrets, type DevSecrets } from '../../src/embedded/dev-secrets.ts';
import { catalog, triggerProviders } from '../../src/trigger/catalog.ts';
import { loadScenario } from '../../src/trigger/scenario.ts';
import { startAppBackend, type AppBackend } from '../support/app-backend.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { waitFor } from '../support/wait.ts';

const root = join(import.meta.dirname, '..', '..');
const CONSUMER_KEY = 'trigger-test-consumer-key-5d1e';

describe('npm run trigger against the stack as `npm start` configures it', () => {
  let stack: Stack;
  let app: AppBackend;
  let dir: string;
  let secretsFile: string;
  let secrets: DevSecrets;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trigger-'));
    secretsFile = join(dir, 'dev-secrets.json');
    secrets = loadOrCreateDevSecrets(secretsFile);
    // What `npm start` does with the generated file: every provider's route on, Upvest's key trusted.
    const devEnv: NodeJS.ProcessEnv = {};
    applyDevSecrets(devEnv, secrets);
    app = await startAppBackend();
    stack = await startStack({
      env: {
        ...(devEnv as Record<string, string>),
        SNAPTRADE_CONSUMER_KEY: CONSUMER_KEY,
        ...app.env,
        REAUTH_GRACE: '500ms',
        QUIET_HOURS: 'off',
      },
    });
  });
  after(async () => {
    await stack.stop();
    await app.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The command in this process, reading secrets as a developer's shell would: the dev file, the consumer key exported. */
  async function trigger(args: string[], env: NodeJS.ProcessEnv = {}, sleep?: (ms: number) => Promise<void>) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runTriggerCli([...args, '--to', stack.receiver.url, '--json'], {
      env: { DEV_SECRETS_FILE: secretsFile, SNAPTRADE_CONSUMER_KEY: CONSUMER_KEY, ...env },
      out: (text) => out.push(text),
      err: (text) => err.push(text),
      ...(sleep ? { sleep } : {}),
    });
    return { code, err: err.join('\n'), results: out.map((line) => JSON.parse(line)) };
  }

  test('each provider, authenticated as that provider does it, ends in the state its event implies', async () => {
    const cases: [string[], string][] = [
      [['snaptrade', 'broken', '--user', 'st-u', '--connection', 'st-c'], 'broken'],
      [['snaptrade', 'app-created', '--user', 'st-u', '--connection', 'st-app'], 'active'],
      [['vezgo', 'login-failed', '--user', 'vz-u', '--connection', 'vz-c'], 'broken'],
      [['vezgo', 'temporary-failure', '--user', 'vz-u', '--connection', 'vz-d'], 'degraded'],
      [['upvest', 'user-activated', '--user', 'up-u'], 'active'],
      [['upvest', 'account-locked', '--user', 'up-u', '--connection', 'up-acct'], 'broken'],
      [['vibe', 'order-created'], 'active'],
    ];
    for (const [args, state] of cases) {
      const { code, err, results } = await trigger(args);
      assert.equal(code, 0, `${args.join(' ')}: ${err}`);
      const [result] = results;
      assert.equal(result.status, 200, `${args.join(' ')}: ${JSON.stringify(result.answer)}`);
      assert.equal(result.answer.events, 1);
      assert.equal(result.state.state, state, `${args.join(' ')} → ${JSON.stringify(result.state)}`);
    }
    const [vibe] = (await trigger(['vibe', 'order-created'])).results;
    assert.equal(vibe.state.connectionId, secrets.VIBE_ACCOUNT_ID, 'Vibe events belong to the configured account');
  });

  test('SnapTrade’s Signature header under the consumer key authenticates on its own; without it a wrong body secret is 401', async () => {
    const signed = await trigger(['snaptrade', 'added', '--connection', 'sig-c'], { SNAPTRADE_WEBHOOK_SECRET: 'not-the-secret' });
    assert.equal(signed.results[0].status, 200);
    assert.equal(signed.results[0].authentication, 'webhookSecret + Signature');
    const unsigned = await trigger(['snaptrade', 'added', '--connection', 'sig-c'], { SNAPTRADE_WEBHOOK_SECRET: 'not-the-secret', SNAPTRADE_CONSUMER_KEY: '' });
    assert.equal(unsigned.code, 1);
    assert.equal(unsigned.results[0].status, 401);
  });

  test('every event of --list is accepted by the receiver', async () => {
    for (const provider of triggerProviders) {
      for (const template of catalog[provider]) {
        const { code, err, results } = await trigger([provider, template.name, '--user', `all-${provider}`, '--connection', `all-${provider}-${template.name}`, '--settle', '0s']);
        assert.equal(code, 0, `${provider} ${template.name}: ${err} ${JSON.stringify(results[0]?.answer)}`);
        assert.ok(results[0].status === 200 || results[0].status === 202, `${provider} ${template.name}: ${results[0].status}`);
      }
    }
  });

  test('a broken connection’s prompt reaches the app backend', async () => {
    const { results } = await trigger(['snaptrade', 'broken', '--user', 'prompt-u', '--connection', 'prompt-c']);
    assert.equal(results[0].state.state, 'broken');
    await waitFor(async () => app.notifications('prompt-c').some((n) => n.type === 'connection.reauth_required'), 'the reauth prompt at the app backend');
  });

  test('a scenario replays its story: counted steps, waits (scaled by --speed), the states after', async () => {
    const file = join(dir, 'story.yaml');
    writeFileSync(
      file,
      ['defaults:', '  brokerage: story-b', 'steps:', '  - send: snaptrade added', '    connection: story-{i}', '    count: 3', '  - wait: 20m', '  - send: snaptrade broken', '    connection: story-2', ''].join('\n'),
    );
    const waits: number[] = [];
    const { code, results } = await trigger(['--scenario', file, '--speed', '1000'], {}, async (ms) => void waits.push(ms));
    assert.equal(code, 0);
    assert.deepEqual(waits, [1_200]);
    assert.deepEqual(results.map((r) => [r.event, r.state.connectionId, r.state.state]), [
      ['added', 'story-1', 'active'],
      ['added', 'story-2', 'active'],
      ['added', 'story-3', 'active'],
      ['broken', 'story-2', 'broken'],
    ]);
  });

  test('the shipped scenarios are valid and name only events that exist', () => {
    const files = readdirSync(join(root, 'scenarios')).filter((name) => name.endsWith('.yaml'));
    assert.ok(files.length >= 3);
    for (const name of files) {
      const scenario = loadScenario(join(root, 'scenarios', name), () => ({ user: 'u', connection: 'c', brokerage: 'b', account: 'a' }));
      assert.ok(scenario.description, `${name} says what it shows`);
      assert.ok(scenario.steps.some((step) => step.kind === 'wait'), `${name} has a delay`);
    }
  });

  test('without secrets it says where they come from, an unreachable receiver is named, and a typo lists what exists', async () => {
    const missing = await trigger(['vibe', 'order-created'], { DEV_SECRETS_FILE: join(dir, 'absent.json') });
    assert.equal(missing.code, 2);
    assert.match(missing.err, /VIBE_WEBHOOK_SECRET.*npm start/s);
    const out: string[] = [];
    const unreachable = await runTriggerCli(['snaptrade', 'broken', '--to', 'http://127.0.0.1:9'], { env: { DEV_SECRETS_FILE: secretsFile }, out: () => {}, err: (text) => out.push(text) });
    assert.equal(unreachable, 1);
    assert.match(out.join('\n'), /cannot reach the receiver at http:\/\/127\.0\.0\.1:9/);
    const typo = await trigger(['snaptrade', 'brokn']);
    assert.equal(typo.code, 2);
    assert.match(typo.err, /unknown snaptrade event brokn: one of .*broken/);
  });

  test('`npm run trigger` prints the answer and the state', async () => {
    const child = spawn('npm', ['run', '--silent', 'trigger', '--', 'snaptrade', 'broken', '--user', 'npm-u', '--connection', 'npm-c', '--to', stack.receiver.url], {
      cwd: root,
      env: { ...process.env, DEV_SECRETS_FILE: secretsFile, SNAPTRADE_CONSUMER_KEY: CONSUMER_KEY },
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, stdout);
    assert.match(stdout, /snaptrade broken \(CONNECTION_BROKEN\) → POST .*\/webhooks\/snaptrade \[webhookSecret \+ Signature\]/);
    assert.match(stdout, /answer {2}200 \{"received":true,"events":1/);
    assert.match(stdout, /state {3}snaptrade\/npm-c: broken since .* · user npm-u/);
  });

  test('--list names every provider', async () => {
    const out: string[] = [];
    assert.equal(await runTriggerCli(['--list'], { env: {}, out: (text) => out.push(text), err: () => {} }), 0);
    for (const provider of triggerProviders) assert.match(out.join('\n'), new RegExp(`^${provider}$`, 'm'));
  });
});
