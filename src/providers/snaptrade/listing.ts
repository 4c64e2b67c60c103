import { z } from 'zod';
import { toCanonicalInstant } from '../../domain/instant.ts';
import type { ListedConnection } from '../../domain/reconciliation.ts';
import type { ConnectionListing } from '../connection-listing.ts';
import { ProviderCallFailed } from '../provider-actions.ts';
import { callProvider } from '../sdk-call.ts';
import { snapTradeClient, type SnapTradeActionsConfig } from './actions.ts';

/** The fields of a BrokerageAuthorization reconciliation reads; the rest may change as SnapTrade likes. */
const authorizationSchema = z.object({
  id: z.string().min(1).max(256),
  created_date: z.string().max(64).nullish(),
  disabled: z.boolean().nullish(),
  disabled_date: z.string().max(64).nullish(),
  brokerage: z.object({ id: z.string().min(1).max(256).nullish() }).nullish(),
});
const authorizationsSchema = z.array(authorizationSchema);

const CALL_TIMEOUT_MS = 30_000;

/**
 * A user's brokerage authorizations through snaptrade-typescript-sdk
 * (`connections.listBrokerageAuthorizations`), with the user secret the backend registered.
 */
export function createSnapTradeListing(config: SnapTradeActionsConfig): ConnectionListing {
  const client = snapTradeClient(config);
  return {
    async list(userId, pace) {
      const userSecret = await config.userSecret(userId);
      if (!userSecret) return null;
      await pace();
      const { data } = await callProvider('SnapTrade', 'listBrokerageAuthorizations', () =>
        client.connections.listBrokerageAuthorizations({ userId, userSecret }, { timeout: CALL_TIMEOUT_MS }),
      );
      const parsed = authorizationsSchema.safeParse(data);
      // Never read "no connections" into an answer we do not understand: deletions would follow.
      if (!parsed.success) throw new ProviderCallFailed('SnapTrade listBrokerageAuthorizations: answer not understood', false);
      return parsed.data.map(listed);
    },
    async exists(userId, connectionId, pace) {
      const userSecret = await config.userSecret(userId);
      if (!userSecret) throw new ProviderCallFailed('SnapTrade detailBrokerageAuthorization: no credentials', false);
      await pace();
      try {
        await callProvider('SnapTrade', 'detailBrokerageAuthorization', () =>
          client.connections.detailBrokerageAuthorization({ authorizationId: connectionId, userId, userSecret }, { timeout: CALL_TIMEOUT_MS }),
        );
        return true;
      } catch (error) {
        if (error instanceof ProviderCallFailed && error.status === 404) return false;
        throw error;
      }
    },
  };
}

function listed(authorization: z.infer<typeof authorizationSchema>): ListedConnection {
  const instant = (value: string | null | undefined) => (value ? (toCanonicalInstant(value) ?? null) : null);
  const disabled = authorization.disabled ?? null;
  return {
    connectionId: authorization.id,
    brokerageId: authorization.brokerage?.id ?? null,
    createdAt: instant(authorization.created_date),
    disabled,
    disabledAt: disabled ? instant(authorization.disabled_date) : null,
  };
}
