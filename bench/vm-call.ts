// `npx tsx bench/vm-call.ts`: what one call into a workflow's V8 context costs the worker. The SDK
// (1.24) enters the context with `runInContext(…, { timeout })` several times per activation, and
// Node runs a watchdog thread for every call that has a timeout; a call without one is the baseline.
import vm from 'node:vm';

const CALLS = 20_000;
const context = vm.createContext({}, { microtaskMode: 'afterEvaluate' });
vm.runInContext('globalThis.step = () => { let sum = 0; for (let i = 0; i < 10; i++) sum += i; return sum; }', context);
const call = new vm.Script('step()');

function microsPerCall(options: vm.RunningScriptOptions): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) call.runInContext(context, options);
  return Number(process.hrtime.bigint() - started) / CALLS / 1000;
}

microsPerCall({});
for (let round = 1; round <= 2; round++) {
  const bare = microsPerCall({});
  const withTimeout = microsPerCall({ timeout: 5_000 });
  console.log(`round ${round}: ${bare.toFixed(1)} µs per call without a timeout, ${withTimeout.toFixed(1)} µs with the SDK's 5 s timeout (${(withTimeout / bare).toFixed(0)}×)`);
}
