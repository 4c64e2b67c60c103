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

/** A brokerage authorization (connection) as SnapTrade's API lists it. */
export interface FakeAuthorization {
  id: string;
  brokerageId: string;
  createdDate: string;
  disabled: boolean;
  disabledDate: string | null;
}

export interface FakeSnapTrade extends RecordingServer {
  /** Accounts and positions by connection (authorization id); one not set here has the default pair of accounts. */
  accounts: Map<string, FakeSnapTradeAccount[]>;
  /** Each user's brokerage authorizations (`GET /authorizations`), by user id; a user not set here has none. */
  authorizations: Map<string, FakeAuthorization[]>;
  /** How refresh and delete of an authorization are answered, when not at once with success: an error status, a delay. */
  authorizationAnswers: Map<string, { status?: number; delayMs?: number }>;
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
  const authorizations = new Map<string, FakeAuthorization[]>();
  const authorizationAnswers = new Map<string, { status?: number; delayMs?: number }>();
  const troubled = (authorizationId: string, fine: { status: number; body?: unknown }) => {
    const answer = authorizationAnswers.get(decodeURIComponent(authorizationId));
    if (!answer) return fine;
    const status = answer.status ?? fine.status;
    return { ...(status === fine.status ? fine : { status, body: { detail: 'induced failure', status_code: status } }), delayMs: answer.delayMs ?? 0 };
  };
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
      return troubled(refresh[1]!, { status: 200, body: { detail: 'Connection refresh scheduled', brokerage_authorization: { id: refresh[1] } } });
    }
    const userId = url.searchParams.get('userId') ?? '';
    if (method === 'GET' && url.pathname === '/api/v1/authorizations') {
      return { status: 200, body: (authorizations.get(userId) ?? []).map(authorizationBody) };
    }
    const authorization = /^\/api\/v1\/authorizations\/([^/]+)$/.exec(url.pathname);
    if (method === 'DELETE' && authorization) {
      const id = decodeURIComponent(authorization[1]!);
      const answer = troubled(id, { status: 204 });
      if (answer.status === 204) authorizations.set(userId, (authorizations.get(userId) ?? []).filter((a) => a.id !== id));
      return answer;
    }
    if (method === 'GET' && authorization) {
      const found = (authorizations.get(userId) ?? []).find((a) => a.id === decodeURIComponent(authorization[1]!));
      return found ? { status: 200, body: authorizationBody(found) } : { status: 404, body: { detail: 'Connection not found', status_code: 404 } };
    }
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
  return Object.assign(server, { accounts, authorizations, authorizationAnswers });
}

function authorizationBody(authorization: FakeAuthorization) {
  return {
    id: authorization.id,
    created_date: authorization.createdDate,
    updated_date: authorization.disabledDate ?? authorization.createdDate,
    brokerage: { id: authorization.brokerageId, slug: 'ALPACA', name: 'Alpaca', display_name: 'Alpaca', enabled: true, maintenance_mode: false },
    name: 'Connection-1',
    type: 'read',
    disabled: authorization.disabled,
    disabled_date: authorization.disabledDate,
    meta: {},
    is_eligible_for_payout: false,
    data_freshness_mode: 'realtime',
  };
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

export interface FakeVezgoAccount {
  id: string;
  provider: string;
  createdAt: number;
}

export interface FakeVezgo extends RecordingServer {
  /** Each user's accounts (`GET /accounts`), by loginName; a user not set here has none. */
  accounts: Map<string, FakeVezgoAccount[]>;
}

/**
 * Vezgo's API as the SDK uses it: a token for a loginName (its `loginName` header), then
 * `GET /accounts`, `GET /accounts/:id`, `POST /accounts/:id/sync` for that user.
 */
export async function startFakeVezgo(): Promise<FakeVezgo> {
  const accounts = new Map<string, FakeVezgoAccount[]>();
  const server = await startRecordingServer(({ method, path, headers }) => {
    if (method === 'POST' && path === '/v1/auth/token') {
      return { status: 200, body: { token: unsignedJwt({ sub: headers.loginname, exp: Math.floor(Date.now() / 1000) + 3600 }) } };
    }
    const loginName = loginNameOf(headers.authorization);
    const sync = /^\/v1\/accounts\/([^/]+)\/sync$/.exec(path);
    if (method === 'POST' && sync) return { status: 200, body: { id: sync[1], status: 'syncing' } };
    if (method === 'GET' && path === '/v1/accounts') return { status: 200, body: (accounts.get(loginName) ?? []).map(vezgoAccountBody) };
    const one = /^\/v1\/accounts\/([^/?]+)$/.exec(path);
    if (method === 'GET' && one) {
      const found = (accounts.get(loginName) ?? []).find((a) => a.id === decodeURIComponent(one[1]!));
      return found ? { status: 200, body: vezgoAccountBody(found) } : { status: 404, body: { error: 'Account not found' } };
    }
    return { status: 404, body: { error: 'not found' } };
  });
  return Object.assign(server, { accounts });
}

function loginNameOf(authorization: string | string[] | undefined): string {
  const token = typeof authorization === 'string' ? authorization.replace(/^Bearer /, '') : '';
  try {
    return String((JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { sub?: unknown }).sub ?? '');
  } catch {
    return '';
  }
}

/** As Vezgo's README shows an account: no status, no error. */
function vezgoAccountBody(account: FakeVezgoAccount) {
  return {
    id: account.id,
    provider: { name: account.provider, display_name: account.provider, logo: '', type: 'oauth', scopes: [], resource_type: 'provider' },
    balances: [],
    blockchain: null,
    created_at: account.createdAt,
    updated_at: account.createdAt,
    resource_type: 'account',
  };
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
