/**
 * The layering the README's "Where things are" describes, checked by test/unit/architecture.test.ts
 * (part of `npm test`). Dependencies point one way: src/domain (pure) at the bottom, workflows/
 * orchestrating it, everything with I/O beside or above.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: the modules cannot be understood (or tested) one at a time.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'src/domain has no I/O, no Temporal, no Postgres: only itself and zod.',
      from: { path: '^src/domain/' },
      to: { pathNot: ['^src/domain/', '(^|/)node_modules/zod/'] },
    },
    {
      name: 'workflows-import-only-the-domain',
      severity: 'error',
      comment: 'Workflows are deterministic orchestration: the Temporal workflow API, the domain, activity types.',
      from: { path: '^workflows/' },
      to: {
        pathNot: [
          '^workflows/',
          '^src/domain/',
          '^activities/',
          '(^|/)node_modules/@temporalio/(workflow|common)/',
          '(^|/)node_modules/async-mutex/',
        ],
      },
    },
    {
      name: 'workflows-use-activities-by-type-only',
      severity: 'error',
      comment: 'Activity code runs on the worker, never inside the workflow sandbox.',
      from: { path: '^workflows/' },
      to: { path: '^activities/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'nothing-below-imports-workflows',
      severity: 'error',
      comment: 'Storage, notifications, providers and activities know nothing of the workflows that use them.',
      from: { path: '^(src/(domain|db|notifications|providers|holds|alerts)|activities)/' },
      to: { path: '^workflows/' },
    },
    {
      name: 'workflows-never-reach-storage-or-http',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { path: '^src/(db|http)/' },
    },
    {
      name: 'production-code-uses-production-dependencies',
      severity: 'error',
      comment: 'The production image installs dependencies only (npm ci --omit=dev).',
      from: { path: '^(src|workflows|activities)/' },
      to: { dependencyTypes: ['npm-dev'] },
    },
    {
      name: 'resolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
