import type { NextFunction, Request, Response } from 'express';
import { constantTimeEqual } from '../providers/constant-time.ts';
import { sendProblem } from './problem.ts';

export function bearerAuth(token: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.header('authorization') ?? '';
    const presented = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
    if (presented && constantTimeEqual(presented, token)) {
      next();
      return;
    }
    res.setHeader('www-authenticate', 'Bearer');
    sendProblem(res, 401, 'Unauthorized', 'A valid bearer token is required.');
  };
}
