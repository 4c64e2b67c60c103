import express, { type Router } from 'express';
import { z } from 'zod';
import type { Pool } from '../db/pool.ts';
import { saveContact, saveCredential } from '../db/user-profile-store.ts';
import { isValidTimeZone } from '../holds/quiet-hours.ts';
import type { CredentialCipher } from '../security/credential-cipher.ts';
import type { Authenticator } from './auth.ts';
import { sendProblem } from './problem.ts';

const contactSchema = z.object({
  email: z.email().max(320).nullable().default(null),
  timeZone: z.string().max(64).refine(isValidTimeZone, 'an IANA time zone such as Europe/Paris').nullable().default(null),
});

const snapTradeCredentialsSchema = z.object({ userSecret: z.string().min(1).max(512) });

const issuesOf = (error: z.ZodError) => error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');

/** What backends register about their users: how to reach them, and provider credentials. */
export function userRoutes(pool: Pool, authenticate: Authenticator, cipher: CredentialCipher | undefined): Router {
  const router = express.Router();
  const auth = authenticate('connections:write');
  const json = express.json({ limit: '16kb' });

  router.put('/users/:provider/:userId/contact', auth, json, async (req, res) => {
    const { provider, userId } = req.params as { provider: string; userId: string };
    const parsed = contactSchema.safeParse(req.body ?? {});
    if (!parsed.success) return sendProblem(res, 400, 'Invalid contact', issuesOf(parsed.error));
    await saveContact(pool, provider, userId, parsed.data);
    res.status(204).end();
  });

  router.put('/users/snaptrade/:userId/credentials', auth, json, async (req, res) => {
    const { userId } = req.params as { userId: string };
    if (!cipher) return sendProblem(res, 503, 'Credential storage not configured', 'Set CREDENTIALS_KEY to store provider credentials encrypted.');
    const parsed = snapTradeCredentialsSchema.safeParse(req.body ?? {});
    if (!parsed.success) return sendProblem(res, 400, 'Invalid credentials', issuesOf(parsed.error));
    await saveCredential(pool, cipher, 'snaptrade', userId, parsed.data.userSecret);
    res.status(204).end();
  });

  return router;
}
