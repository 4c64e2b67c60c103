import express, { type Router } from 'express';
import { z } from 'zod';
import type { Pool } from '../db/pool.ts';
import { saveContact, saveCredential } from '../db/user-profile-store.ts';
import { isValidTimeZone } from '../holds/quiet-hours.ts';
import type { CredentialCipher } from '../security/credential-cipher.ts';
import type { Authenticator } from './auth.ts';
import { sendProblem } from './problem.ts';
import { providerName, userId, withInput } from './route-input.ts';

const putContact = z.object({
  params: z.object({ provider: providerName, userId }),
  body: z.object({
    email: z.email().max(320).nullable().default(null),
    timeZone: z.string().max(64).refine(isValidTimeZone, 'an IANA time zone such as Europe/Paris').nullable().default(null),
  }),
});

const putSnapTradeCredentials = z.object({
  params: z.object({ userId }),
  body: z.object({ userSecret: z.string().min(1).max(512).regex(/^[^\u0000]*$/, 'no U+0000') }),
});

/** What backends register about their users: how to reach them, and provider credentials. */
export function userRoutes(pool: Pool, authenticate: Authenticator, cipher: CredentialCipher | undefined): Router {
  const router = express.Router();
  const auth = authenticate('connections:write');
  const json = express.json({ limit: '16kb' });

  router.put(
    '/users/:provider/:userId/contact',
    auth,
    json,
    withInput(putContact, async ({ params, body }, _req, res) => {
      await saveContact(pool, params.provider, params.userId, body);
      res.status(204).end();
    }),
  );

  router.put(
    '/users/snaptrade/:userId/credentials',
    auth,
    json,
    withInput(putSnapTradeCredentials, async ({ params, body }, _req, res) => {
      if (!cipher) return sendProblem(res, 503, 'Credential storage not configured', 'Set CREDENTIALS_KEY to store provider credentials encrypted.');
      await saveCredential(pool, cipher, 'snaptrade', params.userId, body.userSecret);
      res.status(204).end();
    }),
  );

  return router;
}
