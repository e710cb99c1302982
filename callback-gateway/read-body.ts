import express, { type Request, type RequestHandler } from 'express';
import { CallbackError } from '../lib/errors';
import { requestContext } from './request-context';

/** Media types a callback body may have. */
export const ACCEPTED_CONTENT_TYPES = ['application/json', 'application/*+json', 'application/x-www-form-urlencoded', 'text/*'] as const;

/** Default body size limit: 256 KiB, well under Temporal's 2 MB payload limit. */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

type Parser = 'json' | 'form' | 'text';

function parserFor(mediaType: string): Parser | undefined {
  if (mediaType === 'application/json' || /^application\/[^/]+\+json$/.test(mediaType)) return 'json';
  if (mediaType === 'application/x-www-form-urlencoded') return 'form';
  if (mediaType.startsWith('text/')) return 'text';
  return undefined;
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

interface BodyParserError {
  type?: string;
  status?: number;
  encoding?: string;
  charset?: string;
}

function bodyError(err: unknown, maxBytes: number): CallbackError {
  const { type, status, encoding, charset } = (err ?? {}) as BodyParserError;
  switch (type) {
    case 'entity.too.large':
    case 'parameters.too.many':
      return new CallbackError('PAYLOAD_TOO_LARGE', `The body is larger than this gateway accepts (${maxBytes} bytes).`, { cause: err });
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

/**
 * Reads and parses the body by its declared content type (JSON, form-urlencoded, text) within
 * `maxBytes`, and records `{ contentType, data }` on the request context. No body means
 * `data: null`; a body without a content type, or of a type not in
 * {@link ACCEPTED_CONTENT_TYPES}, is refused with 415 before it is read.
 */
export function readBody(maxBytes: number = DEFAULT_MAX_BODY_BYTES): RequestHandler {
  const always = () => true;
  const parsers: Record<Parser, RequestHandler> = {
    json: express.json({ limit: maxBytes, strict: false, type: always }),
    form: express.urlencoded({ limit: maxBytes, extended: false, parameterLimit: 1000, type: always }),
    text: express.text({ limit: maxBytes, type: always }),
  };
  return (req, res, next) => {
    const context = requestContext(res);
    if (!hasBody(req)) {
      context.body = { contentType: null, data: null };
      return next();
    }
    const mediaType = mediaTypeOf(req);
    const parser = mediaType && parserFor(mediaType);
    if (!mediaType || !parser) {
      const declared = mediaType ? `Content-Type '${mediaType}' is not accepted` : 'The request has a body but no Content-Type';
      return next(new CallbackError('UNSUPPORTED_CONTENT_TYPE', `${declared}; send one of ${ACCEPTED_CONTENT_TYPES.join(', ')}.`));
    }
    parsers[parser](req, res, (err?: unknown) => {
      if (err) return next(bodyError(err, maxBytes));
      context.body = { contentType: mediaType, data: req.body as unknown };
      next();
    });
  };
}
