import { randomUUID } from 'node:crypto';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitationCompleteNotificationSchema, ElicitRequestSchema, type CallToolResult, type ElicitRequestURLParams } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { createMcpApp, MCP_CALL_ID_META, MCP_CODE_META, MCP_FAILURE_META, MCP_SCOPE, MCP_WORKFLOW_ID_META, RESULT_TOOL_NAME, type McpApp, type McpWorkflowTool } from '../mcp';
import { approvalsQuery } from '../protocol/definitions';
import type { ToolCallRefused } from '../workflows';
import { deferred, type Deferred } from './support/async';
import { errorOf, postJson, startHarness, type Harness } from './support/harness';
import { listen, type Listening } from './support/listen';

/** How many times the tool's effect really ran, by host. */
const runs = new Map<string, number>();
const activities = {
  async mcpRestartService({ host, service }: { host: string; service: string }) {
    runs.set(host, (runs.get(host) ?? 0) + 1);
    return { restarted: `${service}@${host}` };
  },
};

let h: Harness;
let mcp: McpApp;
let served: Listening;
let apiKey: string;
const clients: McpClient[] = [];

beforeAll(async () => {
  h = await startHarness({ activities });
  apiKey = (await h.apiKeys.create({ name: 'agent', scopes: [MCP_SCOPE] })).key;
  const restartService: McpWorkflowTool = {
    name: 'restart_service',
    description: 'Restart a service on a host, once a person of the on-call group approved.',
    inputSchema: { host: z.string(), service: z.string() },
    taskQueue: h.taskQueue,
    activity: 'mcpRestartService',
    approval: { allowLinkHolders: true, timeout: '10m' },
  };
  // Nobody may decide: requestApproval refuses it, and the call reports the workflow's failure.
  const misconfigured: McpWorkflowTool = { ...restartService, name: 'misconfigured_restart', approval: { timeout: '10m' } };
  mcp = createMcpApp({ client: h.client, tools: [restartService, misconfigured], inboxUrl: `${h.gatewayUrl}/inbox`, apiKeys: h.apiKeys });
  served = await listen(mcp.app);
}, 120_000);
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
  await mcp?.close();
  await served?.close();
  await h?.close();
});

interface Connected {
  client: McpClient;
  /** The URL elicitations the server sent, in order. */
  elicited: Deferred<ElicitRequestURLParams>[];
  /** The elicitation ids the server said are complete. */
  completed: string[];
}

/** The MCP SDK's own client over Streamable HTTP, declaring URL elicitation support unless told not to. */
async function connect(options: { urlElicitation?: boolean } = {}): Promise<Connected> {
  const urlElicitation = options.urlElicitation ?? true;
  const client = new McpClient({ name: 'test-agent', version: '1.0.0' }, { capabilities: urlElicitation ? { elicitation: { url: {} } } : {} });
  const elicited: Deferred<ElicitRequestURLParams>[] = [deferred()];
  const completed: string[] = [];
  if (urlElicitation) {
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      // The user agrees to open the URL; the test opens it once this answer is on its way.
      const next = elicited[elicited.length - 1]!;
      elicited.push(deferred());
      setImmediate(() => next.resolve(request.params as ElicitRequestURLParams));
      return { action: 'accept' };
    });
    client.setNotificationHandler(ElicitationCompleteNotificationSchema, (notification) => void completed.push(notification.params.elicitationId));
  }
  const transport = new StreamableHTTPClientTransport(new URL(`${served.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${apiKey}` } } });
  await client.connect(transport);
  clients.push(client);
  return { client, elicited, completed };
}

function call(client: McpClient, args: Record<string, unknown>): Promise<CallToolResult> {
  return client.callTool({ name: 'restart_service', arguments: args }) as Promise<CallToolResult>;
}

function outputOf(result: CallToolResult): unknown {
  const [first] = result.content;
  return JSON.parse((first as { text: string }).text);
}

function textOf(result: CallToolResult): string {
  return (result.content[0] as { text: string }).text;
}

describe('a tool call that needs approval, from a client that opens URLs', () => {
  test('the call yields the approval URL as a URL elicitation; once approved through it, the call completes with the tool\'s result', async () => {
    const { client, elicited, completed } = await connect();
    const pending = call(client, { host: 'web-1', service: 'nginx' });
    const elicitation = await elicited[0]!.promise;
    expect(elicitation).toMatchObject({ mode: 'url', url: expect.stringContaining(`${h.gatewayUrl}/callbacks/`), elicitationId: expect.any(String) });
    expect(runs.get('web-1')).toBeUndefined();

    expect((await postJson(elicitation.url, { decision: 'approve' })).status).toBe(200);
    const result = await pending;
    expect(result.isError).toBeFalsy();
    expect(outputOf(result)).toEqual({ restarted: 'nginx@web-1' });
    expect(runs.get('web-1')).toBe(1);
    expect(completed).toContain(elicitation.elicitationId);

    // The approval bound the tool and its exact arguments.
    const [report] = await h.client.workflow.getHandle(result._meta![MCP_WORKFLOW_ID_META] as string).query(approvalsQuery);
    expect(report).toMatchObject({ status: 'approved', action: { details: { tool: 'restart_service', arguments: { host: 'web-1', service: 'nginx' } } } });
  });

  test('rejected: the call completes with the refusal the model reads, and the tool does not run', async () => {
    const { client, elicited } = await connect();
    const pending = call(client, { host: 'web-2', service: 'nginx' });
    const { url } = await elicited[0]!.promise;
    expect((await postJson(url, { decision: 'reject', comment: 'Not during the sale.' })).status).toBe(200);
    const result = await pending;
    expect(result.isError).toBeFalsy();
    const refused = outputOf(result) as ToolCallRefused;
    expect(refused).toMatchObject({ approved: false, outcome: 'rejected', comment: 'Not during the sale.', approvalId: expect.any(String) });
    expect(refused.reason).toContain('restart_service');
    expect(runs.get('web-2')).toBeUndefined();
  });
});

describe('a client without URL elicitation', () => {
  test('gets a tool error at once naming the inbox and the call id; the approval goes on', async () => {
    const { client } = await connect({ urlElicitation: false });
    const callId = `call-${randomUUID()}`;
    const result = await call(client, { host: 'web-3', service: 'nginx', callId });
    expect(result.isError).toBe(true);
    expect(result._meta).toMatchObject({ [MCP_CODE_META]: 'URL_ELICITATION_UNSUPPORTED', [MCP_CALL_ID_META]: callId });
    expect(textOf(result)).toContain(`${h.gatewayUrl}/inbox`);
    expect(textOf(result)).toContain(callId);

    const waiting = (await client.callTool({ name: RESULT_TOOL_NAME, arguments: { callId } })) as CallToolResult;
    expect(waiting.isError).toBeFalsy();
    expect(textOf(waiting)).toContain('still waits');
    const [report] = await h.client.workflow.getHandle(result._meta![MCP_WORKFLOW_ID_META] as string).query(approvalsQuery);
    expect(report).toMatchObject({ status: 'pending' });
    expect(runs.get('web-3')).toBeUndefined();
    await h.client.workflow.getHandle(result._meta![MCP_WORKFLOW_ID_META] as string).terminate('test done');
  });
});

describe('bad input', () => {
  test('arguments that do not fit the tool\'s schema are a tool error, and start nothing', async () => {
    const { client } = await connect();
    const result = await call(client, { host: 'web-5' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('service');
    expect(runs.get('web-5')).toBeUndefined();
  });

  test('a tool whose approval nobody could decide fails the call with the workflow\'s code, INVALID_CALLBACK_OPTIONS', async () => {
    const { client } = await connect();
    const result = (await client.callTool({ name: 'misconfigured_restart', arguments: { host: 'web-6', service: 'nginx' } })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(result._meta).toMatchObject({ [MCP_CODE_META]: 'CALL_FAILED', [MCP_FAILURE_META]: 'INVALID_CALLBACK_OPTIONS' });
    expect(runs.get('web-6')).toBeUndefined();
  });
});

describe('a client that disconnects while the call waits', () => {
  test('the workflow and the approval go on; a new connection picks the call up by its id, and the tool ran once', async () => {
    const callId = `call-${randomUUID()}`;
    const first = await connect();
    const abandoned = call(first.client, { host: 'web-4', service: 'nginx', callId }).catch((err: unknown) => err);
    const { url, elicitationId } = await first.elicited[0]!.promise;
    const workflowId = elicitationId.slice(0, elicitationId.lastIndexOf('/'));
    const { runId } = await h.client.workflow.getHandle(workflowId).describe();
    await first.client.close();
    await abandoned;

    expect((await postJson(url, { decision: 'approve' })).status).toBe(200);

    const second = await connect();
    const result = await call(second.client, { host: 'web-4', service: 'nginx', callId });
    expect(result.isError).toBeFalsy();
    expect(outputOf(result)).toEqual({ restarted: 'nginx@web-4' });
    expect(result._meta).toMatchObject({ [MCP_CALL_ID_META]: callId });
    const again = (await second.client.callTool({ name: RESULT_TOOL_NAME, arguments: { callId } })) as CallToolResult;
    expect(outputOf(again)).toEqual({ restarted: 'nginx@web-4' });
    expect(runs.get('web-4')).toBe(1);
    // One workflow, one run: the pick-up started nothing new.
    expect(result._meta![MCP_WORKFLOW_ID_META]).toBe(workflowId);
    const described = await h.client.workflow.getHandle(workflowId).describe();
    expect([described.runId, described.status.name]).toEqual([runId, 'COMPLETED']);
    expect(second.elicited[0]!.settled).toBe(false);
  });

  test('an unknown call id is a tool error, CALL_NOT_FOUND', async () => {
    const { client } = await connect();
    const result = (await client.callTool({ name: RESULT_TOOL_NAME, arguments: { callId: `nope-${randomUUID()}` } })) as CallToolResult;
    expect([result.isError, result._meta?.[MCP_CODE_META]]).toEqual([true, 'CALL_NOT_FOUND']);
  });
});

describe('the MCP endpoint\'s own authentication', () => {
  test('a request without an API key is refused with API_KEY_MISSING; a key without the mcp:call scope with API_KEY_FORBIDDEN', async () => {
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
    const headers = { accept: 'application/json, text/event-stream' };
    const missing = await postJson(`${served.url}/mcp`, init, headers);
    expect([missing.status, (await errorOf(missing)).code]).toEqual([401, 'API_KEY_MISSING']);
    const other = (await h.apiKeys.create({ name: 'sender', scopes: ['workflows:execute'] })).key;
    const forbidden = await postJson(`${served.url}/mcp`, init, { ...headers, authorization: `Bearer ${other}` });
    expect([forbidden.status, (await errorOf(forbidden)).code]).toEqual([403, 'API_KEY_FORBIDDEN']);
  });
});
