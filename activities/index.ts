import { createConnectionActivities, type ConnectionActivityDeps } from './connection-activities.ts';
import { createHoldingsActivities } from './holdings-activities.ts';
import { createProviderNoticeActivities } from './provider-notice-activities.ts';
import { createReauthActivities, type ReauthActivityDeps } from './reauth-activities.ts';
import { createUserActivities } from './user-activities.ts';

export type ActivityDeps = ConnectionActivityDeps & ReauthActivityDeps;

/** Every activity the worker registers, with its dependencies injected. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createConnectionActivities(deps),
    ...createUserActivities(deps),
    ...createReauthActivities(deps),
    ...createHoldingsActivities(deps),
    ...createProviderNoticeActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
