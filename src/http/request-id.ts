import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

declare module 'express-serve-static-core' {
  interface Request {
    requestId: string;
  }
}

/**
 * A caller's id goes into logs, problem bodies and the journal, so only a short one of plain
 * characters is kept; anything else is replaced by a generated id.
 */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Follows an event from receipt into the journal row and the logs. */
export function requestId(req: Request, res: Response, next: NextFunction): void {
  const given = req.header('x-request-id');
  req.requestId = given && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
  res.setHeader('x-request-id', req.requestId);
  next();
}
