import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { approvalsQuery, callbackUrlQuery, deliverCallbackUpdate } from '../protocol/definitions';
import type { ApprovalReport, VerifiedApprover, VoteReply } from '../workflows';
import { actionDigest } from '../tokens/action-digest';
import { cancelApprovalSignal, changeActionSignal, rollSignal, type AuditedApprovalInput } from './workflows/audited-approval';
import type { auditedApproval, rollingApproval } from './workflows';
import { pollUntil } from './support/async';
import { startHarness, type Harness } from './support/harness';
import { waitForCallbackUrl } from './support/wait-for-callback-url';

// requestApproval's rules, as the workflow enforces them, on a real worker against the tests'
// Temporal dev server. Each vote is the Temporal update the gateway sends for a vote, with the
// approver the gateway would have identified; the gateway's sign-in is tested on its own.

const ISSUER = 'https://id.example.com';
const person = (subject: string, extra: Partial<VerifiedApprover> = {}): VerifiedApprover => ({
  issuer: ISSUER,
  subject,
  email: `${subject}@example.com`,
  emailVerified: true,
  groups: ['secops'],
  via: 'oidc',
  authTime: new Date().toISOString(),
  ...extra,
});
const ALICE = person('alice');
const BOB = person('bob');
const REQUESTER = person('req');
const MALLORY = person('mallory', { groups: ['sales'] });

const ACTION = { title: 'Block 203.0.113.7 at the edge firewall', summary: 'Brute force against the VPN.', details: { ip: '203.0.113.7', ticket: 'SEC-1042' } };
const TWO_OF_SECOPS: AuditedApprovalInput = {
  action: ACTION,
  approvers: [{ group: 'secops' }],
  quorum: 2,
  initiator: { email: 'req@example.com' },
  requireComment: 'reject',
  signReceipt: false,
  timeout: '10m',
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

type Handle = WorkflowHandle<typeof auditedApproval>;

async function startApproval(input: AuditedApprovalInput): Promise<{ handle: Handle; report: ApprovalReport }> {
  const handle = await h.start<typeof auditedApproval>('auditedApproval', [input]);
  await waitForCallbackUrl(handle);
  const [report] = await handle.query(approvalsQuery);
  return { handle, report: report! };
}

interface VoteOptions {
  approver?: VerifiedApprover;
  data?: unknown;
  digest?: string;
  deliveryId?: string;
}

/** Sends one vote as the gateway does (a synchronous delivery), and returns the workflow's reply or its refusal code. */
async function vote(handle: Handle, report: ApprovalReport, options: VoteOptions): Promise<{ reply?: VoteReply; outcome?: string; refused?: string }> {
  const deliveryId = options.deliveryId ?? randomUUID();
  try {
    const result = await handle.executeUpdate(deliverCallbackUpdate, {
      updateId: `${report.callbackId}/${deliveryId}`,
      args: [
        {
          callbackId: report.callbackId,
          deliveryId,
          kind: 'complete',
          method: 'POST',
          contentType: 'application/json',
          data: options.data ?? { decision: 'approve' },
          query: {},
          headers: {},
          receivedAt: new Date().toISOString(),
          ...(options.approver ? { approver: options.approver } : {}),
          actionDigest: options.digest ?? report.actionDigest,
        },
      ],
    });
    return { reply: result.reply as VoteReply, outcome: result.outcome };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) return { refused: (err.cause as { type?: string }).type ?? String(err.cause) };
    throw err;
  }
}

describe('requestApproval', () => {
  test('binds the action: its digest is SHA-256 over its canonical JSON, as anyone can recompute it', async () => {
    const { handle, report } = await startApproval(TWO_OF_SECOPS);
    expect(report.actionDigest).toBe(actionDigest(ACTION));
    expect(report.actionDigest).toBe(actionDigest({ details: { ticket: 'SEC-1042', ip: '203.0.113.7' }, summary: ACTION.summary, title: ACTION.title }));
    expect(report).toMatchObject({ status: 'pending', action: ACTION, votes: [], rules: { quorum: 2, rejectQuorum: 1, allowSelfApproval: false, allowLinkHolders: false } });
    await handle.terminate();
  });

  test.each([
    ['nobody identified', { approver: undefined }, 'APPROVER_NOT_IDENTIFIED'],
    ['a link holder, where people must sign in', { approver: { issuer: 'link', subject: 'x', via: 'link' as const } }, 'APPROVER_NOT_IDENTIFIED'],
    ['a vote for another action (a stale page)', { approver: ALICE, digest: actionDigest({ title: 'Block 203.0.113.8' }) }, 'ACTION_CHANGED'],
    ['a person outside the approvers', { approver: MALLORY }, 'APPROVER_NOT_ELIGIBLE'],
    ['the requester approving their own request', { approver: REQUESTER }, 'SELF_APPROVAL_FORBIDDEN'],
    ['a rejection without the comment it asks for', { approver: ALICE, data: { decision: 'reject', comment: '  ' } }, 'COMMENT_REQUIRED'],
    ['not a vote', { approver: ALICE, data: { decision: 'maybe' } }, 'VOTE_INVALID'],
    ['a comment over 2000 characters', { approver: ALICE, data: { decision: 'approve', comment: 'x'.repeat(2001) } }, 'VOTE_INVALID'],
    ['an email the provider did not verify, matched by an email rule', { approver: person('eve', { groups: [], email: 'alice@example.com', emailVerified: false }) }, 'APPROVER_NOT_ELIGIBLE'],
  ])('refuses %s before anything is recorded', async (_what, options, code) => {
    const { handle, report } = await startApproval({ ...TWO_OF_SECOPS, approvers: [{ group: 'secops' }, { email: 'alice@example.com' }] });
    expect(await vote(handle, report, options)).toEqual({ refused: code });
    const [after] = await handle.query(approvalsQuery);
    expect(after!.votes).toEqual([]);
    await handle.terminate();
  });

  test('counts distinct people: a second vote by one person is theirs, answered as their first, and two approvers decide', async () => {
    const { handle, report } = await startApproval(TWO_OF_SECOPS);
    const first = await vote(handle, report, { approver: ALICE, data: { decision: 'approve', comment: 'Seen the logs.' } });
    expect(first).toEqual({ outcome: 'accepted', reply: { counted: true, decision: 'approve', approvals: 1, rejections: 0, quorum: 2, rejectQuorum: 1 } });
    // Alice again, from another browser: not a second approval.
    const again = await vote(handle, report, { approver: { ...ALICE, authTime: new Date().toISOString() } });
    expect(again).toEqual({ outcome: 'duplicate', reply: first.reply });
    // The requester may reject their own request, just not approve it.
    const decided = await vote(handle, report, { approver: BOB });
    expect(decided.reply).toMatchObject({ approvals: 2, outcome: 'approved' });

    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'approved', decidedBy: 'votes' });
    expect(result.votes.map((each) => [each.approver.subject, each.decision, each.comment])).toEqual([
      ['alice', 'approve', 'Seen the logs.'],
      ['bob', 'approve', undefined],
    ]);
    expect(result.votes[0]).toMatchObject({ approver: { issuer: ISSUER, subject: 'alice', email: 'alice@example.com', via: 'oidc' }, actionDigest: report.actionDigest });
    expect(result.votes[0]!.approver).not.toHaveProperty('groups');
    expect(result.record).toMatchObject({
      version: 1,
      workflowId: handle.workflowId,
      callbackId: report.callbackId,
      action: ACTION,
      actionDigest: report.actionDigest,
      outcome: 'approved',
      decidedBy: 'votes',
      initiator: { email: 'req@example.com' },
      rules: { quorum: 2 },
    });
    expect(result.receipt).toBeUndefined();
  });

  test('ends rejected at the first rejection (with its comment), however many approvals it needed', async () => {
    const { handle, report } = await startApproval({ ...TWO_OF_SECOPS, quorum: 3 });
    await vote(handle, report, { approver: ALICE });
    const rejected = await vote(handle, report, { approver: REQUESTER, data: { decision: 'reject', comment: 'Wrong IP: that is our office.' } });
    expect(rejected.reply).toMatchObject({ outcome: 'rejected', approvals: 1, rejections: 1 });
    expect(await handle.result()).toMatchObject({ outcome: 'rejected', decidedBy: 'votes' });
  });

  test("records a timeout as the author chose: onTimeout 'reject' is a rejection decided by the timeout", async () => {
    const { handle } = await startApproval({ ...TWO_OF_SECOPS, timeout: '2s', onTimeout: 'reject' });
    expect(await handle.result()).toMatchObject({ outcome: 'rejected', decidedBy: 'timeout', votes: [] });
    const [report] = await handle.query(approvalsQuery);
    expect(report).toMatchObject({ status: 'rejected', record: { outcome: 'rejected', decidedBy: 'timeout' } });
  });

  test('lets link holders decide only when the author opts in, and records them as link holders', async () => {
    const { handle, report } = await startApproval({ action: { title: 'Acknowledge the maintenance window' }, allowLinkHolders: true, signReceipt: false, timeout: '10m' });
    expect(report.rules.allowLinkHolders).toBe(true);
    const linkHolder: VerifiedApprover = { issuer: 'link', subject: 'delivery-1', via: 'link' };
    expect((await vote(handle, report, { approver: linkHolder })).reply).toMatchObject({ outcome: 'approved' });
    expect((await handle.result()).votes[0]!.approver).toEqual(linkHolder);
  });

  test('is cancelled by the workflow, and the record says who ended it', async () => {
    const { handle, report } = await startApproval({ ...TWO_OF_SECOPS, cancelOnRelease: true });
    await vote(handle, report, { approver: ALICE });
    await handle.signal(cancelApprovalSignal);
    expect(await handle.result()).toMatchObject({ outcome: 'cancelled', decidedBy: 'workflow', votes: [{ approver: { subject: 'alice' } }] });
  });

  test('changes its action: earlier votes stop counting, the old digest is refused with ACTION_CHANGED, and the new URL decides', async () => {
    const changed = { ...ACTION, details: { ...ACTION.details, ip: '203.0.113.8' } };
    const { handle, report } = await startApproval({ ...TWO_OF_SECOPS, changeTo: changed });
    const oldUrl = await handle.query(callbackUrlQuery);
    await vote(handle, report, { approver: ALICE });
    await handle.signal(changeActionSignal);
    await pollUntil('the action changed', async () => (await handle.query(approvalsQuery))[0]!.actionDigest === actionDigest(changed), 10_000);
    const newUrl = await handle.query(callbackUrlQuery);
    expect(newUrl).not.toBe(oldUrl);
    // Bob's page still shows the old action.
    expect(await vote(handle, report, { approver: BOB })).toEqual({ refused: 'ACTION_CHANGED' });
    const current = { ...report, actionDigest: actionDigest(changed) };
    expect((await vote(handle, current, { approver: ALICE })).reply).toMatchObject({ approvals: 1 });
    expect((await vote(handle, current, { approver: BOB })).reply).toMatchObject({ outcome: 'approved' });
    const { record } = await handle.result();
    expect(record).toMatchObject({ action: changed, actionDigest: actionDigest(changed) });
    expect(record.votes.map((each) => each.approver.subject)).toEqual(['alice', 'bob']);
    expect(record.superseded).toEqual([expect.objectContaining({ approver: expect.objectContaining({ subject: 'alice' }), actionDigest: report.actionDigest })]);
  });

  test('carries its votes through continue-as-new: the URL keeps working and a person is still counted once', async () => {
    const handle = await h.start<typeof rollingApproval>('rollingApproval', [{ options: TWO_OF_SECOPS }]);
    await waitForCallbackUrl(handle);
    const firstRun = (await handle.describe()).runId;
    const [report] = await handle.query(approvalsQuery);
    await vote(handle as unknown as Handle, report!, { approver: ALICE });
    await handle.signal(rollSignal);
    // The next run answers with the same votes: Alice again is still Alice.
    const next = h.client.workflow.getHandle<typeof auditedApproval>(handle.workflowId);
    await pollUntil('the next run carries the approval', async () => {
      const description = await next.describe();
      if (description.runId === firstRun) return false;
      const [carried] = await next.query(approvalsQuery).catch(() => []);
      return carried?.votes.length === 1;
    }, 20_000);
    expect(await vote(next, report!, { approver: ALICE })).toMatchObject({ outcome: 'duplicate' });
    expect((await vote(next, report!, { approver: BOB })).reply).toMatchObject({ outcome: 'approved', approvals: 2 });
    const result = await next.result();
    expect(result).toMatchObject({ outcome: 'approved', record: { executionChain: firstRun, callbackId: report!.callbackId } });
    expect(result.votes.map((each) => each.approver.subject)).toEqual(['alice', 'bob']);
  });

  test.each([
    ['no approvers and no link holders', { action: ACTION }, 'needs approvers'],
    ['approvers and link holders at once', { action: ACTION, approvers: [{ group: 'a' }], allowLinkHolders: true }, 'choose one'],
    ['a share of a group', { action: ACTION, approvers: [{ group: 'a' }], quorum: { share: 0.5 } }, 'must name one person'],
    ['an action without a title', { action: { title: ' ' }, approvers: [{ group: 'a' }] }, 'title'],
    ['a rule with an unknown field', { action: ACTION, approvers: [{ role: 'admin' }] }, 'role'],
    ['link holders with a quorum of two', { action: ACTION, allowLinkHolders: true, quorum: 2 }, 'quorum of 1'],
  ])('refuses to start with %s, saying what is wrong', async (_what, input, message) => {
    const handle = await h.start<typeof auditedApproval>('auditedApproval', [{ signReceipt: false, ...input } as AuditedApprovalInput]);
    const failure = await handle.result().then(
      () => undefined,
      (err: { cause?: { type?: string; message?: string } }) => err.cause,
    );
    expect(failure).toMatchObject({ type: 'INVALID_CALLBACK_OPTIONS' });
    expect(failure?.message).toContain(message);
  });
});
