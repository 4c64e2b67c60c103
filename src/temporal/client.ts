import { Client, Connection } from '@temporalio/client';
import { dataConverterFor } from './encryption-codec.ts';

export interface TemporalClientOptions {
  address: string;
  namespace: string;
  /** TEMPORAL_ENCRYPTION_KEY: payloads the client writes are encrypted, and decrypted when read. */
  encryptionKey?: string | undefined;
}

/**
 * Lazy: the receiver must start, and keep acknowledging into the journal, while Temporal is down;
 * the sweeper delivers once it is back.
 */
export function createTemporalClient({ address, namespace, encryptionKey }: TemporalClientOptions): { connection: Connection; client: Client } {
  const connection = Connection.lazy({ address });
  return { connection, client: new Client({ connection, namespace, ...dataConverterFor(encryptionKey) }) };
}
