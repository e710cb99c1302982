import express from 'express';
import { refusing } from '../contract/contract-parts';
import { json, type RouteContract } from '../contract/route-contract';
import { receiptKeySetSchema } from '../contract/schemas';
import { CallbackError } from '../../protocol/errors';
import type { PublishedReceiptKeys } from '../../keys/receipt-keys';

/** What the published keys route needs: the public keys, when this gateway publishes any. */
export interface PublishedKeysDeps {
  /** The public receipt keys to serve; without them the route refuses with `RECEIPT_KEYS_NOT_PUBLISHED`. */
  receiptKeys?: PublishedReceiptKeys;
}

/** Where the key set is served: the well-known place for a JWKS (RFC 8615), where `jose`'s `createRemoteJWKSet` is pointed. */
export const JWKS_PATH = '/.well-known/jwks.json';

/** How long a cache may keep the key set, seconds: keys change only at rotation, which keeps the old key published. */
export const JWKS_MAX_AGE_SECONDS = 300;

const ANSWERS = {
  200: {
    description: `The public keys. Cacheable (\`Cache-Control: public, max-age=${JWKS_MAX_AGE_SECONDS}\`), unlike every other answer, and readable from any origin.`,
    content: json(receiptKeySetSchema),
  },
};

/** The contracts of the routes {@link publishedKeysRoutes} mounts, for the OpenAPI document. */
export const PUBLISHED_KEYS_ROUTE_CONTRACTS: readonly RouteContract[] = [
  {
    method: 'get',
    path: JWKS_PATH,
    tag: 'Operations',
    summary: 'The public keys approval receipts are signed with (JWKS)',
    description: 'Verify a receipt with `durable-callbacks approvals verify`, or with any JOSE library (`createRemoteJWKSet` and `jwtVerify` in `jose`). Public keys only: never private material.',
    parts: [{ refusals: refusing('RECEIPT_KEYS_NOT_PUBLISHED') }],
    answers: ANSWERS,
  },
  {
    method: 'head',
    path: JWKS_PATH,
    tag: 'Operations',
    summary: 'The public keys approval receipts are signed with (HEAD: headers only)',
    parts: [{ refusals: refusing('RECEIPT_KEYS_NOT_PUBLISHED') }],
    answers: ANSWERS,
  },
];

/** The key set as served: each key's public members, named one by one, so no private member (`d`) can ever be sent. */
function publicOnly(keys: PublishedReceiptKeys): PublishedReceiptKeys {
  return { keys: keys.keys.map(({ kty, crv, x, y, kid, alg, use }) => ({ kty, crv, x, ...(y === undefined ? {} : { y }), kid, alg, use })) };
}

/**
 * `GET /.well-known/jwks.json`: the public keys of approval receipts, so anyone can verify a
 * receipt later without trusting the gateway's word at that time. Without keys (a production
 * gateway without `APPROVAL_RECEIPT_PUBLIC_KEYS_FILE`) it answers 404 `RECEIPT_KEYS_NOT_PUBLISHED`.
 */
export function publishedKeysRoutes({ receiptKeys }: PublishedKeysDeps): express.Router {
  const router = express.Router();
  // As on the probe routes: OPTIONS gets the gateway's JSON 404, not the router's own answer.
  router.use((req, _res, next) => next(req.method === 'OPTIONS' ? 'router' : undefined));
  const body = receiptKeys ? JSON.stringify(publicOnly(receiptKeys)) : undefined;
  router.get(JWKS_PATH, (_req, res) => {
    if (body === undefined) {
      throw new CallbackError('RECEIPT_KEYS_NOT_PUBLISHED', 'This gateway publishes no approval receipt keys; its operator sets APPROVAL_RECEIPT_PUBLIC_KEYS_FILE to publish them.');
    }
    res.set({ 'Cache-Control': `public, max-age=${JWKS_MAX_AGE_SECONDS}`, 'Access-Control-Allow-Origin': '*', 'Cross-Origin-Resource-Policy': 'cross-origin' });
    res.type('application/json').send(body);
  });
  return router;
}
