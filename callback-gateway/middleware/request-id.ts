import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { requestState } from '../request-state';
import { NAME_PATTERN } from '../../protocol/names';

/** An incoming `X-Request-Id` is kept when it looks like an id (a load balancer's), else replaced. */

/**
 * Gives every request an id, echoed in `X-Request-Id` and put on every log line about it, so a
 * sender's report ("my request got 503 at 10:02") can be matched to the gateway's logs.
 */
export const assignRequestId: RequestHandler = (req, res, next) => {
  const given = req.get('x-request-id');
  const id = given && NAME_PATTERN.test(given) ? given : randomUUID();
  requestState(res).requestId = id;
  res.set('X-Request-Id', id);
  next();
};
