import type { WorkflowHandle } from '@temporalio/client';
import { createRemoteJWKSet } from 'jose';
import { reassignApproval, ReassignApprovalError, verifyApprovalReceipt } from '../client';
import { approvalsQuery, callbackUrlQuery, standingDelegationsQuery, standingDelegationsWorkflowId } from '../protocol/definitions';
import type { ApprovalRecord, ApprovalReport } from '../workflows';
import type { InboxEntry } from '../callback-gateway/inbox/list-inbox';
import { inboxResponseSchema } from '../callback-gateway/routes/inbox';
import { errorOf, type Harness } from './support/harness';
import { startSignInHarness } from './support/sign-in-harness';
import { hiddenField, signInAs, signInToInbox, TestBrowser, type DevOidcProvider } from './support/oidc';
import { pollUntil } from './support/async';
import { runTsx } from './support/processes';
import { TEST_TEMPORAL_ADDRESS } from './support/test-env';
import { waitForCallbackUrl } from './support/wait-for-callback-url';
import type { auditedApproval, AuditedApprovalInput, rollingApproval } from './workflows/audited-approval';

// Delegation, reassignment and the fallback approver, with nothing mocked: the development OpenID
// Connect provider (grace is the only member of `delegation-desk`, heidi is in no group), the
// real gateway on a real port, a real worker and the tests' Temporal dev server. Hand-offs go
// through the inbox and the approval page as a person's browser posts them.

/** heidi's out-of-office workflow: one per delegate on the shared dev server, so each run of this file ends it before and after. */
const HEIDI_DELEGATIONS = standingDelegationsWorkflowId('heidi@example.com');
const endHeidiDelegations = () => h.client.workflow.getHandle(HEIDI_DELEGATIONS).terminate('test cleanup').catch(() => undefined);

let provider: DevOidcProvider;
let h: Harness;
let gatewayUrl: string;
const handles: WorkflowHandle[] = [];

beforeAll(async () => {
  ({ h, provider, gatewayUrl } = await startSignInHarness());
  await endHeidiDelegations();
}, 60_000);
afterAll(async () => {
  if (h) await endHeidiDelegations();
  await Promise.all(handles.map((handle) => handle.terminate().catch(() => undefined)));
  await h?.close();
  await provider?.close();
});

type Handle = WorkflowHandle<typeof auditedApproval>;

/** Starts an `auditedApproval`, waits until its approval is minted, and returns it with its URL and report. */
async function requestApproval(input: AuditedApprovalInput): Promise<{ handle: Handle; url: string; report: ApprovalReport }> {
  const handle = await h.start<typeof auditedApproval>('auditedApproval', [{ timeout: '10m', ...input }]);
  handles.push(handle);
  await waitForCallbackUrl(handle);
  const url = (await handle.query(callbackUrlQuery))!;
  const [report] = await handle.query(approvalsQuery);
  return { handle, url, report: report! };
}

/** A browser signed in as `login` on `url`'s approval page, and that page's CSRF token. */
async function onApprovalPage(url: string, login: string): Promise<{ browser: TestBrowser; csrf: string; page: string }> {
  const browser = new TestBrowser();
  const back = await signInAs(browser, url, login);
  expect(back.response?.status).toBe(200);
  const page = await back.response!.text();
  return { browser, csrf: hiddenField(page, 'csrf')!, page };
}

/** A browser signed in as `login`, back on the inbox. */
async function inInbox(login: string): Promise<TestBrowser> {
  const browser = new TestBrowser();
  const back = await signInToInbox(browser, gatewayUrl, login);
  expect(back.response?.status).toBe(200);
  await back.response!.text();
  return browser;
}

type ListedEntry = InboxEntry & { csrf: string };

/** `browser`'s inbox entry for `workflowId`, or undefined when the inbox does not list it. */
async function entryOf(browser: TestBrowser, workflowId: string): Promise<ListedEntry | undefined> {
  const response = await browser.request(`${gatewayUrl}/inbox`, { headers: { accept: 'application/json' } });
  expect(response.status).toBe(200);
  const inbox = inboxResponseSchema.parse(await response.json()) as { approvals: ListedEntry[] };
  return inbox.approvals.find((entry) => entry.workflowId === workflowId);
}

async function untilListed(browser: TestBrowser, workflowId: string): Promise<ListedEntry> {
  let entry: ListedEntry | undefined;
  await pollUntil(`the inbox listing ${workflowId}`, async () => (entry = await entryOf(browser, workflowId)) !== undefined, 20_000);
  return entry!;
}

/** Posts a decision (or a hand-off) on `entry` from the inbox, as its form does. */
function decideInInbox(browser: TestBrowser, entry: ListedEntry, decision: string, extra: Record<string, string> = {}): Promise<Response> {
  return browser.postForm(
    `${gatewayUrl}/inbox/${encodeURIComponent(entry.workflowId)}/${encodeURIComponent(entry.callbackId)}`,
    { csrf: entry.csrf, decision, actionDigest: entry.actionDigest, executionChain: entry.executionChain, ...extra },
    { accept: 'application/json' },
  );
}

/** The published receipt keys, as an outsider fetches them. */
const publishedKeys = () => createRemoteJWKSet(new URL('/.well-known/jwks.json', gatewayUrl));

const ACTION = (title: string) => ({ title, details: { ticket: 'OPS-31' } });

describe('an approver hands one request to someone else', () => {
  test('grace hands it to heidi from the inbox; heidi decides on her behalf, counted once; grace is refused after; heidi cannot hand it on', async () => {
    const { handle } = await requestApproval({ action: ACTION('Open port 8443 to the partner'), approvers: [{ group: 'delegation-desk' }], initiator: { email: 'carol@example.com' } });
    const grace = await inInbox('grace');
    const mine = await untilListed(grace, handle.workflowId);
    expect(mine.onBehalfOf).toBeUndefined();

    const handOff = await decideInInbox(grace, mine, 'delegate', { delegateTo: 'heidi@example.com', comment: 'Out this week.' });
    expect(handOff.status).toBe(200);
    expect(((await handOff.json()) as { reply: unknown }).reply).toEqual({ delegated: true, to: { email: 'heidi@example.com' } });
    expect(await errorOf(await decideInInbox(grace, mine, 'approve'))).toMatchObject({ code: 'DELEGATED_AWAY' });
    expect(await entryOf(grace, handle.workflowId)).toBeUndefined();

    const heidi = await inInbox('heidi');
    const held = await untilListed(heidi, handle.workflowId);
    expect(held.onBehalfOf).toMatchObject({ subject: 'grace', email: 'grace@example.com' });
    const refused = await decideInInbox(heidi, held, 'delegate', { delegateTo: 'alice@example.com' });
    expect(refused.status).toBe(403);
    expect(await errorOf(refused)).toMatchObject({ code: 'DELEGATION_CHAIN_FORBIDDEN' });

    const vote = await decideInInbox(heidi, held, 'approve', { comment: 'Partner confirmed the range.' });
    expect(vote.status).toBe(200);
    const result = await handle.result();
    expect(result.outcome).toBe('approved');
    expect(result.votes).toHaveLength(1);
    expect(result.votes[0]).toMatchObject({ approver: { subject: 'heidi', email: 'heidi@example.com' }, onBehalfOf: { subject: 'grace', email: 'grace@example.com' }, decision: 'approve' });
    expect(result.record.delegations).toEqual([
      expect.objectContaining({ from: expect.objectContaining({ subject: 'grace' }), to: { email: 'heidi@example.com' }, comment: 'Out this week.' }),
    ]);
    // The receipt says who acted on whose behalf, and verifies against the gateway's published keys.
    expect((await verifyApprovalReceipt(result.receipt!, publishedKeys())).record).toEqual(result.record);
    const shown = await runTsx('cli/main.ts', ['approvals', 'show', handle.workflowId], { TEMPORAL_ADDRESS: TEST_TEMPORAL_ADDRESS });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/approve\s+\S+\s+Heidi Delegate <heidi@example.com> via oidc \(issuer \S+, subject heidi\), on behalf of Grace Delegator \(subject grace\)/);
    expect(shown.stdout).toContain('Handed over: Grace Delegator to heidi@example.com');
  });

  test("a delegate never approves the delegator's own request: grace asked, handed her say to heidi, heidi's approval is refused", async () => {
    const { handle, url, report } = await requestApproval({ action: ACTION('Give grace prod access'), approvers: [{ group: 'delegation-desk' }], initiator: { email: 'grace@example.com' }, signReceipt: false });
    const grace = await onApprovalPage(url, 'grace');
    expect(grace.page).toContain('name="delegateTo"');
    const handOff = await grace.browser.postForm(url, { decision: 'delegate', delegateTo: 'heidi@example.com', csrf: grace.csrf, actionDigest: report.actionDigest }, { accept: 'application/json' });
    // grace may reject her own request, so she has a say to hand over; it never becomes an approval.
    expect(handOff.status).toBe(200);
    const heidi = await onApprovalPage(url, 'heidi');
    const vote = await heidi.browser.postForm(url, { decision: 'approve', csrf: heidi.csrf, actionDigest: report.actionDigest }, { accept: 'application/json' });
    expect(vote.status).toBe(403);
    expect(await errorOf(vote)).toMatchObject({ code: 'SELF_APPROVAL_FORBIDDEN' });
    const [after] = await handle.query(approvalsQuery);
    expect(after!.votes).toEqual([]);
  });
});

describe('a hand-off is durable', () => {
  test('carried through continue-as-new: the delegate decides in the next run, on the delegator\'s behalf', async () => {
    const handle = await h.start<typeof rollingApproval>('rollingApproval', [{ options: { action: ACTION('Drain the eu-west pool'), approvers: [{ group: 'delegation-desk' }], timeout: '10m', signReceipt: false } }]);
    handles.push(handle);
    await waitForCallbackUrl(handle);
    const url = (await handle.query(callbackUrlQuery))!;
    const [report] = await handle.query(approvalsQuery);
    const grace = await onApprovalPage(url, 'grace');
    const handOff = await grace.browser.postForm(url, { decision: 'delegate', delegateTo: 'Heidi@Example.com', csrf: grace.csrf, actionDigest: report!.actionDigest });
    // A browser is thanked, and told what it did.
    expect(handOff.status).toBe(200);
    expect(await handOff.text()).toContain('Handed to someone else');

    const firstRun = (await handle.describe()).runId;
    await handle.signal('roll');
    await pollUntil('the second run', async () => (await h.client.workflow.getHandle(handle.workflowId).describe()).runId !== firstRun, 20_000);
    const heidi = await inInbox('heidi');
    const held = await untilListed(heidi, handle.workflowId);
    expect(held.onBehalfOf).toMatchObject({ subject: 'grace' });
    expect((await decideInInbox(heidi, held, 'approve')).status).toBe(200);
    const result = await h.client.workflow.getHandle<typeof rollingApproval>(handle.workflowId).result();
    expect(result).toMatchObject({ outcome: 'approved', run: 2 });
    expect(result.votes).toEqual([expect.objectContaining({ approver: expect.objectContaining({ subject: 'heidi' }), onBehalfOf: expect.objectContaining({ subject: 'grace' }) })]);
    expect(result.record.delegations?.map((delegation) => delegation.to)).toEqual([{ email: 'heidi@example.com' }]);
  });
});

describe('an operator reassigns a pending approval', () => {
  test('with the client helper: the new approver decides, the old one is refused, and the verified receipt records it', async () => {
    const { handle, url, report } = await requestApproval({ action: ACTION('Rotate the partner key'), approvers: [{ email: 'grace@example.com' }] });
    const reassignment = await reassignApproval(h.client, handle.workflowId, { callbackId: report.callbackId, approvers: [{ email: 'heidi@example.com' }], reason: 'Grace is on leave' });
    expect(reassignment).toMatchObject({ approvers: [{ email: 'heidi@example.com' }], reason: 'Grace is on leave' });

    // The inbox follows: the search attribute lists the new approver, and the workflow's rules say who may decide.
    expect(await untilListed(await inInbox('heidi'), handle.workflowId)).toMatchObject({ callbackId: report.callbackId });
    expect(await entryOf(await inInbox('grace'), handle.workflowId)).toBeUndefined();
    const grace = await onApprovalPage(url, 'grace');
    const refused = await grace.browser.postForm(url, { decision: 'approve', csrf: grace.csrf, actionDigest: report.actionDigest }, { accept: 'application/json' });
    expect(await errorOf(refused)).toMatchObject({ code: 'APPROVER_NOT_ELIGIBLE' });
    const heidi = await onApprovalPage(url, 'heidi');
    const vote = await heidi.browser.postForm(url, { decision: 'approve', csrf: heidi.csrf, actionDigest: report.actionDigest }, { accept: 'application/json' });
    expect(vote.status).toBe(200);

    const result = await handle.result();
    expect(result.outcome).toBe('approved');
    expect(result.record.reassignments).toEqual([{ at: reassignment.at, approvers: [{ email: 'heidi@example.com' }], reason: 'Grace is on leave' }]);
    const verified = await verifyApprovalReceipt(result.receipt!, publishedKeys());
    expect(verified.record.reassignments).toEqual(result.record.reassignments);

    // The workflow closed with its decision: nothing is left to reassign.
    await expect(reassignApproval(h.client, handle.workflowId, { callbackId: report.callbackId, approvers: [{ group: 'x' }], reason: 'late' })).rejects.toMatchObject({ code: 'WORKFLOW_UNAVAILABLE' });
  });

  test('refuses an unknown approval, bad approvers and no reason with their codes, recording nothing', async () => {
    const { handle, report } = await requestApproval({ action: ACTION('Refusals'), approvers: [{ email: 'grace@example.com' }], initiator: { email: 'carol@example.com' }, signReceipt: false });
    const codeOf = (request: Parameters<typeof reassignApproval>[2]) =>
      reassignApproval(h.client, handle.workflowId, request).then(
        () => 'reassigned',
        (err: ReassignApprovalError) => err.code,
      );
    expect(await codeOf({ callbackId: 'nope', approvers: [{ group: 'x' }], reason: 'r' })).toBe('CALLBACK_UNKNOWN');
    expect(await codeOf({ callbackId: report.callbackId, approvers: [{ role: 'x' } as never], reason: 'r' })).toBe('INVALID_CALLBACK_OPTIONS');
    expect(await codeOf({ callbackId: report.callbackId, approvers: [{ group: 'x' }], reason: ' ' })).toBe('INVALID_CALLBACK_OPTIONS');
    expect(await codeOf({ callbackId: report.callbackId, approvers: [{ email: 'carol@example.com' }], reason: 'only the initiator' })).toBe('INVALID_CALLBACK_OPTIONS');
    const [after] = await handle.query(approvalsQuery);
    expect(after!.reassignments).toBeUndefined();
    expect(after!.approvers).toEqual([{ email: 'grace@example.com' }]);
  });

  test('with the CLI: reassign, then show prints the reassignment; once the workflow closed, reassign exits 1 with WORKFLOW_UNAVAILABLE', async () => {
    const { handle, url, report } = await requestApproval({ action: ACTION('Renew the TLS certificate'), approvers: [{ email: 'grace@example.com' }], signReceipt: false });
    const env = { TEMPORAL_ADDRESS: TEST_TEMPORAL_ADDRESS };
    const done = await runTsx('cli/main.ts', ['approvals', 'reassign', handle.workflowId, report.callbackId, '--to', 'email:heidi@example.com', '--reason', 'Grace moved teams'], env);
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('Reassigned approval');
    const [after] = await handle.query(approvalsQuery);
    expect(after!.approvers).toEqual([{ email: 'heidi@example.com' }]);

    const heidi = await onApprovalPage(url, 'heidi');
    expect((await heidi.browser.postForm(url, { decision: 'approve', csrf: heidi.csrf, actionDigest: report.actionDigest }, { accept: 'application/json' })).status).toBe(200);
    await handle.result();
    const shown = await runTsx('cli/main.ts', ['approvals', 'show', handle.workflowId], env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('Reassigned: to email:heidi@example.com');
    expect(shown.stdout).toContain('"Grace moved teams"');

    const late = await runTsx('cli/main.ts', ['approvals', 'reassign', handle.workflowId, report.callbackId, '--to', 'group:x', '--reason', 'late'], env);
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('WORKFLOW_UNAVAILABLE');
  });
});

describe('a fallback approver, when nobody named could ever approve', () => {
  test('only the initiator was named: the fallback approvers are asked at once, recorded in the record', async () => {
    const { handle, url, report } = await requestApproval({
      action: ACTION('Carol approves her own change?'),
      approvers: [{ email: 'carol@example.com' }],
      initiator: { email: 'carol@example.com' },
      fallback: [{ email: 'heidi@example.com' }],
      signReceipt: false,
    });
    expect(report.approvers).toEqual([{ email: 'heidi@example.com' }]);
    expect(report.fallbackFrom).toEqual([{ email: 'carol@example.com' }]);
    const heidi = await onApprovalPage(url, 'heidi');
    expect((await heidi.browser.postForm(url, { decision: 'approve', csrf: heidi.csrf, actionDigest: report.actionDigest }, { accept: 'application/json' })).status).toBe(200);
    const record: ApprovalRecord = (await handle.result()).record;
    expect(record).toMatchObject({ outcome: 'approved', fallbackFrom: [{ email: 'carol@example.com' }] });
  });

  test('without a fallback, requestApproval fails with INVALID_CALLBACK_OPTIONS rather than wait in silence', async () => {
    const handle = await h.start<typeof auditedApproval>('auditedApproval', [{ action: ACTION('Nobody'), approvers: [{ email: 'carol@example.com' }], initiator: { email: 'carol@example.com' }, signReceipt: false }]);
    const failure = await handle.result().then(
      () => undefined,
      (err: { cause?: { type?: string; message?: string } }) => err.cause,
    );
    expect(failure).toMatchObject({ type: 'INVALID_CALLBACK_OPTIONS' });
    expect(failure?.message).toContain('fallback');
  });
});

describe('out of office: an approver names a delegate until a date', () => {
  /** The inbox JSON's CSRF token for `/inbox/delegation`. */
  async function delegationCsrf(browser: TestBrowser): Promise<string> {
    const response = await browser.request(`${gatewayUrl}/inbox`, { headers: { accept: 'application/json' } });
    return (inboxResponseSchema.parse(await response.json()) as { delegationCsrf: string }).delegationCsrf;
  }
  const inADay = () => new Date(Date.now() + 24 * 60 * 60 * 1000).toISOString();

  test("grace names heidi through the gateway; heidi decides grace's requests on her behalf, never grace's own; ended, it does nothing", async () => {
    const grace = await inInbox('grace');
    const csrf = await delegationCsrf(grace);
    const refusedPast = await grace.postForm(`${gatewayUrl}/inbox/delegation`, { csrf, to: 'heidi@example.com', until: '2020-01-01' }, { accept: 'application/json' });
    expect(await errorOf(refusedPast)).toMatchObject({ code: 'DELEGATION_INVALID' });
    expect(await errorOf(await grace.postForm(`${gatewayUrl}/inbox/delegation`, { csrf: 'forged', to: 'heidi@example.com', until: inADay() }, { accept: 'application/json' }))).toMatchObject({
      code: 'CSRF_TOKEN_INVALID',
    });
    const set = await grace.postForm(`${gatewayUrl}/inbox/delegation`, { csrf, to: 'Heidi@example.com', until: inADay() }, { accept: 'application/json' });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ to: 'heidi@example.com' });
    // Held in Temporal, with grace as she signed in (her groups make her an approver).
    const held = await h.client.workflow.getHandle(HEIDI_DELEGATIONS).query(standingDelegationsQuery);
    expect(held).toEqual([expect.objectContaining({ from: expect.objectContaining({ subject: 'grace', groups: ['delegation-desk'] }), to: { email: 'heidi@example.com' } })]);

    const { handle } = await requestApproval({ action: ACTION('Restart the batch cluster'), approvers: [{ group: 'delegation-desk' }], initiator: { email: 'carol@example.com' }, signReceipt: false });
    const heidi = await inInbox('heidi');
    const entry = await untilListed(heidi, handle.workflowId);
    expect(entry.onBehalfOf).toMatchObject({ subject: 'grace' });
    expect((await decideInInbox(heidi, entry, 'approve')).status).toBe(200);
    const result = await handle.result();
    expect(result.votes).toEqual([expect.objectContaining({ approver: expect.objectContaining({ subject: 'heidi' }), onBehalfOf: expect.objectContaining({ subject: 'grace' }) })]);

    // grace's own request: her delegate may not approve it, through the link either.
    const own = await requestApproval({ action: ACTION('Give grace the batch role'), approvers: [{ group: 'delegation-desk' }], initiator: { email: 'grace@example.com' }, signReceipt: false });
    const onPage = await onApprovalPage(own.url, 'heidi');
    const refused = await onPage.browser.postForm(own.url, { decision: 'approve', csrf: onPage.csrf, actionDigest: own.report.actionDigest }, { accept: 'application/json' });
    expect(await errorOf(refused)).toMatchObject({ code: 'SELF_APPROVAL_FORBIDDEN' });

    // Ended: heidi is nobody's delegate, and no approver of her own.
    const ended = await grace.request(`${gatewayUrl}/inbox/delegation`, {
      method: 'DELETE',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ csrf, to: 'heidi@example.com' }).toString(),
    });
    expect(ended.status).toBe(204);
    const later = await requestApproval({ action: ACTION('Rotate the batch keys'), approvers: [{ group: 'delegation-desk' }], signReceipt: false });
    const again = await onApprovalPage(later.url, 'heidi');
    const notNow = await again.browser.postForm(later.url, { decision: 'approve', csrf: again.csrf, actionDigest: later.report.actionDigest }, { accept: 'application/json' });
    expect(await errorOf(notNow)).toMatchObject({ code: 'APPROVER_NOT_ELIGIBLE' });
  });
});
