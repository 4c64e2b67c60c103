import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import type { z } from 'zod';
import { receiverConfigSchema, workerConfigSchema } from '../../src/config/config.ts';

const root = join(import.meta.dirname, '..', '..');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: { test: unknown };
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
  volumes?: string[];
}
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
/** What `docker compose up` starts: services outside any profile. */
const production = Object.fromEntries(Object.entries(services).filter(([, service]) => !service.profiles));

/** Variables the configuration cannot start without: neither optional nor defaulted. */
function requiredVariables(schema: z.ZodObject): string[] {
  return Object.entries(schema.shape)
    .filter(([, field]) => !(field as z.ZodType).safeParse(undefined).success)
    .map(([name]) => name);
}

test('the production shape: Postgres, Temporal on it with its UI, receiver and worker from the Dockerfile', () => {
  assert.deepEqual(Object.keys(production).sort(), ['postgres', 'receiver', 'temporal', 'temporal-ui', 'worker']);
  assert.ok(existsSync(join(root, 'Dockerfile')));
  for (const name of ['receiver', 'worker']) assert.equal(services[name]!.build, '.', `${name} is built from this repository`);
  assert.match(services.temporal!.image!, /^temporalio\/auto-setup:/);
  assert.equal(services.temporal!.environment!.POSTGRES_SEEDS, 'postgres', 'Temporal persists in the compose PostgreSQL');
  assert.match(services['temporal-ui']!.image!, /^temporalio\/ui:/);
  assert.equal(services['temporal-ui']!.environment!.TEMPORAL_ADDRESS, 'temporal:7233');
  assert.deepEqual(services.receiver!.command, ['node', 'dist/src/entry/receiver.js']);
  assert.deepEqual(services.worker!.command, ['node', '--max-old-space-size=512', 'dist/src/entry/worker.js']);
});

test('the worker runs with the same capped heap however it is started: compose, npm run worker, the benches', () => {
  const heapFlag = services.worker!.command!.find((arg) => arg.startsWith('--max-old-space-size='));
  assert.ok(heapFlag, 'compose caps the worker heap');
  const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  assert.ok(scripts.worker!.split(' ').includes(heapFlag), `npm run worker passes ${heapFlag}`);
  assert.match(readFileSync(join(root, 'bench', 'processes.ts'), 'utf8'), new RegExp(`WORKER_NODE_FLAGS = \\['${heapFlag}'\\]`), 'the benches measure the worker as deployed');
});

test('the image is a multi-stage build whose last stage holds dist/ and production dependencies only', () => {
  const stages = readFileSync(join(root, 'Dockerfile'), 'utf8').split(/^FROM /m).slice(1);
  assert.equal(stages.length, 2, 'a build stage and a runtime stage');
  const [build, runtime] = stages as [string, string];
  assert.match(build, /RUN npm run build/);
  assert.match(runtime, /npm ci --omit=dev/);
  assert.match(runtime, /COPY --from=\S+ \/app\/dist \.\/dist/);
  assert.doesNotMatch(runtime, /COPY (src|workflows|activities) /, 'no TypeScript source in the runtime image');
  assert.doesNotMatch(runtime, /tsx/, 'the runtime image runs plain node');
  const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  assert.ok(!('tsx' in packageJson.dependencies), 'tsx is a development dependency only');
});

test('ports line up with what the services listen on', () => {
  const env = services.receiver!.environment!;
  assert.ok(services.receiver!.ports!.includes(`${env.PORT}:${env.PORT}`));
  assert.ok(services['temporal-ui']!.ports!.includes('127.0.0.1:8080:8080'));
  assert.equal(env.TEMPORAL_ADDRESS, 'temporal:7233');
  assert.match(env.DATABASE_URL!, /@postgres:5432\//);
});

test('only the receiver is published beyond the host: Temporal is not published, the UI only on loopback', () => {
  assert.equal(services.temporal!.ports, undefined, 'no unauthenticated frontend on the host: a caller could signal any workflow, skipping verification');
  assert.equal(services.postgres!.ports, undefined);
  for (const [name, service] of Object.entries(services)) {
    if (name === 'receiver') continue;
    for (const port of service.ports ?? []) assert.match(port, /^127\.0\.0\.1:\d+:\d+$/, `${name} publishes ${port} on every interface`);
  }
});

test('the Web UI can be put behind sign-in: compose passes every setting the README names from the operator to the UI', () => {
  const named = new Set(readFileSync(join(root, 'README.md'), 'utf8').match(/TEMPORAL_(AUTH_[A-Z_]+|CODEC_PASS_ACCESS_TOKEN)\b/g));
  for (const variable of ['TEMPORAL_AUTH_ENABLED', 'TEMPORAL_AUTH_PROVIDER_URL', 'TEMPORAL_CODEC_PASS_ACCESS_TOKEN']) assert.ok(named.has(variable), `the README names ${variable}`);
  const ui = services['temporal-ui']!.environment!;
  for (const variable of named) assert.match(ui[variable] ?? '', new RegExp(`^\\$\\{${variable}:-`), `temporal-ui takes ${variable} from the operator`);
});

test('every variable the configuration requires is set for the process that needs it', () => {
  const receiverNeeds = requiredVariables(receiverConfigSchema);
  const workerNeeds = requiredVariables(workerConfigSchema);
  assert.ok(receiverNeeds.includes('API_TOKEN') && workerNeeds.includes('DATABASE_URL'), 'the check sees the schemas');
  for (const name of receiverNeeds) assert.ok(name in services.receiver!.environment!, `receiver lacks ${name}`);
  for (const name of workerNeeds) assert.ok(name in services.worker!.environment!, `worker lacks ${name}`);
  assert.match(services.receiver!.environment!.API_TOKEN!, /^\$\{\w+:\?/, 'API_TOKEN must come from the operator, never a default in the file');
  // Retired once SNAPTRADE_CONSUMER_KEY's signature is required, so the configuration decides, not compose.
  assert.equal(services.receiver!.environment!.SNAPTRADE_WEBHOOK_SECRET, '${SNAPTRADE_WEBHOOK_SECRET:-}', 'the webhook secret is never a default in the file');
});

test('every service has a health check and starts after what it depends on is healthy', () => {
  for (const [name, service] of Object.entries(services)) {
    if (name === 'worker' || name === 'temporal-ui') continue;
    assert.ok(service.healthcheck, `${name} has a health check`);
  }
  for (const name of ['receiver', 'worker']) {
    assert.deepEqual(services[name]!.depends_on, { postgres: { condition: 'service_healthy' }, temporal: { condition: 'service_healthy' } });
  }
});

test('the worker takes its tuning (WORKER_*) from the operator', () => {
  const tuning = Object.keys(workerConfigSchema.shape).filter((name) => name.startsWith('WORKER_'));
  assert.ok(tuning.includes('WORKER_STICKY_QUEUE_TIMEOUT'), 'the check sees the schema');
  for (const name of tuning) assert.equal(services.worker!.environment![name], `\${${name}:-}`, `worker passes ${name} through`);
});

test('every variable the compose file sets is one the configuration knows', () => {
  const known = new Set([...Object.keys(receiverConfigSchema.shape), ...Object.keys(workerConfigSchema.shape), 'NODE_ENV']);
  for (const name of ['receiver', 'worker']) {
    for (const variable of Object.keys(services[name]!.environment!)) assert.ok(known.has(variable), `${name} sets ${variable}, which no configuration reads`);
  }
});

test('--profile observability adds Prometheus scraping the receiver with the rules loaded, and Grafana provisioned', () => {
  const { prometheus, grafana } = services;
  assert.deepEqual(prometheus!.profiles, ['observability']);
  assert.deepEqual(grafana!.profiles, ['observability']);
  assert.match(prometheus!.image!, /^prom\/prometheus:v\d/);
  assert.match(grafana!.image!, /^grafana\/grafana:\d/);

  // Mounted directories are the repository's, at the paths the configurations name.
  const mount = (service: Service, inside: string) => service.volumes!.find((volume) => volume.split(':')[1] === inside)?.split(':')[0];
  assert.equal(mount(prometheus!, '/etc/prometheus'), './ops/prometheus');
  const start = prometheus!.command!.join(' ');
  assert.match(start, /--config\.file=\/etc\/prometheus\/prometheus\.yml/);
  const config = parse(readFileSync(join(root, 'ops/prometheus/prometheus.yml'), 'utf8')) as {
    rule_files: string[];
    scrape_configs: { job_name: string; static_configs: { targets: string[] }[]; authorization: { credentials_file: string } }[];
  };
  // With METRICS_TOKEN set on the receiver, Prometheus presents the same token.
  assert.equal(prometheus!.environment!.METRICS_TOKEN, services.receiver!.environment!.METRICS_TOKEN);
  assert.match(start, new RegExp(`> ${config.scrape_configs[0]!.authorization.credentials_file.replaceAll('/', '\\/')} `));
  for (const file of config.rule_files) assert.ok(existsSync(join(root, 'ops/prometheus', file)), `rule file ${file} is in ops/prometheus`);
  assert.ok(config.rule_files.includes('alerts.yml'));
  const receiverPort = services.receiver!.environment!.PORT;
  assert.deepEqual(config.scrape_configs.flatMap((job) => job.static_configs.flatMap((target) => target.targets)), [`receiver:${receiverPort}`]);
  const alerts = readFileSync(join(root, 'ops/prometheus/alerts.yml'), 'utf8');
  assert.match(alerts, new RegExp(`job="${config.scrape_configs[0]!.job_name}"`), 'ReceiverDown watches the job Prometheus scrapes');

  const provisioning = mount(grafana!, '/etc/grafana/provisioning');
  const dashboards = mount(grafana!, '/var/lib/grafana/dashboards');
  assert.equal(provisioning, './ops/grafana/provisioning');
  assert.equal(dashboards, './ops/grafana');
  const datasource = parse(readFileSync(join(root, provisioning!, 'datasources/prometheus.yml'), 'utf8')) as { datasources: { uid: string; url: string }[] };
  assert.equal(datasource.datasources[0]!.url, `http://prometheus:${prometheus!.ports![0]!.split(':').at(-1)}`);
  const provider = parse(readFileSync(join(root, provisioning!, 'dashboards/connection-lifecycle.yml'), 'utf8')) as { providers: { options: { path: string } }[] };
  assert.equal(provider.providers[0]!.options.path, '/var/lib/grafana/dashboards');
  const dashboard = JSON.parse(readFileSync(join(root, dashboards!, 'connection-lifecycle.json'), 'utf8')) as { panels: { type: string; datasource?: { uid: string } }[] };
  for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) assert.equal(panel.datasource!.uid, datasource.datasources[0]!.uid, 'panels use the provisioned datasource');
  assert.deepEqual(prometheus!.depends_on, { receiver: { condition: 'service_healthy' } });
  assert.deepEqual(grafana!.depends_on, { prometheus: { condition: 'service_healthy' } });
});

test('every profile the README starts exists in the compose file', () => {
  const started = [...readFileSync(join(root, 'README.md'), 'utf8').matchAll(/docker compose --profile (\S+) up/g)].map((match) => match[1]!);
  assert.ok(started.includes('observability'), 'the README says how to start the observability profile');
  const profiles = new Set(Object.values(services).flatMap((service) => service.profiles ?? []));
  for (const profile of started) assert.ok(profiles.has(profile), `no service has the profile ${profile}`);
});
