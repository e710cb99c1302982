import type { WorkflowHandle } from '@temporalio/client';
import { APPROVERS_SEARCH_ATTRIBUTE } from '../workflows';
import { inboxVisibilityQuery, type InboxEntry } from '../callback-gateway/inbox/list-inbox';
import { approverKeysOfPerson } from '../protocol/approver-keys';
import { inboxResponseSchema } from '../callback-gateway/routes/inbox';
import { errorOf, type Harness } from './support/harness';
import { startSignInHarness } from './support/sign-in-harness';
import { hiddenField, signInToInbox, TestBrowser, type DevOidcProvider } from './support/oidc';
import { pollUntil } from './support/async';
import { reissueCallback } from '../client';
import { approvalsQuery } from '../protocol/definitions';
import { waitForCallbackUrl } from './support/wait-for-callback-url';
import type { auditedApproval, AuditedApprovalInput, rollingApproval } from './workflows/audited-approval';

// The inbox, with nothing mocked: the real development OpenID Connect provider, the real gateway
// on a real port, a real worker, and the tests' Temporal dev server, where temporal-dev.sh
// registered DurableCallbacksApprovers. Visibility is eventually consistent, so what the inbox
// lists is polled for; the inbox itself never lists what a workflow no longer has open.

let provider: DevOidcProvider;
let h: Harness;
let gatewayUrl: string;
const handles: WorkflowHandle[] = [];

beforeAll(async () => {
  ({ h, provider, gatewayUrl } = await startSignInHarness());
}, 60_000);
afterAll(async () => {
  await Promise.all(handles.map((handle) => handle.terminate().catch(() => undefined)));
  await h?.close();
  await provider?.close();
});

/** Starts an `auditedApproval` and waits until its approval is minted. */
async function requestApproval(input: AuditedApprovalInput): Promise<WorkflowHandle<typeof auditedApproval>> {
  const handle = await h.start<typeof auditedApproval>('auditedApproval', [{ timeout: '10m', ...input }]);
  handles.push(handle);
  await waitForCallbackUrl(handle);
  return handle;
}

/** A browser signed in as `login`, back on the inbox. */
async function signedIn(login: string): Promise<TestBrowser> {
  const browser = new TestBrowser();
  const back = await signInToInbox(browser, gatewayUrl, login);
  expect(back.url).toBe(`${gatewayUrl}/inbox`);
  expect(back.response?.status).toBe(200);
  await back.response!.text();
  return browser;
}

/** The inbox in JSON, as the browser's session sees it. */
async function inboxOf(browser: TestBrowser): Promise<{ approvals: Array<InboxEntry & { csrf: string }>; incomplete: boolean; signedInAs: { subject: string } }> {
  const response = await browser.request(`${gatewayUrl}/inbox`, { headers: { accept: 'application/json' } });
  expect(response.status).toBe(200);
  // What the route's contract declares (and the OpenAPI document publishes), member for member.
  return inboxResponseSchema.parse(await response.json()) as never;
}

/** The workflow ids of `browser`'s inbox among `ids` (other test files' workflows are not this test's). */
async function listed(browser: TestBrowser, ids: readonly string[]): Promise<string[]> {
  const { approvals } = await inboxOf(browser);
  return approvals.map((entry) => entry.workflowId).filter((id) => ids.includes(id)).sort();
}

/** Waits until `browser`'s inbox lists exactly `expected` among `ids`. */
async function untilListed(browser: TestBrowser, ids: readonly string[], expected: readonly string[]): Promise<void> {
  const want = [...expected].sort();
  await pollUntil(`the inbox listing ${want.join(', ') || 'none'}`, async () => JSON.stringify(await listed(browser, ids)) === JSON.stringify(want), 20_000);
}

/** The CSRF token of one entry on the inbox page. */
async function csrfFor(browser: TestBrowser, callbackId: string): Promise<string> {
  const page = await (await browser.request(`${gatewayUrl}/inbox`)).text();
  const at = page.indexOf(`id="approval-${callbackId}"`);
  if (at < 0) throw new Error(`the inbox page does not list ${callbackId}`);
  return hiddenField(page.slice(at), 'csrf')!;
}

/** Posts a decision on `entry` from the inbox, as its form does. */
async function decide(browser: TestBrowser, entry: InboxEntry & { csrf: string }, decision: 'approve' | 'reject', extra: Record<string, string> = {}, accept = 'application/json'): Promise<Response> {
  const csrf = extra.csrf ?? entry.csrf;
  return browser.postForm(
    `${gatewayUrl}/inbox/${encodeURIComponent(entry.workflowId)}/${encodeURIComponent(entry.callbackId)}`,
    { csrf, decision, actionDigest: entry.actionDigest, executionChain: entry.executionChain, ...extra },
    { accept },
  );
}

const ACTION = (title: string) => ({ title, summary: `Why: ${title}.`, details: { ticket: 'OPS-7' } });

describe('the inbox lists every open approval the signed-in person may decide', () => {
  test("alice sees exactly her two; not another group's, not her own request, not a link holders'", async () => {
    const first = await requestApproval({ action: ACTION('Restart the payments cluster'), approvers: [{ group: 'oncall' }], initiator: { email: 'bob@example.com' } });
    const second = await requestApproval({ action: ACTION('Rotate the VPN certificate'), approvers: [{ email: 'ALICE@example.com' }] });
    const others = await requestApproval({ action: ACTION('Merge the release branch'), approvers: [{ group: 'change-board' }] });
    const own = await requestApproval({ action: ACTION('Give alice prod access'), approvers: [{ group: 'oncall' }], initiator: { email: 'alice@example.com' } });
    const anyone = await requestApproval({ action: ACTION('Anyone may decide'), allowLinkHolders: true });
    const ids = [first, second, others, own, anyone].map((handle) => handle.workflowId);

    // The worker found the attribute registered, and the workflow lists its approvers' keys.
    expect((await first.describe()).typedSearchAttributes.get(APPROVERS_SEARCH_ATTRIBUTE)).toEqual(['group:oncall']);
    expect((await second.describe()).typedSearchAttributes.get(APPROVERS_SEARCH_ATTRIBUTE)).toEqual(['email:alice@example.com']);

    const alice = await signedIn('alice');
    await untilListed(alice, ids, [first.workflowId, second.workflowId]);
    const inbox = await inboxOf(alice);
    expect(inbox.signedInAs.subject).toBe('alice');
    const entry = inbox.approvals.find((each) => each.workflowId === first.workflowId)!;
    expect(entry).toMatchObject({
      action: ACTION('Restart the payments cluster'),
      initiator: { email: 'bob@example.com' },
      votes: { approvals: 0, rejections: 0, quorum: 1, rejectQuorum: 1 },
      executionChain: (await first.describe()).runId,
    });
    expect(Date.parse(entry.deadline!) - Date.parse(entry.requestedAt)).toBe(10 * 60_000);

    // The page shows the same, escaped, with a form per approval.
    const page = await (await alice.request(`${gatewayUrl}/inbox`)).text();
    expect(page).toContain('Restart the payments cluster');
    expect(page).toContain('Rotate the VPN certificate');
    expect(page).not.toContain('Merge the release branch');
    expect(page).not.toContain('Give alice prod access');
    // The JSON gives a tool the same CSRF token the page's form carries.
    expect(entry.csrf).toBe(await csrfFor(alice, entry.callbackId));

    // Dana is on the change board: she sees that one, and not alice's.
    const dana = await signedIn('dana');
    await untilListed(dana, ids, [others.workflowId]);
  });
});

describe('the search attribute', () => {
  test("holds keys with quotes and backslashes, which the inbox's visibility query finds", async () => {
    const group = 'ops\'team\\eu "blue"';
    const handle = await requestApproval({ action: ACTION('An odd group name'), approvers: [{ group }] });
    const query = inboxVisibilityQuery(approverKeysOfPerson({ subject: 'nobody', groups: [group] }));
    await pollUntil('the workflow found by its odd key', async () => {
      const found: string[] = [];
      for await (const workflow of h.client.workflow.list({ query })) found.push(workflow.workflowId);
      return found.includes(handle.workflowId);
    }, 20_000);
  });
});

describe('without a session', () => {
  test('JSON gets 401 SIGN_IN_REQUIRED; a browser is sent to sign in; a decision is refused', async () => {
    const json = await fetch(`${gatewayUrl}/inbox`, { headers: { accept: 'application/json' } });
    expect(json.status).toBe(401);
    expect((await errorOf(json)).code).toBe('SIGN_IN_REQUIRED');

    const page = await fetch(`${gatewayUrl}/inbox`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/inbox/sign-in');

    const signIn = await fetch(`${gatewayUrl}/inbox/sign-in`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(signIn.status).toBe(303);
    expect(new URL(signIn.headers.get('location')!).origin).toBe(provider.issuer);

    const forged = await fetch(`${gatewayUrl}/inbox`, { headers: { accept: 'application/json', cookie: 'dcb_session=not-a-session' } });
    expect((await errorOf(forged)).code).toBe('SESSION_INVALID');

    const vote = await fetch(`${gatewayUrl}/inbox/some-workflow/some-callback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'approve' }) });
    expect(vote.status).toBe(401);
    expect((await errorOf(vote)).code).toBe('SIGN_IN_REQUIRED');
  });
});

describe('deciding from the inbox', () => {
  test('a vote decides with the same rules and receipt as the link, and the approval leaves the list', async () => {
    const handle = await requestApproval({ action: ACTION('Open port 8443 on the edge'), approvers: [{ group: 'oncall' }], requireComment: 'approve' });
    const alice = await signedIn('alice');
    await untilListed(alice, [handle.workflowId], [handle.workflowId]);
    const entry = (await inboxOf(alice)).approvals.find((each) => each.workflowId === handle.workflowId)!;
    const { csrf } = entry;

    // The same rules: a comment is required; a stale digest is refused; a CSRF token must be the inbox's.
    const noComment = await decide(alice, entry, 'approve');
    expect({ status: noComment.status, code: (await errorOf(noComment)).code }).toEqual({ status: 422, code: 'COMMENT_REQUIRED' });
    // (A tool posts JSON with the same members.)
    const stale = await alice.request(`${gatewayUrl}/inbox/${encodeURIComponent(entry.workflowId)}/${entry.callbackId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ csrf, decision: 'approve', comment: 'ok', actionDigest: 'x'.repeat(43), executionChain: entry.executionChain }),
    });
    expect({ status: stale.status, code: (await errorOf(stale)).code }).toEqual({ status: 409, code: 'ACTION_CHANGED' });
    const forged = await alice.postForm(`${gatewayUrl}/inbox/${encodeURIComponent(entry.workflowId)}/${entry.callbackId}`, { csrf: 'forged', decision: 'approve', comment: 'ok', actionDigest: entry.actionDigest, executionChain: entry.executionChain }, { accept: 'application/json' });
    expect({ status: forged.status, code: (await errorOf(forged)).code }).toEqual({ status: 403, code: 'CSRF_TOKEN_INVALID' });

    // A browser's form: the vote counts, and the browser is sent back to the inbox, which says so and no longer lists it.
    const voted = await decide(alice, entry, 'approve', { comment: 'Change window agreed.' }, 'text/html');
    expect(voted.status).toBe(303);
    expect(voted.headers.get('location')).toBe('/inbox?voted=approve');
    const back = await (await alice.request(`${gatewayUrl}${voted.headers.get('location')}`)).text();
    expect(back).toContain('id="voted"');
    expect(back).not.toContain(`id="approval-${entry.callbackId}"`);

    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'approved', decidedBy: 'votes' });
    expect(result.votes).toHaveLength(1);
    expect(result.votes[0]).toMatchObject({ decision: 'approve', comment: 'Change window agreed.', approver: { issuer: provider.issuer, subject: 'alice', via: 'oidc' } });
    expect(result.receipt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(await listed(alice, [handle.workflowId])).toEqual([]);

    // A decision posted for the closed wait gets the true answer.
    const late = await decide(alice, entry, 'reject', { csrf });
    expect(late.status).toBe(410);
    expect(['CALLBACK_CLOSED', 'WORKFLOW_CLOSED']).toContain((await errorOf(late)).code);
  });

  test('a cancelled approval leaves the list (the attribute is recomputed); a decision for it then is 410', async () => {
    const handle = await requestApproval({ action: ACTION('Drain node 7'), approvers: [{ group: 'oncall' }], cancelOnRelease: true });
    const alice = await signedIn('alice');
    await untilListed(alice, [handle.workflowId], [handle.workflowId]);
    const entry = (await inboxOf(alice)).approvals.find((each) => each.workflowId === handle.workflowId)!;
    const { csrf } = entry;
    // Cancelled by the workflow: the attribute is recomputed to nothing.
    await handle.signal('cancelApproval');
    await pollUntil('the attribute cleared', async () => ((await handle.describe()).typedSearchAttributes.get(APPROVERS_SEARCH_ATTRIBUTE) ?? []).length === 0, 20_000);
    expect(await listed(alice, [handle.workflowId])).toEqual([]);
    const late = await alice.postForm(
      `${gatewayUrl}/inbox/${encodeURIComponent(entry.workflowId)}/${entry.callbackId}`,
      { csrf, decision: 'approve', actionDigest: entry.actionDigest, executionChain: entry.executionChain },
      { accept: 'application/json' },
    );
    const { outcome } = await handle.result();
    expect(outcome).toBe('cancelled');
    expect(late.status).toBe(410);
    expect(['CALLBACK_CLOSED', 'WORKFLOW_CLOSED']).toContain((await errorOf(late)).code);
  });

  test('an approval carried through continue-as-new stays listed, and the vote reaches its chain\'s new run', async () => {
    const handle = await h.start<typeof rollingApproval>('rollingApproval', [{ options: { action: ACTION('Scale the queue workers'), approvers: [{ group: 'oncall' }], timeout: '10m' } }]);
    handles.push(handle);
    await waitForCallbackUrl(handle);
    const firstRun = (await handle.describe()).runId;
    await handle.signal('roll');
    await pollUntil('the second run', async () => (await h.client.workflow.getHandle(handle.workflowId).describe()).runId !== firstRun, 20_000);
    const alice = await signedIn('alice');
    await untilListed(alice, [handle.workflowId], [handle.workflowId]);
    const entry = (await inboxOf(alice)).approvals.find((each) => each.workflowId === handle.workflowId)!;
    expect(entry.executionChain).toBe(firstRun);
    const voted = await decide(alice, entry, 'approve');
    expect(voted.status).toBe(200);
    const result = await h.client.workflow.getHandle<typeof rollingApproval>(handle.workflowId).result();
    expect(result).toMatchObject({ outcome: 'approved', run: 2 });
    expect(result.votes.map((vote) => vote.approver.subject)).toEqual(['alice']);
  });

  test("a reissued approval link leaves the inbox's decisions standing: they come through no link", async () => {
    const handle = await requestApproval({ action: ACTION('Rotate the backup key'), approvers: [{ group: 'oncall' }] });
    const [approval] = await handle.query(approvalsQuery);
    const reissued = await reissueCallback(h.client, handle.workflowId, approval!.callbackId);
    expect(reissued.link).toBe(1);
    const alice = await signedIn('alice');
    await untilListed(alice, [handle.workflowId], [handle.workflowId]);
    const entry = (await inboxOf(alice)).approvals.find((each) => each.workflowId === handle.workflowId)!;
    const voted = await decide(alice, entry, 'approve');
    expect(voted.status).toBe(200);
    expect(await handle.result()).toMatchObject({ outcome: 'approved', votes: [{ approver: { subject: 'alice' } }] });
  });

  test('a terminated workflow leaves the list', async () => {
    const handle = await requestApproval({ action: ACTION('Reboot the bastion'), approvers: [{ group: 'oncall' }] });
    const alice = await signedIn('alice');
    await untilListed(alice, [handle.workflowId], [handle.workflowId]);
    await handle.terminate('no longer needed');
    await untilListed(alice, [handle.workflowId], []);
  });
});
