import * as z from 'zod';
import { MAX_TOKEN_LENGTH } from '../../tokens/callback-token';
import { ERROR_STATUS, type CallbackErrorCode } from '../../protocol/errors';
import type { WorkflowRefusalCode } from '../../protocol/definitions';
import type { DeliveryKind } from '../../protocol/callback-messages';
import { API_KEY_QUERY_PARAM } from '../middleware/authenticate';
import { MAX_DELIVERY_ID_LENGTH, SECRET_QUERY_PARAMS } from '../build-delivery';
import { DEFAULT_MAX_BODY_BYTES, MAX_JSON_DEPTH } from '../middleware/read-body';
import { SECURITY_HEADERS } from '../middleware/security-headers';
import { MAX_SYNC_WAIT_SECONDS, WAIT_QUERY_PARAM } from '../sync-delivery';
import { SIGNATURE_TOLERANCE_SECONDS } from '../webhook-signature';
import { PROVIDER_TIMESTAMP_TOLERANCE_SECONDS } from '../webhooks/provider-signature';
import { WEBHOOK_SOURCE_PATTERN } from '../../protocol/definitions';
import { DELIVERY_ID_QUERY_PARAM } from '../routes/callback-status';
import * as schemas from './schemas';

/**
 * Builds the gateway's OpenAPI 3.1 document from the zod schemas of its bodies and from the
 * tables below, which say where in handling a request each error code can be answered. Each
 * response is defined once in `components` and referenced.
 */

type Json = Record<string, unknown>;

/** An OpenAPI 3.1 document, as far as this module builds one. */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: Json;
  servers: Json[];
  security: Json[];
  tags: Json[];
  paths: Record<string, PathItem>;
  components: Record<'schemas' | 'responses' | 'parameters' | 'headers' | 'requestBodies' | 'securitySchemes', Record<string, Json>>;
}

/** A path item: its operations by method, and parameters common to them. */
type PathItem = Record<string, unknown>;

/** Where in handling a request the gateway can refuse it. */
type Stage =
  /**
   * The HTTP server, before any route: every request. Node's parser, and a body announced over
   * the limit with `Expect: 100-continue`. Answered without `X-Request-Id`.
   */
  | 'server'
  /** The token in a callback path cannot be percent-decoded: every method. */
  | 'path'
  /** A method the callback path does not take. */
  | 'method'
  /** No route: any other path or method. */
  | 'route'
  /** Rate limits, the token and any required API key: every request a callback route takes. */
  | 'access'
  /** Reading the body: POST and PUT. */
  | 'body'
  /** The Standard Webhooks signature of callbacks that require one: deliveries, and `/status?deliveryId=`. */
  | 'signature'
  /** The delivery id and `?wait=`: deliveries. */
  | 'delivery'
  /** A Temporal call: deliveries, the approval page and the status route (a receipt's search included). */
  | 'temporal'
  /** Anything unexpected in a handler that can fail. */
  | 'unexpected'
  /** Provider webhooks: the source, the provider's signature and timestamp, the event's delivery id and type. */
  | 'webhook'
  /** Per-client-IP rate limit only (routes without tokens or API keys). */
  | 'ipLimit'
  /** Holding a webhook event in Temporal: the source's bound, a body over Temporal's payload limit, Temporal unavailable. */
  | 'mailbox'
  /** The workflow's refusals on the operation's route (synchronous mode; the gateway checks failure reports itself too). */
  | 'workflow';

/** Where each of the gateway's own error codes is answered. A Record, so a new code does not compile until it is placed here. */
const GATEWAY_REFUSALS: Record<Exclude<CallbackErrorCode, WorkflowRefusalCode>, readonly Stage[]> = {
  CALLBACK_TOKEN_INVALID: ['path', 'access'],
  CALLBACK_TOKEN_EXPIRED: ['access'],
  API_KEY_MISSING: ['access'],
  API_KEY_INVALID: ['access'],
  API_KEY_REVOKED: ['access'],
  API_KEY_EXPIRED: ['access'],
  API_KEY_FORBIDDEN: ['access'],
  METHOD_NOT_ALLOWED: ['method'],
  MALFORMED_BODY: ['body'],
  INVALID_DELIVERY_ID: ['delivery'],
  DELIVERY_ID_MISMATCH: ['delivery'],
  INVALID_WAIT: ['delivery'],
  BODY_TOO_DEEP: ['body'],
  NUMBER_NOT_EXACT: ['body'],
  MALFORMED_REQUEST: ['server'],
  SIGNATURE_MISSING: ['signature'],
  SIGNATURE_INVALID: ['signature'],
  SIGNATURE_TIMESTAMP_INVALID: ['signature'],
  REQUEST_TIMEOUT: ['server'],
  RATE_LIMITED: ['access', 'ipLimit'],
  HEADERS_TOO_LARGE: ['server'],
  UNSUPPORTED_CONTENT_TYPE: ['body'],
  PAYLOAD_TOO_LARGE: ['server', 'body', 'mailbox'],
  WORKFLOW_NOT_FOUND: ['temporal'],
  WORKFLOW_CLOSED: ['temporal'],
  EXECUTION_REPLACED: ['temporal'],
  TEMPORAL_UNAVAILABLE: ['temporal', 'mailbox'],
  RECEIPT_UNAVAILABLE: ['temporal'],
  SIGNATURE_SENDER_NOT_CONFIGURED: ['signature'],
  WEBHOOK_SOURCE_UNKNOWN: ['webhook'],
  WEBHOOK_SIGNATURE_INVALID: ['webhook'],
  WEBHOOK_TIMESTAMP_STALE: ['webhook'],
  WEBHOOK_EVENT_MALFORMED: ['webhook'],
  WEBHOOK_KEY_MALFORMED: ['webhook'],
  WEBHOOK_SOURCE_FULL: ['mailbox'],
  ROUTE_NOT_FOUND: ['route'],
  INTERNAL_ERROR: ['unexpected'],
};

/** The routes on which a workflow answers each of its refusals. A Record over `WORKFLOW_REFUSALS`, so a new refusal does not compile until it is placed here. */
const WORKFLOW_REFUSALS_BY_KIND: Record<WorkflowRefusalCode, readonly DeliveryKind[]> = {
  CALLBACK_ALREADY_COMPLETED: ['complete'],
  CALLBACK_CLOSED: ['complete', 'fail', 'heartbeat'],
  CALLBACK_UNKNOWN: ['complete', 'fail', 'heartbeat'],
  PAYLOAD_INVALID: ['complete'],
  INVALID_FAILURE_REPORT: ['fail'],
};

/** Headers a refusal code always sets, beyond the security headers every answer carries. */
const REFUSAL_HEADERS: Partial<Record<CallbackErrorCode, string>> = {
  RATE_LIMITED: 'Retry-After',
  TEMPORAL_UNAVAILABLE: 'Retry-After',
  RECEIPT_UNAVAILABLE: 'Retry-After',
  SIGNATURE_SENDER_NOT_CONFIGURED: 'Retry-After',
  WEBHOOK_SOURCE_FULL: 'Retry-After',
  METHOD_NOT_ALLOWED: 'Allow',
};

function isWorkflowRefusal(code: CallbackErrorCode): code is WorkflowRefusalCode {
  return code in WORKFLOW_REFUSALS_BY_KIND;
}

/** The codes answered at `stages` (the workflow's refusals: those on `kind`'s route), in `ERROR_STATUS` order. */
function codesAt(stages: readonly Stage[], kind?: DeliveryKind): CallbackErrorCode[] {
  return (Object.keys(ERROR_STATUS) as CallbackErrorCode[]).filter((code) =>
    isWorkflowRefusal(code)
      ? stages.includes('workflow') && kind !== undefined && WORKFLOW_REFUSALS_BY_KIND[code].includes(kind)
      : GATEWAY_REFUSALS[code].some((stage) => stages.includes(stage)),
  );
}

const ref = (kind: keyof OpenApiDocument['components'], name: string) => ({ $ref: `#/components/${kind}/${name}` });

/** A zod schema as an inline JSON Schema (draft 2020-12, as OpenAPI 3.1 uses). */
function inline(schema: z.ZodType): Json {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' });
  return json;
}

/** Converts named zod schemas together, so a schema that uses another named one refers to it by `$ref`. */
function componentSchemas(named: Record<string, z.core.$ZodType>): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id });
  // io 'input': objects a sender writes may carry more fields; response objects are strict either way.
  const converted = z.toJSONSchema(registry, { target: 'draft-2020-12', io: 'input', uri: (id) => `#/components/schemas/${id}` }).schemas;
  const result: Record<string, Json> = {};
  for (const [id, { $schema: _, $id: __, ...schema }] of Object.entries(converted)) {
    if (!(id in named)) throw new Error(`an unnamed schema is used twice (${id}); name it`);
    result[id] = schema;
  }
  return result;
}

const byNumber = (a: number, b: number) => a - b;
const ERROR_STATUSES = [...new Set(Object.values(ERROR_STATUS))].sort(byNumber);

function namedSchemas(): Record<string, z.core.$ZodType> {
  return {
    ErrorCode: schemas.errorCodeSchema,
    ErrorIssue: schemas.errorIssueSchema,
    Error: schemas.errorResponseSchema,
    ...Object.fromEntries(ERROR_STATUSES.map((status) => [`Error${status}`, schemas.errorResponseWithStatus(status)])),
    Accepted: schemas.acceptedResponseSchema,
    Answered: schemas.answeredResponseSchema,
    CallbackStatus: schemas.callbackStatusResponseSchema,
    Health: schemas.healthResponseSchema,
    Ready: schemas.readyResponseSchema,
    Unready: schemas.unreadyResponseSchema,
    OpenApiDocument: schemas.openApiResponseSchema,
    JsonBody: schemas.jsonBodySchema,
    FormBody: schemas.formBodySchema,
    FailureReport: schemas.failureReportSchema,
    WebhookAnswer: schemas.webhookAnswerSchema,
    SlackChallenge: schemas.slackChallengeSchema,
    HtmlPage: schemas.textSchema.describe('A page for a person, self-contained, with its own strict Content-Security-Policy.'),
  };
}

const header = (description: string, schema: z.ZodType, required = false) => ({ description, ...(required ? { required } : {}), schema: inline(schema) });

const HEADERS: Record<string, Json> = {
  'X-Request-Id': header(
    "The request's id in the gateway's logs (an incoming `X-Request-Id` of up to 64 letters, digits, `.`, `_` or `-` is kept). Absent when the HTTP server refuses the request before routing.",
    z.string(),
  ),
  'Retry-After': header('Seconds to wait before retrying.', z.int().min(1), true),
  Allow: header('The methods the route takes: `POST, PUT` on delivery routes, `GET, HEAD` on `/status`.', z.string(), true),
  'Preference-Applied': header('`wait=N`: the answer is the workflow\'s own.', z.string(), true),
};

const param = (name: string, where: 'query' | 'header', description: string, schema: z.ZodType) => ({ name, in: where, description, schema: inline(schema) });

const PARAMETERS: Record<string, Json> = {
  Token: {
    name: 'token',
    in: 'path',
    required: true,
    description: 'The callback token: a signed JWS, or an encrypted JWE for opaque URLs.',
    schema: inline(z.string().min(1).max(MAX_TOKEN_LENGTH)),
  },
  Wait: param(
    WAIT_QUERY_PARAM,
    'query',
    `Synchronous mode, for senders that cannot set \`Prefer\`: wait up to this many seconds (at most ${MAX_SYNC_WAIT_SECONDS} are used) for the workflow's answer. Anything but a whole number of 1 or more: 400 \`INVALID_WAIT\`.`,
    z.int().min(1).max(999_999),
  ),
  Prefer: param('Prefer', 'header', `\`wait=N\` (RFC 7240): as \`?${WAIT_QUERY_PARAM}=N\`. Ignored when it does not parse.`, z.string()),
  IdempotencyKey: param(
    'Idempotency-Key',
    'header',
    'The delivery id, naming the event: a delivery id is applied once, so retries are safe. Default: `webhook-id`, else a new id.',
    z.string().min(1).max(MAX_DELIVERY_ID_LENGTH).regex(/^[\x21-\x7e]+$/),
  ),
  WebhookId: param('webhook-id', 'header', 'Standard Webhooks message id; also the delivery id when there is no `Idempotency-Key`.', z.string().min(1).max(MAX_DELIVERY_ID_LENGTH)),
  WebhookTimestamp: param(
    'webhook-timestamp',
    'header',
    `Standard Webhooks signing time, Unix seconds, within ${SIGNATURE_TOLERANCE_SECONDS} s of the gateway's clock. Required by callbacks that require a signature.`,
    z.string().regex(/^\d{1,12}$/),
  ),
  WebhookSignature: param(
    'webhook-signature',
    'header',
    'Standard Webhooks signatures (`v1,<base64>`, space-separated) over `id.timestamp.body`. Required by callbacks that require a signature.',
    z.string(),
  ),
  DeliveryIdQuery: param(
    DELIVERY_ID_QUERY_PARAM,
    'query',
    "A delivery id (a sender's `Idempotency-Key` or `webhook-id`) whose outcome to report. For a callback that requires a signature, only with that delivery's signature (`webhook-id` the same id, over an empty body).",
    z.string().min(1).max(MAX_DELIVERY_ID_LENGTH).regex(/^[\x21-\x7e]+$/),
  ),
  StatusWebhookId: param(
    'webhook-id',
    'header',
    `For a callback that requires a signature, with \`?${DELIVERY_ID_QUERY_PARAM}=\`: the delivery id asked about (another: 400 \`DELIVERY_ID_MISMATCH\`). Not needed without \`?${DELIVERY_ID_QUERY_PARAM}=\`.`,
    z.string().min(1).max(MAX_DELIVERY_ID_LENGTH),
  ),
  StatusWebhookTimestamp: param(
    'webhook-timestamp',
    'header',
    `For a callback that requires a signature, with \`?${DELIVERY_ID_QUERY_PARAM}=\`: the signing time, Unix seconds, within ${SIGNATURE_TOLERANCE_SECONDS} s of the gateway's clock.`,
    z.string().regex(/^\d{1,12}$/),
  ),
  StatusWebhookSignature: param(
    'webhook-signature',
    'header',
    `For a callback that requires a signature, with \`?${DELIVERY_ID_QUERY_PARAM}=\`: Standard Webhooks signatures (\`v1,<base64>\`, space-separated) over \`id.timestamp.\` (an empty body), as the sender signs its deliveries.`,
    z.string(),
  ),
  Source: {
    name: 'source',
    in: 'path',
    required: true,
    description: 'A source configured in `WEBHOOK_SOURCES_FILE` (its provider, secret and key rules). Any other: 404 `WEBHOOK_SOURCE_UNKNOWN`, body unread.',
    schema: inline(z.string().regex(WEBHOOK_SOURCE_PATTERN)),
  },
  GitHubSignature: param('X-Hub-Signature-256', 'header', 'GitHub: `sha256=<hex HMAC-SHA256 of the body>` with the webhook secret.', z.string()),
  GitHubEvent: param('X-GitHub-Event', 'header', "GitHub: the event type, which picks the source's key rule.", z.string()),
  GitHubDelivery: param('X-GitHub-Delivery', 'header', 'GitHub: the delivery id, the same on a redelivery.', z.string()),
  StripeSignature: param(
    'Stripe-Signature',
    'header',
    `Stripe: \`t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">\`; \`t\` within ${PROVIDER_TIMESTAMP_TOLERANCE_SECONDS} s. The event's \`type\` picks the key rule, its \`id\` is the delivery id.`,
    z.string(),
  ),
  SlackSignature: param('X-Slack-Signature', 'header', 'Slack: `v0=<hex HMAC-SHA256 of "v0:timestamp:body">` with the signing secret.', z.string()),
  SlackTimestamp: param(
    'X-Slack-Request-Timestamp',
    'header',
    `Slack: the signing time, Unix seconds, within ${PROVIDER_TIMESTAMP_TOLERANCE_SECONDS} s of the gateway's clock.`,
    z.string().regex(/^\d{1,12}$/),
  ),
  Fields: {
    name: 'fields',
    in: 'query',
    description: `Other query parameters reach the workflow as the delivery's \`query\`; for a GET they are its data. Never forwarded: \`${WAIT_QUERY_PARAM}\`, and, in any letter case, ${SECRET_QUERY_PARAMS.map((name) => `\`${name}\``).join(', ')}.`,
    style: 'form',
    explode: true,
    schema: inline(schemas.formBodySchema),
  },
};

const REQUEST_BODIES: Record<string, Json> = {
  Delivery: {
    description: `The data, up to the gateway's limit (default ${DEFAULT_MAX_BODY_BYTES / 1024} KiB). JSON may also be \`application/*+json\` and nest at most ${MAX_JSON_DEPTH} levels; no body delivers null; any other type: 415.`,
    content: {
      'application/json': { schema: ref('schemas', 'JsonBody') },
      'application/x-www-form-urlencoded': { schema: ref('schemas', 'FormBody') },
      'text/*': { schema: inline(schemas.textSchema) },
    },
  },
  ProviderWebhook: {
    description: `The provider's event as it signed it, up to the gateway's limit: JSON (GitHub, Stripe, Slack Events API, Standard Webhooks), or a form whose \`payload\` field holds the JSON (Slack interactivity, GitHub's form option), or a Slack slash command's form (\`command\`, \`text\`, ...). Signatures are checked over the bytes as sent, before any \`Content-Encoding\` is undone.`,
    required: true,
    content: {
      'application/json': { schema: ref('schemas', 'JsonBody') },
      'application/x-www-form-urlencoded': { schema: ref('schemas', 'FormBody') },
    },
  },
  FailureReport: {
    description: 'What failed. Anything else: 422 `INVALID_FAILURE_REPORT`.',
    required: true,
    content: { 'application/json': { schema: ref('schemas', 'FailureReport') } },
  },
};

const SECURITY_SCHEMES: Record<string, Json> = {
  ApiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key with the `workflows:execute` scope, checked only for callbacks created with `requireApiKey`.' },
  Bearer: { type: 'http', scheme: 'bearer', description: 'The same API key as `Authorization: Bearer <key>`.' },
  ApiKeyQuery: {
    type: 'apiKey',
    in: 'query',
    name: API_KEY_QUERY_PARAM,
    description: 'The same API key in the URL, for senders that cannot set headers (URLs end up in logs: prefer a header).',
  },
};

/** The default: a callback needs no credentials beyond its URL unless it was created with `requireApiKey`. */
const CALLBACK_SECURITY = [{}, { ApiKey: [] }, { Bearer: [] }, { ApiKeyQuery: [] }];

const json = (schema: string) => ({ 'application/json': { schema: ref('schemas', schema) } });
const PAGE = { 'text/html': { schema: ref('schemas', 'HtmlPage') } };
const REQUEST_ID = { 'X-Request-Id': ref('headers', 'X-Request-Id') };
const ANSWERED_HEADERS = { ...REQUEST_ID, 'Preference-Applied': ref('headers', 'Preference-Applied') };
const THANKS = ' A browser\'s form submission gets a thank-you page.';

const SUCCESS_RESPONSES: Record<string, Json> = {
  Accepted: { description: 'Temporal recorded the delivery.', headers: REQUEST_ID, content: json('Accepted') },
  AcceptedOrPage: { description: `Temporal recorded the delivery.${THANKS}`, headers: REQUEST_ID, content: { ...json('Accepted'), ...PAGE } },
  Answered: { description: "The workflow's answer (synchronous mode).", headers: ANSWERED_HEADERS, content: json('Answered') },
  AnsweredOrPage: { description: `The workflow's answer (synchronous mode).${THANKS}`, headers: ANSWERED_HEADERS, content: { ...json('Answered'), ...PAGE } },
  PageOrAnswered: {
    description: "The approval page, when `Accept` names `text/html`; otherwise the workflow's answer to a GET delivery (synchronous mode, with `Preference-Applied`).",
    headers: REQUEST_ID,
    content: { ...PAGE, ...json('Answered') },
  },
  CallbackStatus: {
    description: 'What the callback is and takes, and the outcome of the delivery asked about.',
    headers: REQUEST_ID,
    content: json('CallbackStatus'),
  },
  Healthy: { description: 'The process is up.', headers: REQUEST_ID, content: json('Health') },
  Ready: { description: 'Temporal answers.', headers: REQUEST_ID, content: json('Ready') },
  Unready: { description: 'Temporal does not answer.', headers: { ...REQUEST_ID, 'Retry-After': ref('headers', 'Retry-After') }, content: json('Unready') },
  Metrics: { description: 'Prometheus metrics (text format 0.0.4).', headers: REQUEST_ID, content: { 'text/plain': { schema: inline(schemas.textSchema) } } },
  WebhookAnswer: { description: 'Verified: recorded in the mailbox of its (source, key), or ignored (no key rule gives it a key).', headers: REQUEST_ID, content: json('WebhookAnswer') },
  SlackAnswer: {
    description: 'Slack: an interaction (form `payload`), a slash command (form `command`) or any other form, accepted or ignored, is answered with an empty body, as Slack expects within 3 s (so Slack shows nothing); a `url_verification` with its challenge.',
    headers: REQUEST_ID,
    content: json('SlackChallenge'),
  },
  OpenApi: { description: 'This document.', headers: REQUEST_ID, content: json('OpenApiDocument') },
};

/** The response for refusals with `status`, with an HTML page variant when `page`. */
function errorResponse(status: number, page: boolean): Json {
  const codes = schemas.codesWithStatus(status);
  const onlyServer = (code: CallbackErrorCode) => !isWorkflowRefusal(code) && GATEWAY_REFUSALS[code].every((stage) => stage === 'server');
  const headers: Json = codes.every(onlyServer) ? {} : { ...REQUEST_ID };
  const always = REFUSAL_HEADERS[codes[0]!];
  if (always && codes.every((code) => REFUSAL_HEADERS[code] === always)) headers[always] = ref('headers', always);
  return {
    description: `Refused: ${codes.map((code) => `\`${code}\``).join(', ')}.${page ? ' A browser gets an HTML page with the same status and code.' : ''}`,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    content: { 'application/json': { schema: ref('schemas', `Error${status}`) }, ...(page ? PAGE : {}) },
  };
}

/** What one operation answers. */
interface OperationSpec {
  summary: string;
  description?: string;
  tag: 'Callbacks' | 'Operations' | 'Webhooks';
  parameters?: readonly string[];
  requestBody?: string;
  /** Whether the operation checks a callback's API key (the document's default security). */
  secured?: boolean;
  /** Success status → response component. */
  answers?: Record<number, string>;
  /** Refusals answered in JSON (those of the HTTP server are always added). */
  refusals: readonly Stage[];
  /** Refusals a browser gets as an HTML page (also answered in JSON). */
  pageRefusals?: readonly Stage[];
  /** The route, for the workflow's refusals. */
  kind?: DeliveryKind;
}

function operation(operationId: string, spec: OperationSpec, responses: Record<string, Json>): Json {
  const codes = codesAt(['server', ...spec.refusals], spec.kind);
  const pageCodes = new Set(codesAt(spec.pageRefusals ?? [], spec.kind));
  const answers = new Map<number, Json>();
  for (const [status, name] of Object.entries(spec.answers ?? {})) answers.set(Number(status), ref('responses', name));
  for (const status of new Set(codes.map((code) => ERROR_STATUS[code]))) {
    const page = codes.some((code) => ERROR_STATUS[code] === status && pageCodes.has(code));
    const name = `Error${status}${page ? 'OrPage' : ''}`;
    responses[name] ??= errorResponse(status, page);
    answers.set(status, ref('responses', name));
  }
  return {
    operationId,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: [spec.tag],
    ...(spec.secured ? {} : { security: [] }),
    ...(spec.parameters ? { parameters: spec.parameters.map((name) => ref('parameters', name)) } : {}),
    ...(spec.requestBody ? { requestBody: ref('requestBodies', spec.requestBody) } : {}),
    responses: Object.fromEntries([...answers].sort(([a], [b]) => a - b)),
  };
}

const DELIVERY_PARAMETERS = ['Wait', 'Prefer', 'IdempotencyKey', 'WebhookId', 'WebhookTimestamp', 'WebhookSignature', 'Fields'] as const;
const DELIVERY_REFUSALS: readonly Stage[] = ['path', 'access', 'body', 'signature', 'delivery', 'temporal', 'unexpected', 'workflow'];
const SYNC =
  ' With `Prefer: wait=N` or `?wait=N`: 200 with the workflow\'s answer, or its refusal; 202 when no worker answered in time.';

const DELIVERY_SPECS: Record<DeliveryKind, Pick<OperationSpec, 'summary' | 'description' | 'requestBody'>> = {
  complete: { summary: 'Complete the callback', description: `Delivers the body; 202 once Temporal recorded it.${SYNC}`, requestBody: 'Delivery' },
  fail: { summary: 'Report that the work failed', description: `The wait ends as failed, with this error.${SYNC}`, requestBody: 'FailureReport' },
  heartbeat: { summary: 'Report progress', description: `The body is the progress the workflow sees.${SYNC}`, requestBody: 'Delivery' },
};

/** POST (or PUT, the same) to a delivery route; browsers may post the approval page's form to the complete routes. */
function deliverySpec(kind: DeliveryKind, method: 'POST' | 'PUT', pages: boolean): OperationSpec {
  const spec = DELIVERY_SPECS[kind];
  return {
    ...spec,
    summary: method === 'PUT' ? `${spec.summary} (PUT, as POST)` : spec.summary,
    description: `${spec.description}${pages ? ' A browser\'s form submission (the approval page\'s) gets HTML pages.' : ''}`,
    tag: 'Callbacks',
    parameters: DELIVERY_PARAMETERS,
    secured: true,
    answers: pages ? { 200: 'AnsweredOrPage', 202: 'AcceptedOrPage' } : { 200: 'Answered', 202: 'Accepted' },
    refusals: DELIVERY_REFUSALS,
    ...(pages ? { pageRefusals: DELIVERY_REFUSALS.filter((stage) => stage !== 'path') } : {}),
    kind,
  };
}

const GET_SPEC: OperationSpec = {
  summary: 'Approval page, or a GET delivery',
  description:
    'When `Accept` names `text/html` (a browser, a link preview): the approval page, which never delivers. Otherwise delivers the query parameters, for callbacks created with `allowGet` only (405 otherwise).',
  tag: 'Callbacks',
  parameters: DELIVERY_PARAMETERS,
  secured: true,
  answers: { 200: 'PageOrAnswered', 202: 'Accepted' },
  refusals: ['path', 'access', 'method', 'signature', 'delivery', 'temporal', 'unexpected', 'workflow'],
  pageRefusals: ['access', 'temporal', 'unexpected'],
  kind: 'complete',
};

const HEAD_SPEC: OperationSpec = {
  summary: 'Refused: HEAD never delivers',
  description: '405 once the token (and any required API key) verified.',
  tag: 'Callbacks',
  secured: true,
  refusals: ['path', 'access', 'method', 'unexpected'],
};

const refusedMethod = (method: string): OperationSpec => ({
  summary: `Refused: ${method} does not deliver`,
  tag: 'Callbacks',
  refusals: ['path', 'method'],
});

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
type HttpMethod = (typeof HTTP_METHODS)[number];

/** The operations of one callback route: the methods it takes, and every other method (405). */
function callbackRoute(name: string, kind: DeliveryKind, responses: Record<string, Json>): PathItem {
  const pages = kind === 'complete';
  const specs: Partial<Record<HttpMethod, OperationSpec>> = {
    post: deliverySpec(kind, 'POST', pages),
    put: deliverySpec(kind, 'PUT', pages),
    ...(kind === 'complete' ? { get: GET_SPEC, head: HEAD_SPEC } : {}),
  };
  const operations: Record<string, unknown> = { parameters: [ref('parameters', 'Token')] };
  for (const method of HTTP_METHODS) {
    const spec = specs[method] ?? refusedMethod(method.toUpperCase());
    operations[method] = operation(`${method}${name}`, spec, responses);
  }
  return operations;
}

const STATUS_SPEC: OperationSpec = {
  summary: "The callback's status and what it takes",
  description:
    "What the URL is and takes, and with `?deliveryId=` that delivery's outcome, also after the workflow closed. Never delivers: safe for link previews and crawlers. Needs the credentials a delivery needs: the callback's API key when it requires one, and, to ask about a delivery of a callback that requires a signature, that delivery's Standard Webhooks signature over an empty body. The workflow's own answer is waited for a short query deadline (`TEMPORAL_QUERY_TIMEOUT_MS`, default 1 s); without it, `status` is `unknown` and a running chain lists every action. 503 `RECEIPT_UNAVAILABLE` when a delivery's outcome could not be read in time.",
  tag: 'Callbacks',
  parameters: ['DeliveryIdQuery', 'StatusWebhookId', 'StatusWebhookTimestamp', 'StatusWebhookSignature'],
  secured: true,
  answers: { 200: 'CallbackStatus' },
  refusals: ['path', 'access', 'signature', 'delivery', 'temporal', 'unexpected'],
};

/** The status route: GET and HEAD; every other method 405. */
function statusRoute(responses: Record<string, Json>): PathItem {
  const operations: Record<string, unknown> = { parameters: [ref('parameters', 'Token')] };
  for (const method of HTTP_METHODS) {
    const spec =
      method === 'get' ? STATUS_SPEC : method === 'head' ? { ...STATUS_SPEC, summary: `${STATUS_SPEC.summary} (HEAD: headers only)` } : refusedMethod(method.toUpperCase());
    operations[method] = operation(`${method}CallbackStatus`, spec, responses);
  }
  return operations;
}

/** GET (and HEAD: the same answer without a body) on an operations route. */
function operationsRoute(name: string, spec: Omit<OperationSpec, 'tag'>, responses: Record<string, Json>): PathItem {
  return {
    get: operation(`get${name}`, { ...spec, tag: 'Operations' }, responses),
    head: operation(`head${name}`, { ...spec, summary: `${spec.summary} (HEAD: headers only)`, tag: 'Operations' }, responses),
  };
}

const WEBHOOK_SPEC: OperationSpec = {
  summary: "Receive a provider's webhook",
  description:
    "The fixed endpoint a provider delivers every event of an account or app to. Verified by the source's provider signature over the raw body; its key derived by the source's rule for its event type; held by a `webhookEvent` workflow of its own (whose id is made of signed content only, so a provider's retry or a replayed request is answered `duplicate` and applied once), which hands it to the mailbox of its (source, key) and so to the webhook waits for that key, including waits that begin later. Answered once Temporal recorded it. Nothing unverified reaches Temporal.",
  tag: 'Webhooks',
  parameters: ['GitHubSignature', 'GitHubEvent', 'GitHubDelivery', 'StripeSignature', 'SlackSignature', 'SlackTimestamp', 'WebhookId', 'WebhookTimestamp', 'WebhookSignature'],
  requestBody: 'ProviderWebhook',
  answers: { 200: 'SlackAnswer', 202: 'WebhookAnswer' },
  refusals: ['ipLimit', 'webhook', 'body', 'mailbox', 'unexpected'],
};

/** Builds the document; deterministic, so build it once. */
export function buildOpenApiDocument(): OpenApiDocument {
  const responses: Record<string, Json> = { ...SUCCESS_RESPONSES };
  const paths: OpenApiDocument['paths'] = {
    '/callbacks/{token}': callbackRoute('Callback', 'complete', responses),
    '/callbacks/{token}/complete': callbackRoute('CallbackComplete', 'complete', responses),
    '/callbacks/{token}/fail': callbackRoute('CallbackFail', 'fail', responses),
    '/callbacks/{token}/heartbeat': callbackRoute('CallbackHeartbeat', 'heartbeat', responses),
    '/callbacks/{token}/status': statusRoute(responses),
    '/webhooks/{source}': { parameters: [ref('parameters', 'Source')], post: operation('postWebhook', WEBHOOK_SPEC, responses) },
    '/healthz': operationsRoute('Healthz', { summary: 'Liveness', answers: { 200: 'Healthy' }, refusals: [] }, responses),
    '/readyz': operationsRoute('Readyz', { summary: 'Readiness: whether Temporal answers', answers: { 200: 'Ready', 503: 'Unready' }, refusals: [] }, responses),
    '/metrics': operationsRoute(
      'Metrics',
      {
        summary: 'Prometheus metrics',
        description: 'Served unless the gateway was created with `metrics: false` (then 404). Expose it to your scraper only.',
        answers: { 200: 'Metrics' },
        refusals: ['unexpected'],
      },
      responses,
    ),
    '/openapi.json': operationsRoute('OpenApi', { summary: 'This document', answers: { 200: 'OpenApi' }, refusals: [] }, responses),
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'durable-callbacks gateway',
      version: '1',
      license: { name: 'MIT', identifier: 'MIT' },
      description: [
        'Callback URLs for Temporal workflows. A sender delivers to the URL it was given; the gateway verifies the request and records it in Temporal before answering 202, or, with `Prefer: wait=N`, answers with the workflow\'s own reply.',
        'Every refusal is `{"error":{"code","message"}}`, one status per code. Browsers (an `Accept` naming `text/html`) get HTML pages from `/callbacks/{token}` and `/complete` instead.',
        'Any other path, and other methods on `/webhooks/{source}`, `/healthz`, `/readyz`, `/metrics` and `/openapi.json`, answer 404 `ROUTE_NOT_FOUND`; CONNECT answers 405.',
        `Every answer carries ${Object.keys(SECURITY_HEADERS).map((name) => `\`${name}\``).join(', ')}.`,
      ].join('\n\n'),
    },
    servers: [{ url: '/', description: 'The gateway that serves this document.' }],
    security: CALLBACK_SECURITY,
    tags: [
      { name: 'Callbacks', description: 'What senders call: the callback URL, and its `/complete`, `/fail` and `/heartbeat` routes.' },
      { name: 'Webhooks', description: "Provider webhooks (GitHub, Stripe, Slack, Standard Webhooks) at one fixed endpoint per source, routed by key to workflows waiting with `createWebhookWait`." },
      { name: 'Operations', description: 'Health, readiness, metrics and this document.' },
    ],
    paths,
    components: {
      schemas: componentSchemas(namedSchemas()),
      responses,
      parameters: PARAMETERS,
      headers: HEADERS,
      requestBodies: REQUEST_BODIES,
      securitySchemes: SECURITY_SCHEMES,
    },
  };
}
