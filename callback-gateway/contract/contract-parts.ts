import * as z from 'zod';
import type { CallbackErrorCode } from '../../protocol/errors';

/** A header a refusal always sets beyond `X-Request-Id`: `Retry-After` (`retryAfterSeconds`) or `Allow`. */
export type RefusalHeader = 'Retry-After' | 'Allow';

/**
 * The error codes one piece of the gateway (a middleware, a handler, the HTTP server) can refuse
 * a request with, each with the headers it always sets. Declared beside the code that refuses, and
 * composed by spreading, so a route's contract lists what the pieces it mounts can answer; each
 * code's status comes from `ERROR_STATUS`, so a new refusal is one entry where it is made.
 */
export type Refusals = { readonly [code in CallbackErrorCode]?: readonly RefusalHeader[] };

/** {@link Refusals} that set no header beyond `X-Request-Id`. */
export function refusing(...codes: CallbackErrorCode[]): Refusals {
  return Object.fromEntries(codes.map((code) => [code, []]));
}

/** Request parameters by name, each a zod schema whose `.meta({ param })` describes it. */
export type ParameterShape = Readonly<Record<string, z.ZodType>>;

/**
 * An optional header or query parameter of any text, with what it means: for one a route reads
 * only sometimes, so the document states no format the route does not always enforce.
 */
export function optionalText(description: string) {
  return z.string().optional().meta({ param: { description } });
}

/**
 * What one piece of a route's chain reads from a request and can refuse it with, declared by that
 * piece (see `RouteContract` in `route-contract.ts`, which composes them). A parameter two pieces
 * read is declared once and shared, so the route's contract says one thing about it.
 */
export interface ContractPart {
  /** Path parameters it reads. */
  readonly params?: ParameterShape;
  /** Query parameters it reads. */
  readonly query?: ParameterShape;
  /** Request headers it reads. */
  readonly headers?: ParameterShape;
  /** The refusals it can answer with. */
  readonly refusals?: Refusals;
}
