import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';

export interface DrainingServer {
  server: Server;
  /**
   * Stops accepting: requests in flight finish (their sockets close after the answer), a request
   * arriving afterwards on a kept-alive socket gets 503 and `Connection: close`, idle sockets are
   * closed. Whatever is still open after `graceMs` is cut.
   */
  drain(graceMs: number): Promise<void>;
}

/**
 * `server.close()` alone leaves busy keep-alive sockets serving: a client that keeps its
 * connection would still get answers (acknowledgements) for seconds after SIGTERM.
 */
export async function listenDraining(handler: RequestListener, port: number, host: string): Promise<DrainingServer> {
  let draining = false;
  const inFlight = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    if (draining) {
      refuse(res);
      return;
    }
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  let drained: Promise<void> | undefined;
  return {
    server,
    drain(graceMs) {
      drained ??= new Promise<void>((resolve) => {
        draining = true;
        for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
        const cut = setTimeout(() => server.closeAllConnections(), graceMs);
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        // Sockets whose answer had already started when we began draining are idle once it ends.
        const sweep = setInterval(() => server.closeIdleConnections(), 100);
        server.once('close', () => clearInterval(sweep));
      });
      return drained;
    },
  };
}

function refuse(res: ServerResponse): void {
  const body = JSON.stringify({ type: 'about:blank', title: 'Shutting down', status: 503, detail: 'This instance is stopping; retry on another.' });
  res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '1', connection: 'close', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
