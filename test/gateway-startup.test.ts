import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startGateway, type RunningGateway } from '../callback-gateway/server';
import { loadGatewayConfig } from '../callback-gateway/config';
import { createJsonLogger } from '../callback-gateway/logger';
import { rawExchange, rawRequest } from './support/raw-http';
import { TEST_NAMESPACE, TEST_TEMPORAL_ADDRESS } from './support/test-env';

/** The gateway as `durable-callbacks gateway` starts it: from its environment, through `startGateway`. */

interface Started {
  gateway: RunningGateway;
  logged: Array<{ level: string; msg: string; [field: string]: unknown }>;
}

let dir: string;
const running: RunningGateway[] = [];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dcb-startup-'));
});
afterAll(async () => {
  await Promise.all(running.map((gateway) => gateway.close()));
  await fs.rm(dir, { recursive: true, force: true });
});

/** Starts a gateway from `env` (plus what any start needs: Temporal, a signing secret, a free port), recording what it logs. */
async function start(env: Record<string, string> = {}): Promise<Started> {
  const logged: Started['logged'] = [];
  const config = loadGatewayConfig({
    TEMPORAL_ADDRESS: TEST_TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: TEST_NAMESPACE,
    TEMPORAL_CONFIG_FILE: path.join(dir, 'no-temporal.toml'),
    CALLBACK_SIGNING_SECRET: randomBytes(32).toString('base64'),
    DURABLE_CALLBACKS_DATA_DIR: dir,
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_PORT: '0',
    ...env,
  });
  const gateway = await startGateway(config, createJsonLogger({ write: (line: string) => logged.push(JSON.parse(line)) }));
  running.push(gateway);
  return { gateway, logged };
}

describe('at startup, the gateway says which signatures it can check', () => {
  test('without WEBHOOK_SECRETS it warns that callbacks requiring a signature will be refused', async () => {
    const { logged } = await start();
    const warnings = logged.filter((entry) => entry.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain('WEBHOOK_SECRETS');
    expect(warnings[0]!.msg).toContain('SIGNATURE_SENDER_NOT_CONFIGURED');
  });

  test('with WEBHOOK_SECRETS it names the senders it has secrets for, and never a secret', async () => {
    const secrets = [randomBytes(32).toString('base64'), randomBytes(32).toString('base64')];
    const { logged } = await start({ WEBHOOK_SECRETS: `ticketing=whsec_${secrets[0]},crm=whsec_${secrets[1]}` });
    expect(logged.filter((entry) => entry.level === 'warn')).toEqual([]);
    expect(logged).toContainEqual(expect.objectContaining({ level: 'info', senders: ['ticketing', 'crm'] }));
    const text = JSON.stringify(logged);
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});

describe('the body limit reaches the HTTP server', () => {
  test('with MAX_BODY_BYTES=1024, a 1025-byte body announced with Expect: 100-continue is refused before 100 Continue; 1024 bytes are invited', async () => {
    const { gateway } = await start({ MAX_BODY_BYTES: '1024' });
    const port = Number(new URL(gateway.url).port);
    const announce = (length: number) => rawRequest('POST', '/callbacks/not-a-token', ['Content-Type: application/json', 'Expect: 100-continue', `Content-Length: ${length}`]);
    const over = await rawExchange(port, announce(1025), { responses: Infinity });
    expect(over.responses.map((response) => response.status)).toEqual([413]);
    // The bad token is refused right after: the app never waits for a body it will not read.
    const within = await rawExchange(port, announce(1024));
    expect(within.responses[0]?.status).toBe(100);
  });
});
