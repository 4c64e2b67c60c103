import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  at: number;
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  status: number;
}

/** `delayMs`: the answer comes that much later (a slow third party). */
export type Responder = (request: Omit<RecordedRequest, 'status'>) => { status: number; body?: unknown; delayMs?: number };

export interface RecordingServer {
  url: string;
  requests: RecordedRequest[];
  /** Answer the next `count` requests with `status` (a failing endpoint), then go back to normal. */
  failNext(count: number, status?: number): void;
  close(): Promise<void>;
}

/**
 * A local HTTP server standing in for a third party (an app backend, a chat webhook, a provider
 * API): it answers as `respond` says and records every request for the test to assert on.
 */
export async function startRecordingServer(respond: Responder = () => ({ status: 200, body: { ok: true } })): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  let failures: { count: number; status: number } = { count: 0, status: 500 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { at: Date.now(), method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      const answer: ReturnType<Responder> = failures.count > 0 ? { status: failures.status, body: { error: 'induced failure' } } : respond(request);
      if (failures.count > 0) failures = { ...failures, count: failures.count - 1 };
      requests.push({ ...request, status: answer.status });
      setTimeout(() => {
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    failNext(count, status = 500) {
      failures = { count, status };
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
