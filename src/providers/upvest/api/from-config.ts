import { createUpvestApi, type UpvestApi } from './client.ts';
import { createRequestSigner, signingKeyFrom } from './request-signer.ts';

export interface UpvestApiConfig {
  UPVEST_BASE_URL: string;
  UPVEST_TOKEN_URL?: string | undefined;
  UPVEST_CLIENT_ID: string;
  UPVEST_CLIENT_SECRET: string;
  UPVEST_API_VERSION: string;
  UPVEST_SIGNING_KEY?: string | undefined;
  UPVEST_SIGNING_KEY_ID?: string | undefined;
  UPVEST_SIGNING_KEY_PASSPHRASE?: string | undefined;
}

/** Upvest's API with the tenant's client credentials, its requests signed when a signing key is set. */
export function upvestApiFrom(config: UpvestApiConfig, options: { scopes?: readonly string[]; fetch?: typeof fetch } = {}): UpvestApi {
  const key = config.UPVEST_SIGNING_KEY ? signingKeyFrom(config.UPVEST_SIGNING_KEY, config.UPVEST_SIGNING_KEY_PASSPHRASE) : undefined;
  return createUpvestApi({
    baseUrl: config.UPVEST_BASE_URL,
    tokenUrl: config.UPVEST_TOKEN_URL,
    clientId: config.UPVEST_CLIENT_ID,
    clientSecret: config.UPVEST_CLIENT_SECRET,
    apiVersion: config.UPVEST_API_VERSION,
    signer: key && config.UPVEST_SIGNING_KEY_ID ? createRequestSigner(key, config.UPVEST_SIGNING_KEY_ID) : undefined,
    ...options,
  });
}
