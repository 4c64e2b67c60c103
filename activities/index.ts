import { createAlertActivities, type AlertActivityDeps } from './alert-activities.ts';
import { createNotificationActivities, type NotificationActivityDeps } from './notification-activities.ts';
import { createPersistenceActivities, type PersistenceActivityDeps } from './persistence-activities.ts';
import { createPolicyActivities, type PolicyActivityDeps } from './policy-activities.ts';
import { createProviderActivities, type ProviderActivityDeps } from './provider-activities.ts';
import { createReconciliationActivities, type ReconciliationActivityDeps } from './reconciliation-activities.ts';
import { createRunStartActivities } from './run-start-activities.ts';

export type ActivityDeps = PersistenceActivityDeps &
  PolicyActivityDeps &
  ProviderActivityDeps &
  NotificationActivityDeps &
  AlertActivityDeps &
  ReconciliationActivityDeps;

/** Every activity the worker registers, with its dependencies injected. */
export function createActivities(deps: ActivityDeps) {
  const policies = createPolicyActivities(deps);
  return {
    ...createPersistenceActivities(deps),
    ...policies,
    ...createRunStartActivities({ pool: deps.pool, runSettings: policies.runSettings }),
    ...createProviderActivities(deps),
    ...createNotificationActivities(deps),
    ...createAlertActivities(deps),
    ...createReconciliationActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
