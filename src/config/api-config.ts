import { z } from 'zod';
import { durationMs } from './duration.ts';

/** Who may call the HTTP API besides holders of API_TOKEN: JWTs from the organisation's issuer. */
export const apiAuthEnv = {
  API_JWKS_URL: z.url().optional(),
  API_JWT_ISSUER: z.string().min(1).optional(),
  API_JWT_AUDIENCE: z.string().min(1).optional(),
  /** A backend's connection attempt with no provider webhook by then is abandoned. */
  ATTEMPT_TIMEOUT: durationMs.default(30 * 60_000),
};
