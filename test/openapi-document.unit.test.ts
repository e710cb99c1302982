import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import type { Router } from 'express';
import { buildOpenApiDocument } from '../callback-gateway/openapi';
import { expressPath, HTTP_METHODS } from '../callback-gateway/contract/route-contract';
import { deliveryRoutes, type DeliveryRouteDeps } from '../callback-gateway/routes/delivery';
import { signInRoutes } from '../callback-gateway/routes/sign-in';
import { slackApprovalRoutes } from '../callback-gateway/routes/slack-approvals';
import { inboxRoutes, type InboxRouteDeps } from '../callback-gateway/routes/inbox';
import { probeRoutes, type ProbeDeps } from '../callback-gateway/routes/probes';
import { publishedKeysRoutes } from '../callback-gateway/routes/published-keys';
import { webhookRoutes, type WebhookRouteDeps } from '../callback-gateway/routes/webhooks';
import { ERROR_STATUS, type CallbackErrorCode } from '../protocol/errors';
import { REPO_ROOT } from './support/repo';

// The document alone: no gateway, no Temporal. test/openapi.test.ts checks real answers against it.
const doc = buildOpenApiDocument();

/** Runs `node` on `args` and gives its output, whatever its exit status. */
function run(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: REPO_ROOT, env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/**
 * Validates `file` with swagger-parser in a plain Node process: the parser it uses is an ES
 * module, which Jest's CommonJS runtime cannot load. Resolves to its error message, or ''.
 */
async function swaggerParserErrors(file: string): Promise<string> {
  const script = "require('@apidevtools/swagger-parser').validate(process.argv[1]).catch((err) => { console.log(err.message); process.exitCode = 1; })";
  const { status, stdout, stderr } = await run(['-e', script, file]);
  return status === 0 ? '' : stdout || stderr;
}

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: Array<{ ruleId: string; severity: string; message: string; location: Array<{ pointer: string }> }>;
}

/** Runs `redocly lint` (the repository's redocly.yaml: the recommended rules) on `file`. */
async function redoclyLint(file: string): Promise<LintReport> {
  const cli = path.join(path.dirname(require.resolve('@redocly/cli/package.json')), 'bin', 'cli.js');
  const args = [cli, 'lint', file, '--config', path.join(REPO_ROOT, 'redocly.yaml'), '--format=json'];
  // It exits 1 when it finds errors; the JSON report on stdout says which.
  const { status, stdout, stderr } = await run(args, { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' });
  try {
    return JSON.parse(stdout) as LintReport;
  } catch {
    throw new Error(`redocly lint gave no report (exit ${status}): ${stderr}`);
  }
}

let dir: string;
let file: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dcb-openapi-'));
  file = path.join(dir, 'openapi.json');
  await fs.writeFile(file, JSON.stringify(doc, null, 2));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

type Json = Record<string, any>;
const CODES = Object.keys(ERROR_STATUS) as CallbackErrorCode[];
const ajv = new Ajv2020({ strict: false });
ajv.addSchema(doc, 'openapi');

/** `node`, or what its `$ref` points to in the document. */
function resolve(node: Json): Json {
  if (typeof node.$ref !== 'string') return node;
  return resolve((node.$ref as string).slice(2).split('/').reduce((at: Json, key) => at[key.replace(/~1/g, '/').replace(/~0/g, '~')], doc as Json));
}

/** Every operation: where it is, and what it declares. */
const operations = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
  HTTP_METHODS.filter((method) => (item as Json)[method]).map((method) => ({ at: `${method.toUpperCase()} ${path}`, path, method, op: (item as Json)[method] as Json })),
);

/** The codes a refusal answer's JSON body may carry, by the document's own schema. */
function codesOf(answer: Json): CallbackErrorCode[] {
  const validate = ajv.getSchema(`openapi${answer.$ref}/content/application~1json/schema`)!;
  return CODES.filter((code) => validate({ error: { code, message: 'refused' } }));
}

/** The codes `op` can refuse with `status`. */
const refusedWith = (op: Json, status: number): CallbackErrorCode[] => (op.responses[String(status)] ? codesOf(op.responses[String(status)]) : []);

/** A request header an operation declares, resolved. */
const headerParam = (op: Json, name: string): Json | undefined => (op.parameters ?? []).map(resolve).find((param: Json) => param.in === 'header' && param.name === name);

describe('the generated OpenAPI document', () => {
  test('is valid OpenAPI 3.1 for swagger-parser', async () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(await swaggerParserErrors(file)).toBe('');
  });

  test('passes redocly lint with no errors and no warnings', async () => {
    const report = await redoclyLint(file);
    expect(report.problems.map((problem) => `${problem.severity} ${problem.ruleId} at ${problem.location[0]?.pointer}: ${problem.message}`)).toEqual([]);
    expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 });
  });

  test('each refusal answer accepts exactly the codes it names, each of which ERROR_STATUS gives its status', () => {
    expect(doc.components?.schemas?.ErrorCode).toMatchObject({ enum: CODES });
    for (const { at, op } of operations) {
      for (const [status, answer] of Object.entries(op.responses as Record<string, Json>)) {
        const { description } = resolve(answer) as { description: string };
        if (!description.startsWith('Refused:')) continue; // an answer, such as /readyz's 503
        const named = [...description.matchAll(/`([A-Z_]+)`/g)].map((match) => match[1]);
        const accepted = codesOf(answer);
        expect({ at, status, accepted }).toEqual({ at, status, accepted: named });
        expect({ at, status, statuses: [...new Set(accepted.map((code) => ERROR_STATUS[code]))] }).toEqual({ at, status, statuses: [Number(status)] });
      }
    }
  });

  test("declares each operation's refusals from the pieces its route mounts", () => {
    const operation = (at: string) => operations.find((each) => each.at === at)!.op;
    // Every callback path decodes its token first, whatever the method.
    for (const { at, path, op } of operations) if (path.startsWith('/callbacks/')) expect({ at, invalid: refusedWith(op, 401).includes('CALLBACK_TOKEN_INVALID') }).toEqual({ at, invalid: true });
    // The status route describes a closed or replaced workflow (200); only one that is gone is refused.
    expect(refusedWith(operation('GET /callbacks/{token}/status'), 410)).toEqual([]);
    expect(refusedWith(operation('GET /callbacks/{token}/status'), 404)).toEqual(['WORKFLOW_NOT_FOUND']);
    // The workflow's own refusals are those of the route's kind.
    expect(refusedWith(operation('POST /callbacks/{token}/fail'), 422)).toEqual(['INVALID_FAILURE_REPORT']);
    expect(refusedWith(operation('POST /callbacks/{token}/heartbeat'), 422)).toEqual([]);
    expect(refusedWith(operation('POST /callbacks/{token}'), 409)).toEqual(['ACTION_CHANGED', 'CALLBACK_ALREADY_COMPLETED']);
    // A method a route does not take is refused before its token is checked.
    expect(Object.keys(operation('DELETE /callbacks/{token}/status').responses)).toEqual(['400', '401', '405', '408', '413', '431']);
    expect(resolve(operation('HEAD /callbacks/{token}').responses['405']).headers.Allow.required).toBe(true);
  });

  test('declares Preference-Applied on synchronous answers only, and never as required: a retry answered from a receipt has none', () => {
    const declaring = operations.flatMap(({ at, op }) =>
      Object.entries(op.responses as Record<string, Json>)
        .filter(([, answer]) => resolve(answer).headers?.['Preference-Applied'])
        .map(([status, answer]) => ({ at: `${at} ${status}`, required: resolve(answer).headers['Preference-Applied'].required })),
    );
    const delivering = operations.filter(({ path, op }) => path.startsWith('/callbacks/') && op.responses['202']).map(({ at }) => ({ at: `${at} 200`, required: false }));
    expect(declaring).toEqual(delivering);
    expect(declaring.map(({ at }) => at)).toContain('POST /callbacks/{token}/fail 200');
  });

  test('declares the Standard Webhooks headers of a callback where its signature is checked, without a format the gateway does not always enforce', () => {
    const names = ['webhook-id', 'webhook-timestamp', 'webhook-signature'];
    for (const { at, path, op } of operations.filter(({ path }) => path.startsWith('/callbacks/'))) {
      const checksSignature = refusedWith(op, 401).includes('SIGNATURE_MISSING');
      const declared = names.map((name) => headerParam(op, name)).filter((param): param is Json => param !== undefined);
      expect({ at, path, declared: declared.length }).toEqual({ at, path, declared: checksSignature ? names.length : 0 });
      // A callback that requires no signature ignores them, so any text is accepted: none is required, none has a format.
      for (const param of declared) expect({ at, name: param.name, required: param.required, schema: param.schema }).toEqual({ at, name: param.name, required: false, schema: { type: 'string' } });
    }
    expect(headerParam(operations.find(({ at }) => at === 'HEAD /callbacks/{token}')!.op, 'webhook-signature')).toBeUndefined();
  });

  test('declares every route the gateway mounts, with each method it takes, and no other', () => {
    // Mounted, never called: nothing here reaches Temporal.
    const unused = {} as never;
    const handler = () => undefined;
    const routers: Router[] = [
      deliveryRoutes({ chains: { client: unused }, verifier: unused, apiKeys: unused, logger: unused, maxBodyBytes: 1, timeoutMs: 1, queryTimeoutMs: 1 } as unknown as DeliveryRouteDeps),
      probeRoutes({ client: unused, timeoutMs: 1, metrics: { handler }, openApiDocument: handler } as unknown as ProbeDeps),
      webhookRoutes({ client: unused, sources: new Map(), taskQueue: 'q', holdMs: 1, maxHeldEvents: 1, maxBodyBytes: 1, timeoutMs: 1 } as WebhookRouteDeps),
      publishedKeysRoutes({}),
      signInRoutes({ logger: unused }),
      slackApprovalRoutes({ chains: unused, verifier: unused, logger: unused, signingSecrets: [], teamIds: [], maxBodyBytes: 1 }),
      inboxRoutes({ client: unused, chains: unused, logger: unused, timeoutMs: 1, queryTimeoutMs: 1, maxBodyBytes: 1, taskQueue: 'q' } as InboxRouteDeps),
    ];
    const mounted = routers.flatMap((router) =>
      (router.stack as Array<{ route?: { path: string; methods: Record<string, boolean> } }>).flatMap(({ route }) => {
        if (!route) return [];
        // `.all` takes every method; Express answers HEAD with a route's GET handlers.
        const methods = route.methods._all ? HTTP_METHODS : Object.keys(route.methods).flatMap((method) => (method === 'get' ? ['get', 'head'] : [method]));
        return methods.map((method) => `${method.toUpperCase()} ${route.path}`);
      }),
    );
    const declared = operations.map(({ method, path }) => `${method.toUpperCase()} ${expressPath(path)}`);
    expect(declared.sort()).toEqual(mounted.sort());
  });

  test('defines each response once and refers to it everywhere', () => {
    for (const { at, op } of operations) {
      for (const [status, response] of Object.entries(op.responses as Record<string, { $ref?: string }>)) {
        expect({ at: `${at} ${status}`, ref: response.$ref?.startsWith('#/components/responses/') }).toEqual({ at: `${at} ${status}`, ref: true });
      }
    }
    const defined = Object.values(doc.components?.responses ?? {}).map((response) => JSON.stringify(response));
    expect(new Set(defined).size).toBe(defined.length);
  });
});
