import { randomBytes } from 'node:crypto';
import { startRecordingServer, type RecordingServer } from './recording-server.ts';

export interface FakeSnapTradePosition {
  kind: 'stock' | 'etf' | 'crypto';
  id: string;
  symbol: string;
  description: string;
  units: string;
  price: string;
  costBasis: string;
}

export interface FakeSnapTradeAccount {
  id: string;
  name: string;
  positions: FakeSnapTradePosition[];
}

export interface FakeSnapTrade extends RecordingServer {
  /** Accounts and positions by connection (authorization id); one not set here has the default pair of accounts. */
  accounts: Map<string, FakeSnapTradeAccount[]>;
}

/** What a connection holds unless a test says otherwise: a stock account and a crypto account. */
export function defaultSnapTradeAccounts(authorizationId: string): FakeSnapTradeAccount[] {
  return [
    {
      id: `${authorizationId}-brokerage`,
      name: 'Individual Brokerage',
      positions: [
        { kind: 'stock', id: 'instrument-aapl', symbol: 'AAPL', description: 'Apple Inc.', units: '10', price: '189.25', costBasis: '150.10' },
        { kind: 'etf', id: 'instrument-vti', symbol: 'VTI', description: 'Vanguard Total Stock Market ETF', units: '3.5', price: '250.01', costBasis: '201.3' },
      ],
    },
    {
      id: `${authorizationId}-crypto`,
      name: 'Crypto',
      positions: [{ kind: 'crypto', id: 'instrument-btc', symbol: 'BTC', description: 'Bitcoin', units: '0.00012345', price: '64000.5', costBasis: '30000' }],
    },
  ];
}

/**
 * SnapTrade's API as far as we call it, answering in its documented shapes: the connection
 * portal login (with `reconnect`), the refresh of a brokerage authorization, the accounts of a
 * connection (`GET /authorizations/{id}/accounts`) and an account's positions
 * (`GET /accounts/{id}/positions/all`).
 */
export async function startFakeSnapTrade(): Promise<FakeSnapTrade> {
  const accounts = new Map<string, FakeSnapTradeAccount[]>();
  const accountsOf = (authorizationId: string) => accounts.get(authorizationId) ?? defaultSnapTradeAccounts(authorizationId);
  /** Accounts as last listed, which is how a client learns their ids. */
  const listed = new Map<string, FakeSnapTradeAccount>();
  const server = await startRecordingServer(({ method, path }) => {
    const url = new URL(path, 'http://snaptrade.local');
    if (method === 'POST' && url.pathname === '/api/v1/snapTrade/login') {
      return { status: 200, body: { redirectURI: `https://connect.snaptrade.example/reconnect?session=${url.searchParams.get('userId')}`, sessionId: 'session-1' } };
    }
    const refresh = /^\/api\/v1\/authorizations\/([^/]+)\/refresh$/.exec(url.pathname);
    if (method === 'POST' && refresh) {
      return { status: 200, body: { detail: 'Connection refresh scheduled', brokerage_authorization: { id: refresh[1] } } };
    }
    const authorization = /^\/api\/v1\/authorizations\/([^/]+)$/.exec(url.pathname);
    if (method === 'DELETE' && authorization) return { status: 204 };
    const listAccounts = /^\/api\/v1\/authorizations\/([^/]+)\/accounts$/.exec(url.pathname);
    if (method === 'GET' && listAccounts) {
      const authorizationId = decodeURIComponent(listAccounts[1]!);
      const found = accountsOf(authorizationId);
      for (const account of found) listed.set(account.id, account);
      return { status: 200, body: found.map((account) => accountBody(authorizationId, account)) };
    }
    const positions = /^\/api\/v1\/accounts\/([^/]+)\/positions\/all$/.exec(url.pathname);
    if (method === 'GET' && positions) {
      const account = listed.get(decodeURIComponent(positions[1]!));
      if (!account) return { status: 404, body: { detail: 'Account not found', status_code: 404 } };
      return { status: 200, body: positionsBody(account) };
    }
    return { status: 404, body: { detail: 'not found', status_code: 404 } };
  });
  return Object.assign(server, { accounts });
}

function accountBody(authorizationId: string, account: FakeSnapTradeAccount) {
  const total = account.positions.reduce((sum, p) => sum + Number(p.units) * Number(p.price), 0);
  return {
    id: account.id,
    brokerage_authorization: authorizationId,
    name: account.name,
    number: 'Q6542138443',
    institution_name: 'Robinhood',
    created_date: '2024-07-23T22:14:35.474Z',
    funding_date: null,
    opening_date: null,
    sync_status: {
      transactions: { initial_sync_completed: true, last_successful_sync: '2024-07-23', first_transaction_date: '2022-01-24' },
      holdings: { initial_sync_completed: true, last_successful_sync: '2024-07-24T15:22:36.000Z' },
    },
    balance: { total: { amount: Number(total.toFixed(2)), currency: 'USD' } },
    status: 'open',
    raw_type: 'Margin',
    account_category: 'INVESTMENT',
    meta: { type: 'Margin', status: 'ACTIVE', institution_name: 'Robinhood' },
    is_paper: false,
  };
}

function positionsBody(account: FakeSnapTradeAccount) {
  return {
    results: account.positions.map((p) => ({
      instrument: { kind: p.kind, id: p.id, symbol: p.symbol, raw_symbol: p.symbol, description: p.description, currency: 'USD', exchange: p.kind === 'crypto' ? null : 'XNAS' },
      units: p.units,
      price: p.price,
      cost_basis: p.costBasis,
      currency: 'USD',
    })),
    data_freshness: { as_of: '2024-07-24T15:22:36.000Z' },
  };
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

/** The stack's environment for reaching a fake SnapTrade through the SDK, with user secrets encrypted at rest. */
export function snapTradeSdkEnv(snaptrade: RecordingServer, consumerKey: string): Record<string, string> {
  return {
    SNAPTRADE_CLIENT_ID: 'CLIENT-ID',
    SNAPTRADE_CONSUMER_KEY: consumerKey,
    SNAPTRADE_API_URL: `${snaptrade.url}/api/v1`,
    CREDENTIALS_KEY: `k1:${randomBytes(32).toString('base64')}`,
  };
}
