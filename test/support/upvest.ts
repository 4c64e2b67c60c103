import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { UpvestKey } from '../../src/providers/upvest/webhook-signer.ts';

export { newUpvestKey, signDelivery, type SignOptions, type UpvestKey } from '../../src/providers/upvest/webhook-signer.ts';

export type UpvestEvent = { id: string; created_at: string; type: string; object: Record<string, unknown>; webhook_id: string };

let clock = Date.parse('2024-05-01T10:00:00Z');

/** An event as Upvest sends it; created_at ascends across calls, as inside a package. */
export function upvestEvent(type: string, object: Record<string, unknown>): UpvestEvent {
  clock += 1000;
  return { id: randomUUID(), created_at: new Date(clock).toISOString(), type, object, webhook_id: 'a8eb3540-5a84-40f9-b2bb-7f99f282fc5a' };
}

export function upvestPackage(events: readonly unknown[]): string {
  return JSON.stringify({ payload: events });
}

/** A JWKS endpoint that counts its requests and can be made to fail. */
export interface JwksServer {
  url: string;
  requests: number;
  keys: UpvestKey['jwk'][];
  failing: boolean;
  close(): Promise<void>;
}

export async function startJwksServer(keys: UpvestKey[]): Promise<JwksServer> {
  const state = { requests: 0, keys: keys.map((key) => key.jwk), failing: false };
  const server: Server = createServer((_req, res) => {
    state.requests += 1;
    if (state.failing) {
      res.writeHead(500).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/auth/verify_keys`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
