import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { WorkflowHandle } from '@temporalio/client';
import type { ApprovalRecord, ApprovalReport } from '../protocol/approval-messages';
import type { SignedApprovalReceipt } from '../protocol/activity-contracts';
import { errorOf, startHarness, TEST_RECEIPT_ISSUER, type Harness } from './support/harness';
import { approvalRecord } from './support/approval-records';
import { runTsx, type CommandResult } from './support/processes';
import { TEST_TEMPORAL_ADDRESS } from './support/test-env';
import type { SignedApprovalInput } from './workflows/signed-approval';
import { changeActionSignal, type AuditedApprovalInput } from './workflows/audited-approval';
import type { auditedApproval } from './workflows';
import { approvalsQuery, deliverCallbackUpdate } from '../protocol/definitions';
import type { VerifiedApprover } from '../protocol/approval-messages';
import { waitForCallbackUrl } from './support/wait-for-callback-url';
import { pollUntil } from './support/async';

function cli(env: Record<string, string>, ...args: string[]): Promise<CommandResult> {
  return runTsx('cli/main.ts', args, { TEMPORAL_ADDRESS: TEST_TEMPORAL_ADDRESS, ...env });
}

let h: Harness;
let dir: string;
beforeAll(async () => {
  h = await startHarness();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dcb-approval-receipts-'));
});
afterAll(async () => {
  await h?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

type SignedApproval = (input: SignedApprovalInput) => Promise<SignedApprovalReceipt | { refused: string }>;

/** A workflow that signs `record` (as its own) through the worker's activity, and reports it; resolves once the receipt is reported. */
async function signedApproval(input: Partial<SignedApprovalInput> = {}): Promise<{ handle: WorkflowHandle<SignedApproval>; reports: ApprovalReport[]; receipt: string; record: ApprovalRecord }> {
  const handle = await h.start<SignedApproval>('signedApproval', [{ record: approvalRecord('set by the workflow'), ...input }]);
  for (let attempt = 0; attempt < 100; attempt++) {
    const reports = await handle.query<ApprovalReport[]>('durableCallbacks.approvals');
    const decided = reports.find((report) => report.receipt);
    if (decided) return { handle, reports, receipt: decided.receipt!, record: decided.record! };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the workflow reported no receipt');
}

const JWKS_PATH = '/.well-known/jwks.json';

describe('the published keys', () => {
  test('are served at /.well-known/jwks.json: public only, cacheable, the worker\'s key among them', async () => {
    const response = await fetch(`${h.gatewayUrl}${JWKS_PATH}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await response.text();
    expect(text).not.toMatch(/"d"\s*:/);
    const jwks = JSON.parse(text) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys.map((key) => key.kid)).toEqual([h.receiptKeys.active.kid]);
    expect(Object.keys(jwks.keys[0]!).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x']);
    expect((await fetch(`${h.gatewayUrl}${JWKS_PATH}`, { method: 'POST' })).status).toBe(404);
  });

  test('a gateway that publishes none answers 404 RECEIPT_KEYS_NOT_PUBLISHED with a sentence', async () => {
    const bare = await startHarness({ withoutPublishedReceiptKeys: true });
    try {
      const response = await fetch(`${bare.gatewayUrl}${JWKS_PATH}`);
      expect(response.status).toBe(404);
      const error = await errorOf(response);
      expect(error.code).toBe('RECEIPT_KEYS_NOT_PUBLISHED');
      expect(error.message).toContain('APPROVAL_RECEIPT_PUBLIC_KEYS_FILE');
    } finally {
      await bare.close();
    }
  });
});

describe('a receipt the worker signs', () => {
  test('verifies with jose alone against the gateway\'s published keys, as an outsider would, and says exactly what was decided', async () => {
    const { handle, receipt, record } = await signedApproval();
    const jwks = createRemoteJWKSet(new URL(`${h.gatewayUrl}${JWKS_PATH}`));
    const { payload, protectedHeader } = await jwtVerify(receipt, jwks, { typ: 'dcb-approval+jwt', algorithms: ['EdDSA', 'ES256'], issuer: TEST_RECEIPT_ISSUER });
    expect(protectedHeader).toEqual({ alg: 'EdDSA', typ: 'dcb-approval+jwt', kid: h.receiptKeys.active.kid });
    expect(payload.approval).toEqual(record);
    expect(record).toMatchObject({ namespace: 'default', workflowId: handle.workflowId, outcome: 'approved' });
    await handle.signal('release');
    expect(await handle.result()).toEqual({ receipt, kid: h.receiptKeys.active.kid, actionDigest: record.actionDigest });
  });

  test('is refused for a record of another workflow: no workflow signs for another', async () => {
    const handle = await h.start<SignedApproval>('signedApproval', [{ record: approvalRecord('x'), workflowIdInRecord: `someone-else-${randomUUID()}` }]);
    expect(await handle.result()).toEqual({ refused: 'RECEIPT_RECORD_MISMATCH' });
  });
});

describe('durable-callbacks approvals', () => {
  test('verify: a receipt verifies against the gateway\'s keys (default URL or --jwks), offline against a file, from @file; altered, it fails with its code', async () => {
    const { handle, receipt, record } = await signedApproval();
    await handle.signal('release');
    const env = { GATEWAY_URL: h.gatewayUrl };

    const verified = await cli(env, 'approvals', 'verify', receipt);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain(`Verified: signed by key ${h.receiptKeys.active.kid} (EdDSA) of issuer ${TEST_RECEIPT_ISSUER}`);
    expect(verified.stdout).toContain('Outcome:    approved (decided by votes)');
    expect(verified.stdout).toContain(record.action.title);
    expect(verified.stdout).toContain(record.actionDigest);
    expect(verified.stdout).toMatch(/approve\s+2026-12-07T10:02:03.000Z\s+Ana Lima <ana@example.com> via oidc \(issuer https:\/\/login.example.com, subject u-123\)\s+"Confirmed with the SOC."/);

    const jwksFile = path.join(dir, 'jwks.json');
    await fs.writeFile(jwksFile, await (await fetch(`${h.gatewayUrl}${JWKS_PATH}`)).text());
    const receiptFile = path.join(dir, 'receipt.jws');
    await fs.writeFile(receiptFile, `${receipt}\n`);
    const offline = await cli({}, 'approvals', 'verify', `@${receiptFile}`, '--jwks', jwksFile, '--json');
    expect(offline.code).toBe(0);
    expect(JSON.parse(offline.stdout)).toMatchObject({ valid: true, kid: h.receiptKeys.active.kid, alg: 'EdDSA', issuer: TEST_RECEIPT_ISSUER, record });

    // One changed character of the signed record.
    const [header, payload, signature] = receipt.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { approval: ApprovalRecord };
    claims.approval.outcome = 'rejected';
    const tampered = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    const refused = await cli(env, 'approvals', 'verify', tampered);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('RECEIPT_SIGNATURE_INVALID');
    expect(refused.stderr).toContain('altered');
    expect(refused.stdout).not.toContain('Verified');
    const refusedJson = await cli({}, 'approvals', 'verify', tampered, '--jwks', `${h.gatewayUrl}${JWKS_PATH}`, '--json');
    expect(refusedJson.code).toBe(1);
    expect(JSON.parse(refusedJson.stdout)).toMatchObject({ valid: false, code: 'RECEIPT_SIGNATURE_INVALID' });

    // Signed by a key the gateway does not publish.
    const otherFile = path.join(dir, 'other-jwks.json');
    const other = await cli({ APPROVAL_RECEIPT_KEY_FILE: path.join(dir, 'other-keys.json') }, 'approvals', 'keys', 'add', '--json');
    await fs.writeFile(otherFile, JSON.stringify((JSON.parse(other.stdout) as { published: unknown }).published));
    const unknown = await cli({}, 'approvals', 'verify', receipt, '--jwks', otherFile);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('RECEIPT_KEY_UNKNOWN');

    // No keys to be had is not "verified" either.
    const unreachable = await cli({ GATEWAY_URL: 'http://127.0.0.1:9' }, 'approvals', 'verify', receipt);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('JWKS_UNAVAILABLE');
  });

  test('show: each approval of a workflow with its status, action, digest, votes and receipt', async () => {
    const pendingRecord = approvalRecord('x');
    const pending: ApprovalReport = {
      callbackId: 'approval-0',
      status: 'pending',
      action: { title: 'Rotate the \u001b[31mdatabase\u001b[0m password' },
      actionDigest: pendingRecord.actionDigest,
      rules: pendingRecord.rules,
      votes: [],
      requestedAt: '2026-12-07T09:00:00.000Z',
    };
    const { handle, reports, receipt } = await signedApproval({ pending });

    const shown = await cli({}, 'approvals', 'show', handle.workflowId, '--json');
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toEqual(reports);

    const table = await cli({}, 'approvals', 'show', handle.workflowId);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('Approval approval-0: pending');
    // A title cannot colour or rewrite the terminal: control characters are shown, not sent.
    expect(table.stdout).toContain('Rotate the \\u{1b}[31mdatabase\\u{1b}[0m password');
    expect(table.stdout).not.toContain('\u001b');
    expect(table.stdout).toContain('Receipt:   none until decided');
    expect(table.stdout).toContain('Approval approval-1: approved (decided by votes at 2026-12-07T10:02:03.000Z)');
    expect(table.stdout).toContain(`Digest:    ${pendingRecord.actionDigest}`);
    expect(table.stdout).toMatch(/approve\s+2026-12-07T10:02:03.000Z\s+Ana Lima <ana@example.com> via oidc \(issuer https:\/\/login.example.com, subject u-123\)\s+"Confirmed with the SOC."/);
    expect(table.stdout).toContain(`Receipt:   ${receipt}`);
    await handle.signal('release');
    await handle.result();
  });
});

describe('requestApproval, signed', () => {
  const alice: VerifiedApprover = { issuer: 'https://id.example.com', subject: 'alice', email: 'alice@example.com', emailVerified: true, groups: ['secops'], via: 'oidc', authTime: new Date().toISOString() };

  /** One vote, as the gateway delivers it (the update), for the approval's current digest. */
  async function vote(handle: WorkflowHandle<typeof auditedApproval>, approver: VerifiedApprover, data: unknown): Promise<void> {
    const [report] = await handle.query(approvalsQuery);
    const deliveryId = randomUUID();
    await handle.executeUpdate(deliverCallbackUpdate, {
      updateId: `${report!.callbackId}/${deliveryId}`,
      args: [{ callbackId: report!.callbackId, deliveryId, kind: 'complete', method: 'POST', contentType: 'application/json', data, query: {}, headers: {}, receivedAt: new Date().toISOString(), approver, actionDigest: report!.actionDigest }],
    });
  }

  test('the decision of a real approval (with a superseded vote) is signed by the plugin\'s activity, shown by the CLI and verified by jose alone', async () => {
    const input: AuditedApprovalInput = {
      action: { title: 'Block 203.0.113.7 at the edge firewall', details: { ip: '203.0.113.7' } },
      changeTo: { title: 'Block 203.0.113.0/24 at the edge firewall', details: { cidr: '203.0.113.0/24' } },
      approvers: [{ group: 'secops' }],
      quorum: 2,
      initiator: { email: 'req@example.com' },
      timeout: '10m',
    };
    const bob: VerifiedApprover = { ...alice, subject: 'bob', email: 'bob@example.com' };
    const handle = await h.start<typeof auditedApproval>('auditedApproval', [input]);
    const firstUrl = await waitForCallbackUrl(handle);
    // A vote for the first action, then the action changes: that vote is kept as superseded.
    await vote(handle, bob, { decision: 'approve', comment: 'One address is enough?' });
    await handle.signal(changeActionSignal);
    await pollUntil('the new URL', async () => (await waitForCallbackUrl(handle)) !== firstUrl, 10_000);
    await vote(handle, alice, { decision: 'approve', comment: 'The whole range scans us.' });
    await vote(handle, bob, { decision: 'approve' });
    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'approved', record: { superseded: [{ approver: { subject: 'bob' }, comment: 'One address is enough?' }] } });
    expect(result.receipt).toBeDefined();

    const jwks = createRemoteJWKSet(new URL(`${h.gatewayUrl}${JWKS_PATH}`));
    const { payload } = await jwtVerify(result.receipt!, jwks, { typ: 'dcb-approval+jwt', algorithms: ['EdDSA'], issuer: TEST_RECEIPT_ISSUER });
    expect(payload.approval).toEqual(result.record);

    const shown = JSON.parse((await cli({}, 'approvals', 'show', handle.workflowId, '--json')).stdout) as ApprovalReport[];
    expect(shown.map((report) => report.receipt)).toEqual([result.receipt]);
    const verified = await cli({ GATEWAY_URL: h.gatewayUrl }, 'approvals', 'verify', result.receipt!);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain(`Outcome:    ${result.outcome}`);
    expect(verified.stdout).toContain(result.record.actionDigest);
  });
});
