import type { IncomingHttpHeaders } from 'node:http';
import express, { type Request, type RequestHandler } from 'express';
import { CallbackError } from '../../protocol/errors';
import { refusing, type ContractPart } from '../contract/contract-parts';
import { requestState } from '../request-state';

/** Media types a callback body may have. */
export const ACCEPTED_CONTENT_TYPES = ['application/json', 'application/*+json', 'application/x-www-form-urlencoded', 'text/*'] as const;

/** Default body size limit: 256 KiB, well under Temporal's 2 MB payload limit. */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

/** The deepest JSON nesting accepted: enough for any real payload, far from what exhausts a parser or a workflow. */
export const MAX_JSON_DEPTH = 32;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The depth of a parsed JSON value, measured without recursion. */
export function jsonDepth(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_JSON_DEPTH) return deepest;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * The first number in a parsed JSON value that may not be what its literal said, or undefined:
 * ±Infinity (the literal overflowed, `1e400`) or a magnitude beyond 2^53−1. From 2^53 up every
 * double is an integer and its neighbours are 2 or more apart, so an integer literal there may
 * have lost digits (`9007199254740993` reads as ...992). JSON.parse rounds each literal to the
 * nearest double, so the parsed value alone decides, with no need for the source text; other
 * fractions are read as the nearest double, as by any JSON parser, and pass.
 */
export function inexactJsonNumber(value: unknown): number | undefined {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === 'number') {
      // NaN cannot come out of JSON.parse; Infinity can, and fails this test too.
      if (!(Math.abs(current) <= Number.MAX_SAFE_INTEGER)) return current;
    } else if (typeof current === 'object' && current !== null) {
      for (const child of Object.values(current)) stack.push(child);
    }
  }
  return undefined;
}

/** Keeps the decoded bytes (once any Content-Encoding is undone) and refuses bodies that are not UTF-8 when they say they are. */
function keepRaw(req: Request, _res: unknown, buf: Buffer, encoding: string): void {
  (req as Request & { rawBody?: Buffer }).rawBody = buf;
  if (encoding.toLowerCase().replace('-', '') === 'utf8') {
    try {
      utf8.decode(buf);
    } catch {
      throw new CallbackError('MALFORMED_BODY', 'The body is not valid UTF-8.');
    }
  }
}

type Parser = 'json' | 'form' | 'text';

function parserFor(mediaType: string): Parser | undefined {
  if (mediaType === 'application/json' || /^application\/[^/]+\+json$/.test(mediaType)) return 'json';
  if (mediaType === 'application/x-www-form-urlencoded') return 'form';
  if (mediaType.startsWith('text/')) return 'text';
  return undefined;
}

/**
 * True when a request's `Content-Length` announces more than `maxBytes`: refused before any of
 * the body is read, whatever its encoding (the HTTP server refuses it before `100 Continue`).
 * Compression makes incompressible data larger only by a few bytes and a fraction of a percent,
 * so a compressed body over the limit as sent is over it, or within that margin of it, inflated.
 */
export function announcesTooLargeBody(headers: IncomingHttpHeaders, maxBytes: number): boolean {
  const length = headers['content-length'];
  return length !== undefined && Number(length) > maxBytes;
}

/** True when the body is sent with a Content-Encoding (gzip, deflate, br): what body-parser inflates. */
function isContentEncoded(req: Request): boolean {
  return (req.headers['content-encoding'] ?? 'identity').toLowerCase() !== 'identity';
}

/** A recording of a content-encoded body's bytes as they arrive. */
interface WireBytes {
  /** Stops recording and returns the body as sent, or undefined when more than the limit came. */
  stop(): Buffer | undefined;
}

/**
 * Records a content-encoded body's bytes as they arrive on the wire, beside body-parser, which
 * reads them through the decompressor: providers sign the bytes they send, so signatures are
 * checked over these. At most `maxBytes` are kept; a body over it as sent is refused as too large,
 * as the limit says (a body must be within it as sent and once inflated).
 */
function recordWireBytes(req: Request, maxBytes: number): WireBytes {
  let chunks: Buffer[] | undefined = [];
  let length = 0;
  const onData = (chunk: Buffer) => {
    if (!chunks) return;
    length += chunk.byteLength;
    if (length > maxBytes) chunks = undefined;
    else chunks.push(chunk);
  };
  // Attached before body-parser pipes the request into its decompressor, in the same tick, so both see every chunk.
  req.on('data', onData);
  return {
    stop() {
      req.off('data', onData);
      return chunks && Buffer.concat(chunks, length);
    },
  };
}

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function mediaTypeOf(req: Request): string | undefined {
  const header = req.headers['content-type'];
  const type = header?.split(';', 1)[0]?.trim().toLowerCase();
  return type || undefined;
}

function findCallbackError(err: unknown): CallbackError | undefined {
  for (let current = err, depth = 0; current && depth < 4; current = (current as { cause?: unknown }).cause, depth++) {
    if (current instanceof CallbackError) return current;
  }
  // body-parser keeps the thrown error's status and message but not always the instance.
  const message = (err as { message?: string }).message;
  return message?.includes('UTF-8') ? new CallbackError('MALFORMED_BODY', 'The body is not valid UTF-8.', { cause: err }) : undefined;
}

/** The refusal of a body over `maxBytes`, whether announced or found while reading. */
export function payloadTooLarge(maxBytes: number, cause?: unknown): CallbackError {
  return new CallbackError('PAYLOAD_TOO_LARGE', `The body is larger than this gateway accepts (${maxBytes} bytes).`, cause === undefined ? {} : { cause });
}

interface BodyParserError {
  type?: string;
  status?: number;
  encoding?: string;
  charset?: string;
}

function bodyError(err: unknown, maxBytes: number): CallbackError {
  if (err instanceof CallbackError) return err;
  // body-parser wraps errors thrown by `verify` (our UTF-8 check) as entity.verify.failed.
  const verified = (err as { type?: string; cause?: unknown } | null)?.type === 'entity.verify.failed' ? findCallbackError(err) : undefined;
  if (verified) return verified;
  const { type, status, encoding, charset } = (err ?? {}) as BodyParserError;
  switch (type) {
    case 'entity.too.large':
    case 'parameters.too.many':
      return payloadTooLarge(maxBytes, err);
    case 'encoding.unsupported':
      return new CallbackError('UNSUPPORTED_CONTENT_TYPE', `Content-Encoding '${encoding ?? 'unknown'}' is not supported; send gzip, deflate, br or no encoding.`, {
        cause: err,
      });
    case 'charset.unsupported':
      return new CallbackError('UNSUPPORTED_CONTENT_TYPE', `Charset '${charset ?? 'unknown'}' is not supported; send UTF-8.`, { cause: err });
    case 'entity.parse.failed':
      return new CallbackError('MALFORMED_BODY', 'The body could not be parsed as its Content-Type says: it is not valid JSON.', { cause: err });
    default:
      if (status !== undefined && status >= 400 && status < 500) {
        return new CallbackError('MALFORMED_BODY', 'The body could not be read: it was cut short or its length did not match Content-Length.', {
          cause: err,
        });
      }
      return err instanceof CallbackError ? err : new CallbackError('INTERNAL_ERROR', 'The body could not be read.', { cause: err });
  }
}

/** What {@link readBody} refuses: a type it does not read, a body too large, unreadable, too deep or with an inexact number. */
export const READ_BODY_PART: ContractPart = {
  refusals: refusing('UNSUPPORTED_CONTENT_TYPE', 'PAYLOAD_TOO_LARGE', 'MALFORMED_BODY', 'BODY_TOO_DEEP', 'NUMBER_NOT_EXACT', 'INTERNAL_ERROR'),
};

/**
 * Reads and parses the body by its declared content type (JSON, form-urlencoded, text) within
 * `maxBytes` (as sent, and once any Content-Encoding is undone), and records it on the request
 * state, where handlers read it with `receivedBody`: parsed from the decoded bytes, with the
 * bytes as received on the wire, which signatures are checked over. A request without a body
 * delivers `data: null`; a body without a content type, or of a type not in
 * {@link ACCEPTED_CONTENT_TYPES}, is refused with 415 before it is read.
 */
export function readBody(maxBytes: number = DEFAULT_MAX_BODY_BYTES): RequestHandler {
  const always = () => true;
  const parsers: Record<Parser, RequestHandler> = {
    json: express.json({ limit: maxBytes, strict: false, type: always, verify: keepRaw }),
    form: express.urlencoded({ limit: maxBytes, extended: false, parameterLimit: 1000, type: always, verify: keepRaw }),
    text: express.text({ limit: maxBytes, type: always, verify: keepRaw }),
  };
  return (req, res, next) => {
    // A request without a body has nothing to record: `receivedBody` answers the empty body.
    if (!hasBody(req)) return next();
    const mediaType = mediaTypeOf(req);
    const parser = mediaType && parserFor(mediaType);
    if (!mediaType || !parser) {
      const declared = mediaType ? `Content-Type '${mediaType}' is not accepted` : 'The request has a body but no Content-Type';
      return next(new CallbackError('UNSUPPORTED_CONTENT_TYPE', `${declared}; send one of ${ACCEPTED_CONTENT_TYPES.join(', ')}.`));
    }
    // body-parser compares Content-Length with the limit only for unencoded bodies.
    if (announcesTooLargeBody(req.headers, maxBytes)) return next(payloadTooLarge(maxBytes));
    const wire = isContentEncoded(req) ? recordWireBytes(req, maxBytes) : undefined;
    parsers[parser](req, res, (err?: unknown) => {
      const sent = wire?.stop();
      if (err) return next(bodyError(err, maxBytes));
      if (wire && !sent) return next(payloadTooLarge(maxBytes));
      if (parser === 'json' && jsonDepth(req.body) > MAX_JSON_DEPTH) {
        return next(new CallbackError('BODY_TOO_DEEP', `The JSON body nests deeper than ${MAX_JSON_DEPTH} levels.`));
      }
      if (parser === 'json' && inexactJsonNumber(req.body) !== undefined) {
        return next(
          new CallbackError(
            'NUMBER_NOT_EXACT',
            `The JSON body holds a number that cannot be represented exactly: beyond ±${Number.MAX_SAFE_INTEGER} (2^53−1), such as a 64-bit id, or too large for a number at all. Send it as a string.`,
          ),
        );
      }
      const raw = (req as Request & { rawBody?: Buffer }).rawBody;
      // The request announced a body, but the connection ended before it could be read: never
      // deliver it as "no data".
      if (raw === undefined) return next(new CallbackError('MALFORMED_BODY', 'The body was not received: the connection ended before it was read.'));
      requestState(res).body = { contentType: mediaType, data: (req.body as unknown) ?? null, raw: sent ?? raw };
      next();
    });
  };
}
