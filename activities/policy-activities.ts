import type { LifecyclePolicy, PromptGate } from '../src/domain/lifecycle-policy.ts';
import type { PromptGateService, PromptTarget } from '../src/holds/prompt-gate.ts';

export interface PolicyActivityDeps {
  policy: LifecyclePolicy;
  promptGate: PromptGateService;
}

/** What the worker's configuration and the holds in Postgres decide for the lifecycle. */
export function createPolicyActivities(deps: PolicyActivityDeps) {
  return {
    /** The durations the lifecycle runs on, read once per workflow run from the worker's configuration. */
    async lifecyclePolicy(): Promise<LifecyclePolicy> {
      return deps.policy;
    },
    /** Whether a prompt to the user may go out now: maintenance, an outage, quiet hours. */
    async checkPromptGate(target: PromptTarget): Promise<PromptGate> {
      return { deferUntil: await deps.promptGate.deferUntil(target, Date.now()) };
    },
  };
}

export type PolicyActivities = ReturnType<typeof createPolicyActivities>;
