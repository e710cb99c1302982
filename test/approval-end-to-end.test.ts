import { createRemoteJWKSet, jwtVerify } from 'jose';
import { verifyApprovalReceipt } from '../client';
import { actionDigest } from '../tokens/action-digest';
import { approvalsQuery } from '../protocol/definitions';
import type { ApprovalRecord } from '../workflows';
import type { auditedApproval } from './workflows';
import type { AuditedApprovalInput } from './workflows/audited-approval';
import { type Harness } from './support/harness';
import { startSignInHarness } from './support/sign-in-harness';
import { hiddenField, signInAs, TestBrowser, type DevOidcProvider } from './support/oidc';
import { waitForCallbackUrl } from './support/wait-for-callback-url';

// The worked example's shape end to end, nothing mocked: requestApproval in a workflow on a real
// worker, people signing in at the real development OpenID Connect provider (oidc-provider, its own
// process) through the real gateway, the workflow's rules refusing and counting, and the decision's
// receipt verified from outside with jose alone against the gateway's published keys.

const ACTION = {
  title: 'Grant contractor c-4411 read-only access to prod-db-eu',
  summary: 'For the January migration window.',
  details: { system: 'prod-db-eu', account: 'c-4411', role: 'db-readonly', ticket: 'CHG-2207' },
};
const CHANGE_BOARD: AuditedApprovalInput = {
  action: ACTION,
  approvers: [{ group: 'change-board' }],
  quorum: 2,
  initiator: { email: 'carol@example.com' },
  requireComment: 'reject',
  timeout: '10m',
};

let provider: DevOidcProvider;
let h: Harness;
let gatewayUrl: string;

beforeAll(async () => {
  ({ h, provider, gatewayUrl } = await startSignInHarness());
}, 60_000);
afterAll(async () => {
  await h?.close();
  await provider?.close();
});

/** A person signed in on the approval page: their browser and the page's hidden fields. */
async function signedIn(url: string, login: string): Promise<{ browser: TestBrowser; csrf: string; digest: string; page: string }> {
  const browser = new TestBrowser();
  const back = await signInAs(browser, url, login);
  const page = await back.response!.text();
  return { browser, csrf: hiddenField(page, 'csrf')!, digest: hiddenField(page, 'actionDigest')!, page };
}

/** A decision submitted as the page's form does, answered in JSON. */
async function decide(url: string, login: string, decision: 'approve' | 'reject', comment?: string): Promise<{ status: number; body: { status?: string; reply?: Record<string, unknown>; error?: { code: string } } }> {
  const { browser, csrf, digest } = await signedIn(url, login);
  const response = await browser.postForm(url, { decision, ...(comment ? { comment } : {}), csrf, actionDigest: digest }, { accept: 'application/json' });
  return { status: response.status, body: (await response.json()) as never };
}

test('two of the change board approve, the requester and an outsider cannot, one person counts once, and the receipt verifies with jose alone', async () => {
  const handle = await h.start<typeof auditedApproval>('auditedApproval', [CHANGE_BOARD]);
  const url = (await waitForCallbackUrl(handle)).replace(h.gatewayUrl, gatewayUrl);

  // What a person sees before deciding: the action and its digest.
  const { page } = await signedIn(url, 'dana');
  expect(page).toContain('Grant contractor c-4411 read-only access to prod-db-eu');
  expect(page).toContain(actionDigest(ACTION).slice(0, 12));

  expect(await decide(url, 'carol', 'approve')).toMatchObject({ status: 403, body: { error: { code: 'SELF_APPROVAL_FORBIDDEN' } } });
  expect(await decide(url, 'mallory', 'approve')).toMatchObject({ status: 403, body: { error: { code: 'APPROVER_NOT_ELIGIBLE' } } });
  expect(await decide(url, 'alice', 'approve')).toMatchObject({ status: 403, body: { error: { code: 'APPROVER_NOT_ELIGIBLE' } } });
  expect(await decide(url, 'dana', 'reject')).toMatchObject({ status: 422, body: { error: { code: 'COMMENT_REQUIRED' } } });
  expect((await handle.query(approvalsQuery))[0]!.votes).toEqual([]);

  expect(await decide(url, 'dana', 'approve', 'Scoped and time-boxed.')).toMatchObject({ status: 200, body: { status: 'accepted', reply: { approvals: 1, quorum: 2 } } });
  // Dana again, from another browser: answered as her first vote, not counted twice.
  expect(await decide(url, 'dana', 'approve')).toMatchObject({ status: 200, body: { status: 'duplicate', reply: { approvals: 1 } } });
  expect(await decide(url, 'erin', 'approve')).toMatchObject({ status: 200, body: { reply: { approvals: 2, outcome: 'approved' } } });

  const result = await handle.result();
  expect(result.outcome).toBe('approved');
  expect(result.votes.map((vote) => [vote.approver.subject, vote.approver.email, vote.approver.via, vote.approver.issuer])).toEqual([
    ['dana', 'dana@example.com', 'oidc', provider.issuer],
    ['erin', 'erin@example.com', 'oidc', provider.issuer],
  ]);

  // An outsider's check: the receipt, the gateway's published keys, and jose; nothing of ours.
  const keys = createRemoteJWKSet(new URL('/.well-known/jwks.json', gatewayUrl));
  const { payload, protectedHeader } = await jwtVerify(result.receipt!, keys, { typ: 'dcb-approval+jwt' });
  const record = (payload as { approval: ApprovalRecord }).approval;
  expect(protectedHeader.alg).toBe('EdDSA');
  expect(record).toEqual(result.record);
  expect(record.actionDigest).toBe(actionDigest(record.action));
  expect(record.votes.every((vote) => vote.actionDigest === record.actionDigest)).toBe(true);
  // And ours, which also insists on canonical encoding.
  expect((await verifyApprovalReceipt(result.receipt!, keys)).record).toEqual(result.record);
});
