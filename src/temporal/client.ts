import { Client, Connection } from '@temporalio/client';

export interface TemporalClientOptions {
  address: string;
  namespace: string;
}

/**
 * Lazy: the receiver must start, and keep acknowledging into the journal, while Temporal is down;
 * the sweeper delivers once it is back.
 */
export function createTemporalClient({ address, namespace }: TemporalClientOptions): { connection: Connection; client: Client } {
  const connection = Connection.lazy({ address });
  return { connection, client: new Client({ connection, namespace }) };
}
