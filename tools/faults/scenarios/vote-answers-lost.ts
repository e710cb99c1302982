import { randomBytes } from 'node:crypto';
import { issueSession } from '../../../callback-gateway/sign-in/session';
import { csrfTokenFor } from '../../../callback-gateway/sign-in/csrf';
import { approvalsQuery } from '../../../protocol/definitions';
import type { VerifiedApprover } from '../../../protocol/approval-messages';
import type { ApprovalResult } from '../../../workflows';
import { sleep } from '../../../test/support/async';
import { mapLimit } from '../../../test/support/pool';
import { describeExit, signalGroup } from '../../../test/support/processes';
import { waitForCallbackUrl } from '../../../test/support/wait-for-callback-url';
import type { approvalDrill } from '../support/approval-workflows';
import { DRILL_GROUP } from '../support/approval-workflows';
import { defineScenario, type ScenarioContext } from '../support/scenario';
import { errorText } from '../support/verify';

/** Approvals in the drill, each needing two distinct people. */
const APPROVALS = 60;
/** Votes in flight at once. */
const CONCURRENCY = 30;
/** Gateway-a is frozen, then SIGKILLed, once this many of the first votes were answered. */
const KILL_AFTER_ANSWERED = 15;
/** How long gateway-a stays frozen before the SIGKILL, while Temporal goes on recording the votes already on the wire. */
const FREEZE_MS = 2_000;
/** The issuer the drill's people come from: never contacted (the drill brings its own sessions). */
const ISSUER = 'http://127.0.0.1:9/drill-provider';

/** The drill's session secret (base64), the same for both gateways and the drill's own sessions. */
const DRILL_SESSION_SECRET = randomBytes(32).toString('base64');

/** One person of the drill group, with a session cookie both gateways accept. */
interface Voter {
  login: string;
  cookie: string;
  sessionId: string;
}

/** One approval of the drill: its workflow, URL, callback id and digest. */
interface DrillApproval {
  index: number;
  handle: Awaited<ReturnType<typeof startApproval>>['handle'];
  url: string;
  callbackId: string;
  actionDigest: string;
}

/** The answer to one vote request, or the error that ended it. */
interface VoteAnswer {
  status?: number;
  outcome?: string;
  code?: string;
  error?: string;
}

async function startApproval(ctx: ScenarioContext, index: number) {
  const handle = await ctx.client.workflow.start<typeof approvalDrill>('approvalDrill', { taskQueue: ctx.taskQueue, workflowId: `${ctx.name}-${index}-${randomBytes(4).toString('hex')}`, args: [index] });
  return { handle };
}

/** Sends `voter`'s approval of `approval` at `gatewayUrl`, with the delivery id the voter's retries share. */
async function vote(gatewayUrl: string, approval: DrillApproval, voter: Voter, secret: Uint8Array): Promise<VoteAnswer> {
  const url = approval.url.replace(/^https?:\/\/[^/]+/, gatewayUrl);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        accept: 'application/json',
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `dcb_session=${voter.cookie}`,
        'idempotency-key': `${voter.login}-vote-${approval.index}`,
      },
      body: new URLSearchParams({ decision: 'approve', csrf: csrfTokenFor(secret, voter.sessionId, approval.callbackId), actionDigest: approval.actionDigest }).toString(),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await response.json()) as { status?: string; error?: { code: string } };
    return { status: response.status, ...(body.status ? { outcome: body.status } : {}), ...(body.error ? { code: body.error.code } : {}) };
  } catch (err) {
    return { error: errorText(err) };
  }
}

const answered = (answer: VoteAnswer) => answer.status !== undefined;
const acceptedVote = (answer: VoteAnswer) => answer.status === 200 && (answer.outcome === 'accepted' || answer.outcome === 'duplicate');

/**
 * Issue #18's vote drill: the gateway killed between Temporal recording a vote and the answer.
 * Sixty approvals each need two distinct people of the drill group. The first person's votes go
 * to gateway-a, thirty at a time; once fifteen were answered, gateway-a is frozen (SIGSTOP) for
 * 2 s, while Temporal records what was on the wire, and SIGKILLed. Every vote left without an
 * answer is sent again, with the same delivery id, at gateway-b: it must be answered 200 as the
 * vote it was (`accepted`, or `duplicate` when the lost one was recorded), never refused. Then
 * the second person votes at gateway-b, and every approval must be approved with exactly the two
 * votes, the first person's counted once.
 */
export const voteAnswersLost = defineScenario({
  name: 'vote-answers-lost',
  summary: 'a gateway frozen and SIGKILLed while approval votes were in flight: each retried vote is answered as the vote it was, and counts once',
  setup: {
    gateways: [
      { name: 'gateway-a', signIn: { issuer: ISSUER, sessionSecret: DRILL_SESSION_SECRET } },
      { name: 'gateway-b', signIn: { issuer: ISSUER, sessionSecret: DRILL_SESSION_SECRET } },
    ],
    workers: [{ name: 'worker', workflows: 'approvals' }],
  },
  async run(ctx, { gateways: [gatewayA, gatewayB] }) {
    const secret = Buffer.from(DRILL_SESSION_SECRET, 'base64');
    const person = async (login: string): Promise<Voter> => {
      const approver: VerifiedApprover = { issuer: ISSUER, subject: login, email: `${login}@drill.example`, emailVerified: true, groups: [DRILL_GROUP], via: 'oidc' };
      const { cookie, session } = await issueSession(secret, approver);
      return { login, cookie, sessionId: session.id };
    };
    const [first, second] = [await person('first-approver'), await person('second-approver')];

    ctx.step(`starting ${APPROVALS} approvalDrill workflows (two approvals each)`);
    const approvals: DrillApproval[] = await mapLimit(Array.from({ length: APPROVALS }, (_, index) => index), 15, async (index) => {
      const { handle } = await startApproval(ctx, index);
      const url = await waitForCallbackUrl(handle, { timeoutMs: 120_000 });
      const [report] = await handle.query(approvalsQuery);
      return { index, handle, url, callbackId: report!.callbackId, actionDigest: report!.actionDigest };
    });

    ctx.step(`${first.login} votes on each at gateway-a, ${CONCURRENCY} at a time; after ${KILL_AFTER_ANSWERED} answers gateway-a is frozen for ${FREEZE_MS / 1000} s and SIGKILLed`);
    let answers = 0;
    let killed: Promise<void> | undefined;
    const firstVotes = await mapLimit(approvals, CONCURRENCY, async (approval) => {
      const answer = await vote(gatewayA.url, approval, first, secret);
      if (answered(answer) && ++answers === KILL_AFTER_ANSWERED) {
        signalGroup(gatewayA.pid, 'SIGSTOP');
        ctx.step(`${answers} answered: SIGSTOP to gateway-a (pid ${gatewayA.pid}); SIGKILL in ${FREEZE_MS / 1000} s`);
        killed = sleep(FREEZE_MS)
          .then(() => gatewayA.kill())
          .then((exit) => ctx.step(`gateway-a gone (${describeExit(exit)})`));
      }
      return answer;
    });
    if (!killed) throw new Error('the votes ended before gateway-a was frozen and killed');
    await killed;
    const lost = approvals.filter((_, i) => !answered(firstVotes[i]!));
    ctx.step(`first votes: ${firstVotes.filter(acceptedVote).length} answered 200, ${lost.length} left without an answer`);
    ctx.check(lost.length > 0, 'the kill caught votes in flight');
    ctx.check(firstVotes.filter(answered).every(acceptedVote), 'every vote gateway-a answered was answered 200');

    ctx.step(`retrying the ${lost.length} unanswered votes at gateway-b with the same delivery ids`);
    const retries = await mapLimit(lost, CONCURRENCY, (approval) => vote(gatewayB.url, approval, first, secret));
    const refused = retries.filter((answer) => !acceptedVote(answer));
    ctx.check(refused.length === 0, `every retried vote was answered 200 as the vote it was (${retries.filter((a) => a.outcome === 'duplicate').length} as duplicates of a recorded vote)${refused.length ? `; got ${JSON.stringify(refused.slice(0, 3))}` : ''}`);

    ctx.step(`${second.login} votes on each at gateway-b`);
    const secondVotes = await mapLimit(approvals, CONCURRENCY, (approval) => vote(gatewayB.url, approval, second, secret));
    ctx.check(secondVotes.every(acceptedVote), 'every second vote was answered 200');

    const results = await mapLimit(approvals, 15, async (approval) => approval.handle.result().catch((err: unknown) => ({ error: errorText(err) }) as unknown as ApprovalResult));
    const approved = results.filter((result) => result.outcome === 'approved');
    const exact = approved.filter((result) => result.votes.map((each) => each.approver.subject).join() === `${first.login},${second.login}`);
    ctx.check(approved.length === APPROVALS, `every approval was approved (${approved.length}/${APPROVALS})`);
    ctx.check(exact.length === APPROVALS, `every approval counted exactly the two people, the first once (${exact.length}/${APPROVALS})`);
    const appliedTwice = results.filter((result) => (result.votes?.filter((each) => each.approver.subject === first.login).length ?? 0) > 1).length;
    return { sent: APPROVALS, accepted: approvals.filter((_, i) => acceptedVote(firstVotes[i]!) || lost.includes(approvals[i]!)).length, resumed: exact.length, lost: APPROVALS - approved.length, appliedTwice };
  },
});
