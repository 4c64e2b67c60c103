import type { NextFunction, Request, Response } from 'express';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { constantTimeEqual } from '../providers/constant-time.ts';
import { documentScope } from './openapi/route-registry.ts';
import { sendProblem } from './problem.ts';

export type Scope = 'connections:read' | 'connections:write' | 'ops:admin';

export interface AuthOptions {
  apiToken: string;
  /**
   * Verifies JWTs against the issuer's keys when set: issuer, audience, one of the pinned
   * algorithms, and an `exp` (a token without one would never expire), with a little clock skew.
   */
  jwt?: { jwksUrl: string; issuer: string; audience: string; algorithms: readonly string[]; clockToleranceMs: number } | undefined;
}

export type Authenticator = (scope: Scope) => (req: Request, res: Response, next: NextFunction) => void;

/**
 * Bearer API_TOKEN (every scope: the operator's own key) or a JWT whose `scope` (space-separated)
 * or `scp` (list) claim grants the route's scope. 401 for no or bad credentials, 403 for a valid
 * token without the scope.
 */
export function createAuthenticator(options: AuthOptions): Authenticator {
  const jwks = options.jwt ? createRemoteJWKSet(new URL(options.jwt.jwksUrl)) : undefined;

  async function scopesOf(token: string): Promise<Set<string> | null> {
    if (constantTimeEqual(token, options.apiToken)) return new Set(['connections:read', 'connections:write', 'ops:admin']);
    if (!jwks || !options.jwt || token.split('.').length !== 3) return null;
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: options.jwt.issuer,
        audience: options.jwt.audience,
        algorithms: [...options.jwt.algorithms],
        requiredClaims: ['exp'],
        clockTolerance: options.jwt.clockToleranceMs / 1000,
      });
      return new Set(claimedScopes(payload));
    } catch {
      return null;
    }
  }

  return (scope) =>
    documentScope((req: Request, res: Response, next: NextFunction) => {
      const token = bearerToken(req);
      if (!token) return unauthorized(res);
      scopesOf(token).then(
        (scopes) => {
          if (!scopes) return unauthorized(res);
          if (!scopes.has(scope)) return sendProblem(res, 403, 'Forbidden', `This route needs the ${scope} scope.`);
          next();
        },
        (error: unknown) => next(error),
      );
    }, scope);
}

/** The token of an `Authorization: Bearer …` header, if the request has one. */
export function bearerToken(req: Request): string | undefined {
  return /^Bearer\s+(.+)$/i.exec(req.header('authorization') ?? '')?.[1]?.trim() || undefined;
}

function claimedScopes(payload: JWTPayload): string[] {
  if (typeof payload.scope === 'string') return payload.scope.split(' ').filter(Boolean);
  if (Array.isArray(payload.scp)) return payload.scp.filter((s): s is string => typeof s === 'string');
  return [];
}

function unauthorized(res: Response): void {
  res.setHeader('www-authenticate', 'Bearer');
  sendProblem(res, 401, 'Unauthorized', 'A valid bearer token is required.');
}
