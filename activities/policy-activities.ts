import type { LifecyclePolicy, PromptGate } from '../src/domain/lifecycle-policy.ts';
import type { PromptGateService, PromptTarget } from '../src/holds/prompt-gate.ts';
import type { ProviderActionsRegistry } from '../src/providers/provider-actions.ts';

export interface PolicyActivityDeps {
  policy: LifecyclePolicy;
  promptGate: PromptGateService;
  providers: ProviderActionsRegistry;
}

export interface RunSettings {
  policy: LifecyclePolicy;
  /** Whether this worker can fetch the provider's holdings at all; if not, no connection asks. */
  fetchesHoldings: boolean;
}

/** What the worker's configuration and the holds in Postgres decide for the lifecycle. */
export function createPolicyActivities(deps: PolicyActivityDeps) {
  return {
    /** The durations the lifecycle runs on, read once per workflow run from the worker's configuration. */
    async lifecyclePolicy(): Promise<LifecyclePolicy> {
      return deps.policy;
    },
    /** What a connection's run needs from the worker's configuration, read once per run. */
    async runSettings(provider: string): Promise<RunSettings> {
      return { policy: deps.policy, fetchesHoldings: Boolean(deps.providers[provider]?.fetchHoldings) };
    },
    /** Whether a prompt to the user may go out now: maintenance, an outage, quiet hours. */
    async checkPromptGate(target: PromptTarget): Promise<PromptGate> {
      return { deferUntil: await deps.promptGate.deferUntil(target, Date.now()) };
    },
  };
}

export type PolicyActivities = ReturnType<typeof createPolicyActivities>;
