import * as z from 'zod';
import type { ResponseConfig, RouteConfig, ZodContentObject, ZodRequestBody } from '@asteasolutions/zod-to-openapi';
import { ERROR_STATUS, type CallbackErrorCode } from '../../protocol/errors';
import { optionalText, type ContractPart, type ParameterShape, type RefusalHeader, type Refusals } from './contract-parts';
import { htmlPageSchema, refusalSchema } from './schemas';

/** The methods an OpenAPI path item can describe (CONNECT has none: the HTTP server refuses it, 405), for routes that refuse those they do not take. */
export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** One of {@link HTTP_METHODS}. */
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** One answer a route gives when it does not refuse: its headers (beyond `X-Request-Id`) and bodies. */
export interface Answer {
  readonly description: string;
  readonly headers?: ParameterShape;
  readonly content?: ZodContentObject;
}

/**
 * One operation as the route that serves it declares it, beside where it is mounted: what it
 * reads and answers, and the pieces of its chain (`parts`), whose refusals it answers with. The
 * HTTP server's own refusals are added to every operation; a refusal's status and body come from
 * `ERROR_STATUS`. {@link routeConfig} turns it into what an `OpenAPIRegistry` registers.
 */
export interface RouteContract {
  readonly method: HttpMethod;
  /** The OpenAPI path template (`/callbacks/{token}`); {@link expressPath} gives Express's. */
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: 'Callbacks' | 'Sign-in' | 'Webhooks' | 'Operations';
  /** Whether it checks a callback's API key (the document's default security); otherwise it takes none. */
  readonly secured?: boolean;
  readonly body?: ZodRequestBody;
  /** The pieces of its chain, as mounted: what each reads and can refuse. */
  readonly parts: readonly ContractPart[];
  /** Its answers other than refusals, by status. */
  readonly answers?: Readonly<Record<number, Answer>>;
  /** The parts whose refusals a browser gets as an HTML page (with the same status and code). */
  readonly pageParts?: readonly ContractPart[];
}

/** A JSON body of `schema`. */
export const json = (schema: z.ZodType): ZodContentObject => ({ 'application/json': { schema } });

/** An HTML page for a person. */
export const HTML_PAGE: ZodContentObject = { 'text/html': { schema: htmlPageSchema } };

/** `X-Request-Id`, which the app sets on every answer it gives (not the HTTP server's own refusals). */
export const REQUEST_ID_HEADER = optionalText("The request's id in the gateway's logs (an incoming `X-Request-Id` of up to 64 letters, digits, `.`, `_` or `-` is kept).");

/** `Retry-After`, in seconds. */
export const RETRY_AFTER_HEADER = z.int().min(1).meta({ param: { description: 'Seconds to wait before retrying.' } });

const REFUSAL_HEADERS: Record<RefusalHeader, z.ZodType> = {
  'Retry-After': RETRY_AFTER_HEADER,
  Allow: z.string().meta({ param: { description: 'The methods the route takes.' } }),
};

/** Express's path for an OpenAPI path template: `/callbacks/{token}` is `/callbacks/:token`. */
export function expressPath(template: string): string {
  return template.replace(/\{(\w+)\}/g, ':$1');
}

/** The parameters `parts` declare, as one object; a name two parts declare must be one shared schema. */
function parameters(shapes: ReadonlyArray<ParameterShape | undefined>, where: string): z.ZodObject | undefined {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, schema] of shapes.flatMap((each) => Object.entries(each ?? {}))) {
    if (shape[name] !== undefined && shape[name] !== schema) throw new Error(`${where}: two parts declare ${name} differently; share one declaration`);
    shape[name] = schema;
  }
  return Object.keys(shape).length > 0 ? z.object(shape) : undefined;
}

const refusalsOf = (parts: readonly ContractPart[]): Refusals => Object.assign({}, ...parts.map((part) => part.refusals));

/**
 * One answer per refusal status: a body whose `code` is one of the codes answered with that
 * status, `X-Request-Id` unless only the HTTP server answers it (`server`), each {@link RefusalHeader} its
 * codes set (required when all of them do), and an HTML page when a browser can get one.
 */
function refusalAnswers(own: Refusals, pages: Refusals, server: Refusals): Record<number, ResponseConfig> {
  const all: Refusals = { ...server, ...own };
  const codes = (Object.keys(ERROR_STATUS) as CallbackErrorCode[]).filter((code) => code in all);
  const answers: Record<number, ResponseConfig> = {};
  for (const status of new Set(codes.map((code) => ERROR_STATUS[code]))) {
    const answered = codes.filter((code) => ERROR_STATUS[code] === status);
    const page = answered.some((code) => code in pages);
    const headers: Record<string, z.ZodType> = answered.some((code) => code in own) ? { 'X-Request-Id': REQUEST_ID_HEADER } : {};
    for (const [name, schema] of Object.entries(REFUSAL_HEADERS) as Array<[RefusalHeader, z.ZodType]>) {
      const setting = answered.filter((code) => all[code]!.includes(name));
      if (setting.length > 0) headers[name] = setting.length === answered.length ? schema : schema.optional();
    }
    answers[status] = {
      description: `Refused: ${answered.map((code) => `\`${code}\``).join(', ')}.${page ? ' A browser gets an HTML page with the same status and code.' : ''}`,
      ...(Object.keys(headers).length > 0 ? { headers: z.object(headers) } : {}),
      content: { ...json(refusalSchema(answered)), ...(page ? HTML_PAGE : {}) },
    };
  }
  return answers;
}

/** `get` and `/callbacks/{token}/status` make `getCallbacksStatus`. */
function operationId(method: HttpMethod, path: string): string {
  const words = path.split('/').filter((segment) => !segment.startsWith('{')).flatMap((segment) => segment.split(/[^A-Za-z0-9]+/));
  return method + words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('');
}

/**
 * The registry's route for `contract`: its parameters from its parts, its answers, and a refusal
 * answer per status it can refuse with, its own and `server`'s (what the HTTP server refuses any
 * request with before a route sees it).
 */
export function routeConfig(contract: RouteContract, server: Refusals): RouteConfig {
  const { method, path, parts } = contract;
  const where = `${method.toUpperCase()} ${path}`;
  const successes: Record<number, ResponseConfig> = {};
  for (const [status, answer] of Object.entries(contract.answers ?? {})) {
    successes[Number(status)] = { ...answer, headers: z.object({ 'X-Request-Id': REQUEST_ID_HEADER, ...answer.headers }) };
  }
  const refusals = refusalAnswers(refusalsOf(parts), refusalsOf(contract.pageParts ?? []), server);
  const both = Object.keys(refusals).filter((status) => status in successes);
  if (both.length > 0) throw new Error(`${where}: ${both.join(', ')} is both an answer and a refusal; one status, one answer`);
  return {
    method,
    path,
    operationId: operationId(method, path),
    summary: contract.summary,
    ...(contract.description ? { description: contract.description } : {}),
    tags: [contract.tag],
    ...(contract.secured ? {} : { security: [] }),
    request: {
      params: parameters(parts.map((part) => part.params), where),
      query: parameters(parts.map((part) => part.query), where),
      headers: parameters(parts.map((part) => part.headers), where),
      ...(contract.body ? { body: contract.body } : {}),
    },
    responses: { ...successes, ...refusals },
  };
}
