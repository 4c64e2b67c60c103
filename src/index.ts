/** The package's public surface for backends: drive connection workflows over Temporal. */
export {
  ConnectionActionRefused,
  ConnectionActionUnavailable,
  ConnectionNotRunning,
  ConnectionsClient,
  ProviderActionFailed,
  type ActionProgress,
  type AttemptView,
  type ConnectionsClientOptions,
} from './client/connections-client.ts';
export type { UserWorkflowSummary } from './temporal/user-workflows.ts';
export { userIdAttributeFrom, type UserIdAttribute } from './temporal/user-id-attribute.ts';
export type { ConnectionView } from './domain/connection-view.ts';
export type { ConnectionEvent } from './domain/connection-event.ts';
