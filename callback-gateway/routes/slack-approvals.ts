import express, { type RequestHandler } from 'express';
import { CallbackError, isCallbackError } from '../../protocol/errors';
import type { ApprovalDecision, VerifiedApprover, VoteReply } from '../../protocol/approval-messages';
import { parseSlackButtonValue, SLACK_ACTION_IDS } from '../../protocol/slack-approval';
import type { SyncDeliveryResult } from '../../protocol/callback-messages';
import { slackIssuer } from '../../workflows/approval-rules';
import type { CallbackTokenVerifier } from '../../tokens/verify-callback-token';
import type { Logger } from '../logger';
import { buildDelivery } from '../build-delivery';
import { limitPerClientIp, RATE_LIMIT_PART } from '../middleware/rate-limit';
import { READ_BODY_PART, readBody } from '../middleware/read-body';
import { refusing, type ContractPart } from '../contract/contract-parts';
import type { RouteContract } from '../contract/route-contract';
import { formBodySchema } from '../contract/schemas';
import type { GatewayRateLimits } from '../rate-limiter';
import { receivedBody, requestState } from '../request-state';
import type { ExecutionChains } from '../execution-chain';
import { deliverSync } from '../sync-delivery';
import { unavailable } from '../temporal-calls';
import { eventMalformed } from '../webhooks/provider-signature';
import { SLACK_HEADERS, verifySlack } from '../webhooks/verify-slack';
import { VOTE_WAIT_SECONDS } from './delivery';

/** Where Slack posts an approval button's click: the app's Interactivity Request URL. */
export const SLACK_APPROVALS_PATH = '/approvals/slack';

/** The only host a Slack `response_url` is on. */
const SLACK_RESPONSE_HOST = 'hooks.slack.com';

/** How long the gateway waits for Slack to take an answer posted to a `response_url`. */
const RESPONSE_URL_TIMEOUT_MS = 5_000;

/** Approving from Slack, as `createGateway` takes it (`SLACK_SIGNING_SECRET`, `SLACK_TEAM_IDS`). */
export interface SlackApprovalSettings {
  /** The Slack app's signing secrets (several while one is rotated). Never logged. */
  signingSecrets: readonly Uint8Array[];
  /** The workspaces (team ids, `T…`) whose clicks count; a click from any other is refused 403 `SLACK_WORKSPACE_NOT_ALLOWED`. */
  teamIds: readonly string[];
  /**
   * Origins (`http://127.0.0.1:5555`) besides `https://hooks.slack.com` that a `response_url` may
   * be on: a local stand-in Slack in tests and development only (`SLACK_RESPONSE_URL_ALLOW`).
   */
  responseUrlOrigins?: readonly string[];
}

/** What {@link slackApprovalRoutes} needs; resolved by `createGateway`. */
export interface SlackApprovalRouteDeps extends SlackApprovalSettings {
  chains: ExecutionChains;
  verifier: CallbackTokenVerifier;
  logger: Logger;
  maxBodyBytes: number;
  rateLimits?: GatewayRateLimits;
}

/** What {@link slackApprovalRoutes} refuses before it answers Slack: the signature, the timestamp, the interaction's shape, the workspace. */
const SLACK_VOTE_PART: ContractPart = {
  headers: SLACK_HEADERS,
  refusals: refusing('WEBHOOK_SIGNATURE_INVALID', 'WEBHOOK_TIMESTAMP_STALE', 'WEBHOOK_EVENT_MALFORMED', 'SLACK_WORKSPACE_NOT_ALLOWED'),
};

/** The contract of the route {@link slackApprovalRoutes} mounts (described whether or not Slack is configured: off, it is 404). */
export const SLACK_APPROVAL_ROUTE_CONTRACTS: readonly RouteContract[] = [
  {
    method: 'post',
    path: SLACK_APPROVALS_PATH,
    tag: 'Webhooks',
    summary: "Take an approval's vote from a Slack button",
    description:
      "The Slack app's Interactivity Request URL. Verified by Slack's signature (`X-Slack-Signature`, `X-Slack-Request-Timestamp`) with `SLACK_SIGNING_SECRET`; a click from a workspace not in `SLACK_TEAM_IDS` is refused 403. A `block_actions` click on a button made by `slackApprovalBlocks` is answered 200 at once (Slack wants an answer within 3 s) and then delivered as the clicking Slack user's vote (issuer `https://slack.com/<team id>`, subject the user id) through the approval workflow's update; the outcome is posted to the click's `response_url`: the message replaced with the tally or the decision, or, when the workflow refuses the vote (not an approver, their own request, ...), an ephemeral message to that person saying why. Any other authentic interaction is answered 200 and ignored.",
    body: { description: "Slack's interaction: a form whose `payload` field holds the JSON.", required: true, content: { 'application/x-www-form-urlencoded': { schema: formBodySchema } } },
    parts: [RATE_LIMIT_PART, READ_BODY_PART, SLACK_VOTE_PART],
    answers: { 200: { description: "Verified and taken (or ignored): an empty body, as Slack expects. The vote's outcome is posted to the `response_url`." } },
  },
];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** The parts of a `block_actions` click the gateway reads. */
interface SlackClick {
  teamId: string;
  /** The clicking user's own workspace, when Slack says (it differs from `teamId` in a Slack Connect channel). */
  userTeamId?: string;
  userId: string;
  userName?: string;
  /** The clicked button's `action_id`. */
  actionId?: string;
  value: unknown;
  responseUrl?: string;
  /** The message the buttons are on, to replace. */
  blocks?: unknown[];
}

/** The click in a verified `block_actions` payload, or `WEBHOOK_EVENT_MALFORMED` when it lacks what Slack always sends. */
function clickOf(payload: Record<string, unknown>): SlackClick {
  const team = isObject(payload.team) ? payload.team : {};
  const user = isObject(payload.user) ? payload.user : {};
  const actions = Array.isArray(payload.actions) ? payload.actions : [];
  const teamId = text(team.id);
  const userId = text(user.id);
  if (!teamId || !userId || !isObject(actions[0])) throw eventMalformed('A Slack block_actions interaction has team.id, user.id and actions; this one does not.');
  const message = isObject(payload.message) ? payload.message : {};
  return {
    teamId,
    userTeamId: text(user.team_id),
    userId,
    userName: text(user.name) ?? text(user.username),
    actionId: text(actions[0].action_id),
    value: actions[0].value,
    responseUrl: text(payload.response_url),
    blocks: Array.isArray(message.blocks) ? message.blocks : undefined,
  };
}

/** True when the gateway may post to `raw`: https on hooks.slack.com, or one of the configured stand-in origins. Never any other host (no SSRF). */
export function responseUrlAllowed(raw: string, extraOrigins: readonly string[] = []): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === 'https:' && url.hostname === SLACK_RESPONSE_HOST && url.port === '') return true;
  return extraOrigins.includes(url.origin);
}

/** A `response_url` as it may be logged: its origin only (its path is a credential for the message). */
function redacted(raw: string): string {
  try {
    return `${new URL(raw).origin}/…`;
  } catch {
    return '(not a URL)';
  }
}

/** What a person is told when the workflow did not judge their click in time (Temporal or its worker away). */
const NOT_ANSWERED = 'Your vote could not be recorded just now (the approval did not answer in time). Click again in a minute: a vote counts once.';

/** The block id of the status line the gateway adds to (and replaces in) an approval's message. */
const STATUS_BLOCK_ID = 'durable_callbacks_status';

const OUTCOME_WORDS: Record<string, string> = { approved: 'Approved', rejected: 'Rejected', timed_out: 'Timed out', cancelled: 'Cancelled' };

function isVoteReply(reply: unknown): reply is VoteReply {
  return isObject(reply) && reply.counted === true && typeof reply.approvals === 'number' && typeof reply.quorum === 'number';
}

/** The status line of a counted vote: the tally, or the outcome once decided. */
export function slackStatusLine(reply: VoteReply, userId: string, decidedAt: Date): string {
  const who = `<@${userId}>`;
  const tallyWords = `${reply.approvals} of ${reply.quorum} approvals, ${reply.rejections} of ${reply.rejectQuorum} rejections`;
  if (reply.outcome) {
    const time = decidedAt.toISOString().slice(11, 16);
    return `*${OUTCOME_WORDS[reply.outcome] ?? reply.outcome} by ${who}* at ${time} UTC (${tallyWords}).`;
  }
  return reply.decision === 'approve' ? `${reply.approvals} of ${reply.quorum} approvals: ${who} approved.` : `${who} rejected: ${tallyWords}.`;
}

/** The message's blocks with the status line in place (and the buttons gone once decided). */
function updatedBlocks(blocks: unknown[] | undefined, line: string, decided: boolean): unknown[] {
  const kept = (blocks ?? []).filter((block) => isObject(block) && block.block_id !== STATUS_BLOCK_ID && !(decided && block.type === 'actions'));
  return [...kept, { type: 'section', block_id: STATUS_BLOCK_ID, text: { type: 'mrkdwn', text: line } }];
}

/**
 * `POST /approvals/slack`: a Slack approval button's click, as Slack's signed interactive
 * request. The signature and timestamp are checked with the provider verifier (`verifySlack`),
 * then the workspace against `teamIds`, before anything else is read; the answer to Slack is 200
 * with an empty body at once. The click is then delivered as a vote with the same code a
 * browser's vote is (`buildDelivery`, `deliverSync`: the workflow's update only, never a signal),
 * with the Slack user as the approver and the action digest from the button's token; what the
 * workflow answered is posted to the click's `response_url` (only on hooks.slack.com, or a
 * configured stand-in origin).
 */
export function slackApprovalRoutes(deps: SlackApprovalRouteDeps): express.Router {
  const { chains, verifier, logger } = deps;
  const allowed = new Set(deps.teamIds);

  /** Posts `message` to the click's response_url; never throws, and never logs the URL's path. */
  const respond = async (click: SlackClick, message: Record<string, unknown>): Promise<void> => {
    const target = click.responseUrl;
    if (!target) return;
    if (!responseUrlAllowed(target, deps.responseUrlOrigins)) {
      logger.warn('slack response_url refused: not on hooks.slack.com', { responseUrl: redacted(target) });
      return;
    }
    try {
      const answer = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message),
        redirect: 'manual',
        signal: AbortSignal.timeout(RESPONSE_URL_TIMEOUT_MS),
      });
      if (!answer.ok) logger.warn('slack response_url answered with an error', { responseUrl: redacted(target), status: answer.status });
    } catch (err) {
      logger.warn('slack response_url could not be reached', { responseUrl: redacted(target), error: err instanceof Error ? err.name : 'unknown' });
    }
  };

  const ephemeral = (click: SlackClick, sentence: string) => respond(click, { response_type: 'ephemeral', replace_original: false, text: sentence });

  /** Delivers the click as a vote and tells Slack what came of it. Runs after Slack was answered; never throws. */
  const vote = async (req: express.Request, click: SlackClick, requestId: string | undefined): Promise<void> => {
    try {
      const button = parseSlackButtonValue(click.value);
      if (!button) throw new CallbackError('SLACK_BUTTON_INVALID', "This button is not a durable-callbacks approval's; nothing was recorded.");
      const claims = await verifier.verify(button.token);
      const binding = claims.approval;
      // An approval's URL never requires an API key or a sender's signature; a token that does is no approval button's, and a click cannot stand in for either.
      if (!binding || binding.identity !== 'signed-in' || claims.requiresApiKey || claims.signatureSender !== undefined) {
        throw new CallbackError('SLACK_BUTTON_INVALID', 'This button is not for an approval that takes identified votes; nothing was recorded.');
      }
      if (binding.maxAuthAgeSeconds !== undefined) {
        throw new CallbackError('SIGN_IN_TOO_OLD', 'This approval asks for a recent sign-in, which a Slack click cannot prove; nothing was recorded. Open the approval page to decide.');
      }
      const decision: ApprovalDecision = button.decision;
      const approver: VerifiedApprover = { issuer: slackIssuer(click.teamId), subject: click.userId, ...(click.userName ? { name: click.userName } : {}), via: 'slack' };
      // One person's click on one decision is one delivery: a re-click is the same vote.
      const deliveryId = `slack:${click.teamId}:${click.userId}:${claims.callbackId}:${decision}`;
      const delivery = buildDelivery(req, {
        callbackId: claims.callbackId,
        kind: 'complete',
        deliveryId,
        contentType: 'application/json',
        data: { decision },
        approver,
        actionDigest: binding.actionDigest,
        ...(claims.link ? { link: claims.link } : {}),
      });
      const result: SyncDeliveryResult | undefined = await deliverSync(chains, claims, delivery, VOTE_WAIT_SECONDS);
      if (!result) throw unavailable(new Error('no worker answered the vote in time'));
      logger.info('slack vote delivered', { requestId, callbackId: claims.callbackId, deliveryId, outcome: result.outcome });
      if (result.outcome === 'duplicate' || !isVoteReply(result.reply)) {
        return await ephemeral(click, 'Your vote on this request was already counted; a person counts once.');
      }
      const line = slackStatusLine(result.reply, click.userId, new Date());
      await respond(click, { replace_original: true, text: line, blocks: updatedBlocks(click.blocks, line, result.reply.outcome !== undefined) });
    } catch (err) {
      const refusal = isCallbackError(err) ? err : unavailable(err);
      logger.info('slack vote refused', { requestId, code: refusal.code });
      await ephemeral(click, refusal.code === 'TEMPORAL_UNAVAILABLE' ? NOT_ANSWERED : refusal.message);
    }
  };

  const take: RequestHandler = (req, res) => {
    const body = receivedBody(res);
    const verified = verifySlack(req, body, deps.signingSecrets, Math.floor(Date.now() / 1000));
    if (verified.event !== 'block_actions' || !isObject(verified.data)) return void res.status(200).end();
    const click = clickOf(verified.data);
    // A callback card's Open button is a link: Slack reports its click too, which is acknowledged and is no vote.
    if (click.actionId === SLACK_ACTION_IDS.open) return void res.status(200).end();
    const teams = [click.teamId, ...(click.userTeamId ? [click.userTeamId] : [])];
    if (!teams.every((team) => allowed.has(team))) {
      throw new CallbackError('SLACK_WORKSPACE_NOT_ALLOWED', "This click came from a Slack workspace this gateway does not take approvals from (SLACK_TEAM_IDS); nothing was recorded.");
    }
    const requestId = requestState(res).requestId;
    res.status(200).end();
    void vote(req, click, requestId);
  };

  const router = express.Router();
  router.post(SLACK_APPROVALS_PATH, limitPerClientIp(deps.rateLimits?.perIp), readBody(deps.maxBodyBytes), take);
  return router;
}
