import type { AccountState, ConnectionState } from './connection-state.ts';

/** What the `state` query answers: the connection as an operator or backend wants to read it. */
export type ConnectionView = Omit<ConnectionState, 'seenEventIds' | 'accounts'> & { accounts: AccountState[] };

export function viewOf(state: ConnectionState): ConnectionView {
  const { seenEventIds: _seen, accounts, ...rest } = state;
  return { ...rest, accounts: Object.values(accounts).filter((account) => !account.removed) };
}
