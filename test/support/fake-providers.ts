import { startRecordingServer, type RecordingServer } from './recording-server.ts';

/**
 * SnapTrade's API as far as we call it, answering in its documented shapes: the connection
 * portal login (with `reconnect`) and the refresh of a brokerage authorization.
 */
export async function startFakeSnapTrade(): Promise<RecordingServer> {
  return startRecordingServer(({ method, path }) => {
    const url = new URL(path, 'http://snaptrade.local');
    if (method === 'POST' && url.pathname === '/api/v1/snapTrade/login') {
      return { status: 200, body: { redirectURI: `https://connect.snaptrade.example/reconnect?session=${url.searchParams.get('userId')}`, sessionId: 'session-1' } };
    }
    const refresh = /^\/api\/v1\/authorizations\/([^/]+)\/refresh$/.exec(url.pathname);
    if (method === 'POST' && refresh) {
      return { status: 200, body: { detail: 'Connection refresh scheduled', brokerage_authorization: { id: refresh[1] } } };
    }
    return { status: 404, body: { detail: 'not found', status_code: 404 } };
  });
}

/** Vezgo's API as the SDK uses it: a token for a loginName, then `POST /accounts/:id/sync`. */
export async function startFakeVezgo(): Promise<RecordingServer> {
  return startRecordingServer(({ method, path }) => {
    if (method === 'POST' && path === '/v1/auth/token') return { status: 200, body: { token: unsignedJwt({ exp: Math.floor(Date.now() / 1000) + 3600 }) } };
    const sync = /^\/v1\/accounts\/([^/]+)\/sync$/.exec(path);
    if (method === 'POST' && sync) return { status: 200, body: { id: sync[1], status: 'syncing' } };
    return { status: 404, body: { error: 'not found' } };
  });
}

function unsignedJwt(payload: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(payload)}.c2lnbmF0dXJl`;
}
