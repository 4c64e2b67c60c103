import { createHash, type Hash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { OversizeBody } from '../providers/adapter.ts';

/** What is kept of a body over the limit: enough to see what it was. */
const EXCERPT_BYTES = 64 * 1024;

/**
 * The raw body, like express.raw, for a provider that must never be refused once authentic
 * (Upvest blocks its feed on a refusal). Up to `limit` the body is buffered; past it, only its
 * first bytes are kept and the rest streams through SHA-256 and SHA-512, so the signature's
 * digest can still be checked and an authentic oversized delivery dead-lettered, not refused.
 * Past `ceiling` nothing more is read: 413.
 */
export function overflowingRawBody(limit: number, ceiling: number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    let overflow: { excerpt: Buffer; sha256: Hash; sha512: Hash } | undefined;
    let done = false;
    const finish = (error?: unknown) => {
      if (done) return;
      done = true;
      next(error);
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > ceiling) {
        req.resume();
        finish(Object.assign(new Error('request entity too large'), { status: 413, limit: ceiling }));
        return;
      }
      if (!overflow && size <= limit) {
        chunks.push(chunk);
        return;
      }
      if (!overflow) {
        const buffered = Buffer.concat(chunks);
        chunks.length = 0;
        overflow = { excerpt: buffered.subarray(0, EXCERPT_BYTES), sha256: createHash('sha256').update(buffered), sha512: createHash('sha512').update(buffered) };
      }
      overflow.sha256.update(chunk);
      overflow.sha512.update(chunk);
    });
    req.on('end', () => {
      if (overflow) {
        req.body = overflow.excerpt;
        const oversize: OversizeBody = { bytes: size, limit, digests: { sha256: overflow.sha256.digest(), sha512: overflow.sha512.digest() } };
        res.locals.oversize = oversize;
      } else {
        req.body = Buffer.concat(chunks);
      }
      finish();
    });
    req.on('error', (error) => finish(Object.assign(error, { status: 400 })));
  };
}
