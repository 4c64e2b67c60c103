/** The durations the lifecycle runs on, and the per-episode timer state they produce. */
export interface LifecyclePolicy {
  /** Broken this long before the user hears anything: most breaks fix themselves. */
  reauthGraceMs: number;
  /** Wait after the first prompt, then after each reminder; the last value repeats. */
  reminderCadenceMs: number[];
  maxReminders: number;
  syncRetryInitialMs: number;
  syncRetryMaxMs: number;
  degradedEscalateAfterMs: number;
}

export interface ReauthEpisode {
  episode: number;
  since: number;
  /** The first prompt plus reminders sent so far. */
  promptsSent: number;
  /** When the next prompt (or, after the last reminder, exhaustion) is due; null once exhausted. */
  nextPromptAt: number | null;
  exhausted: boolean;
}

export interface DegradedEpisode {
  episode: number;
  since: number;
  syncAttempts: number;
  nextSyncAt: number;
  escalated: boolean;
}

/**
 * Facts the workflow gathers before a user prompt goes out: a provider outage or maintenance
 * window holding prompts, or the user's quiet hours. The prompt waits until then.
 */
export interface PromptGate {
  deferUntil: number | null;
}
