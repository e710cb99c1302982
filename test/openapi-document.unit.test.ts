import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { buildOpenApiDocument } from '../callback-gateway/openapi';
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

  test('each refusal status accepts exactly the codes ERROR_STATUS gives it', () => {
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema(doc, 'openapi');
    const codes = Object.keys(ERROR_STATUS) as CallbackErrorCode[];
    expect(doc.components.schemas.ErrorCode?.enum).toEqual(codes);
    for (const status of new Set(Object.values(ERROR_STATUS))) {
      const validate = ajv.getSchema(`openapi#/components/schemas/Error${status}`)!;
      const accepted = codes.filter((code) => validate({ error: { code, message: 'refused' } }));
      expect({ status, accepted }).toEqual({ status, accepted: codes.filter((code) => ERROR_STATUS[code] === status) });
    }
  });

  test('defines each response once and refers to it everywhere', () => {
    for (const [route, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (method === 'parameters') continue;
        for (const [status, response] of Object.entries((operation as { responses: Record<string, { $ref?: string }> }).responses)) {
          expect({ at: `${method} ${route} ${status}`, ref: response.$ref?.startsWith('#/components/responses/') }).toEqual({ at: `${method} ${route} ${status}`, ref: true });
        }
      }
    }
  });
});
