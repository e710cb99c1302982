import type { ActivityOptions, Duration } from '@temporalio/common';
import { ApplicationFailure, setHandler, workflowInfo } from '@temporalio/workflow';
import { decide, nobodyCanApprove, timeoutOutcome, type ApprovalState } from './approval-rules';
import { CallbackHandle } from './callback-handle';
import { callbackRegistry, type CallbackEntry } from './callback-registry';
import { mintCallback } from './create-callback';
import { linkInput, linkSettingsOf, oneLinkAtATime, reissueLink } from './callback-link';
import { durationMs, invalidOption } from './durations';
import { scheduledActivities } from './schedule-activity';
import type { ReissueOptions, Wait } from './types';
import { listPendingApprovals } from './approvers-attribute';
import { checkNotifyChannels, Notifier } from './notify';
import { approvalNotice, followApprovalReach, planReach, type ReachOptions } from './approval-reach';
import { approvalsQuery, reassignApprovalUpdate } from '../protocol/definitions';
import { NAME_PATTERN } from '../protocol/names';
import type { ApprovalActivities, CallbackActivities } from '../protocol/activity-contracts';
import type {
  ApprovalAction,
  ApprovalDecidedBy,
  ApprovalInitiator,
  ApprovalOutcome,
  ApprovalReassignment,
  ApprovalRecord,
  ApprovalReport,
  ApprovalRules,
  ApprovalVote,
  ApproverRule,
  ReassignApprovalRequest,
} from '../protocol/approval-messages';
import type { NotificationReport, NotifyChannel } from '../protocol/notification-messages';

/** Options of {@link requestApproval}. */
export interface RequestApprovalOptions extends ReachOptions {
  /** What is being approved. Its digest is bound into the URL and every vote; a changed action needs a new request. */
  action: ApprovalAction;
  /**
   * Who may decide: a person matches when any rule matches them (all of one rule's fields must).
   * Required unless `allowLinkHolders`.
   */
  approvers?: ApproverRule[];
  /**
   * Distinct people who must approve (default 1), or `{ share }` of the approvers, rounded up,
   * when every rule names one person (a subject, an email or a Slack user, no group or domain).
   */
  quorum?: number | { share: number };
  /** Distinct people whose rejection ends it rejected. Default 1: any one rejection. */
  rejectWhen?: { rejections: number };
  /** How long the request waits for a decision; the URL lives five minutes longer. Default 7 days. */
  timeout?: Duration;
  /**
   * How long each URL of the request is accepted, when shorter than `timeout` (at most `timeout`);
   * {@link Approval.reissue} hands out a fresh one. Default: as long as the request waits.
   */
  linkExpiresIn?: Duration;
  /** What running out of time means. Default `timed_out` (neither approved nor rejected). */
  onTimeout?: ApprovalRules['onTimeout'];
  /** Who asked. With `allowSelfApproval` false (the default), they cannot approve it themselves. */
  initiator?: ApprovalInitiator;
  /** Let the initiator approve their own request. Default false. */
  allowSelfApproval?: boolean;
  /**
   * Who decides when nobody among `approvers` ever could: every rule names one person, and each
   * is the initiator, who may not approve their own request. The request then goes to these
   * approvers at once, recorded (`fallbackFrom` in the record). Without it such a request fails
   * with `INVALID_CALLBACK_OPTIONS` rather than wait in silence. Cases the workflow cannot prove
   * (a group whose only member asked) are for an operator's reassignment.
   */
  fallback?: ApproverRule[];
  /**
   * Let anyone holding the URL decide, without signing in (the gateway records them as link
   * holders, `via: 'link'`: nobody in particular). For approvals that need no audit of who
   * decided; not with `approvers`, and with a quorum of 1. Default false.
   */
  allowLinkHolders?: boolean;
  /** Ask for a comment with an approval, a rejection, or both (`true`). Default none. */
  requireComment?: boolean | 'approve' | 'reject';
  /** Require a sign-in at most this old when the person decides (the provider is asked to re-authenticate: OIDC `max_age`). */
  maxSignInAge?: Duration;
  /** A label for the callback the approval is built on (`callbacks` query, `publishCallbackUrls`). */
  label?: string;
  /** Sign a receipt of the decision with the worker's receipt key (`signApprovalReceipt`). Default true. */
  signReceipt?: boolean;
  /** How to schedule the minting and signing activities; as `createCallback`'s `mintWith`. */
  activitiesWith?: 'activity' | 'localActivity';
  /** Activity options for them, on top of the defaults. */
  activityOptions?: ActivityOptions;
  /**
   * Tell people where to decide: mail the link, post a card with buttons to Slack, or POST a signed
   * webhook (the worker needs the plugin's `notifications`). Sent beside the wait, never blocking
   * it; withdrawn when it ends (the card rewritten with the outcome). The result's `notifications`
   * says what was sent, withdrawn, or failed.
   */
  notify?: NotifyChannel[];
  /** How the notification activities are scheduled, on top of `DEFAULT_NOTIFY_ACTIVITY_OPTIONS` (five attempts, backoff from 1 s). */
  notifyActivityOptions?: ActivityOptions;
}

/** What an approval ended in: the outcome, what decided it, the counted votes, the record, and the receipt that signs it. */
export interface ApprovalResult {
  outcome: ApprovalOutcome;
  decidedBy: ApprovalDecidedBy;
  votes: ApprovalVote[];
  record: ApprovalRecord;
  /** The signed record (a compact JWS), unless `signReceipt: false`. */
  receipt?: string;
  /** What became of each notification (`notify`): sent, withdrawn, or why not. Empty without `notify`. */
  notifications: NotificationReport[];
}

/** A pending approval: hand its `url` to the people who decide, then `await decision()`. */
export interface Approval {
  readonly id: string;
  /** The approval page's URL: people open it in a browser, sign in and decide. */
  readonly url: string;
  readonly action: ApprovalAction;
  readonly actionDigest: string;
  /** `pending`, or how it ended. */
  readonly status: 'pending' | ApprovalOutcome;
  /** The votes counted so far. */
  readonly votes: readonly ApprovalVote[];
  /** Waits until the votes decide or the timeout passes, then records (and signs) the decision. Calling it again returns the same result. */
  decision(): Promise<ApprovalResult>;
  /** Ends the request now as `cancelled` (by the workflow); later votes are refused. `decision()` then returns at once. */
  cancel(): void;
  /**
   * Replaces the action being decided, and returns the approval's new URL (the same callback,
   * bound to the new digest). Votes so far were for the old action and no longer count (they are
   * kept in the record as `superseded`); a vote posted from a page showing the old action, or
   * through the old URL, is refused with `409 ACTION_CHANGED`, as are votes while the URL is
   * re-minted.
   * @throws `APPROVAL_DECIDED` when the approval was decided before the change could land.
   */
  changeAction(action: ApprovalAction): Promise<string>;
  /**
   * Mints a new URL for the same request and returns it: the same action digest and the same
   * rules on who may vote. The previous URL is refused from now on with `410
   * CALLBACK_LINK_REPLACED` (the approval page says the link was replaced); votes counted so far
   * still count, and receipts still answer.
   * @throws `CALLBACK_CLOSED` when the approval was decided; `INVALID_CALLBACK_OPTIONS` for a bad `linkExpiresIn`.
   */
  reissue(options?: ReissueOptions): Promise<string>;
}

const APPROVAL_OPTIONS = new Set<string>([
  'action', 'approvers', 'quorum', 'rejectWhen', 'timeout', 'linkExpiresIn', 'onTimeout', 'initiator', 'allowSelfApproval', 'allowLinkHolders',
  'requireComment', 'maxSignInAge', 'label', 'signReceipt', 'activitiesWith', 'activityOptions',
  'notify', 'notifyActivityOptions', 'remind', 'escalate', 'warnBefore', 'fallback',
]);
const RULE_FIELDS = new Set<string>(['issuer', 'subject', 'email', 'emailDomain', 'group', 'slackUserId', 'slackTeamId']);
const ON_TIMEOUT = new Set<string>(['timed_out', 'reject', 'approve', 'cancel']);
const DEFAULT_TIMEOUT: Duration = '7d';

const isText = (value: unknown, max: number): value is string => typeof value === 'string' && value.trim().length > 0 && value.length <= max;
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 1;

function checkAction(action: unknown): ApprovalAction {
  if (typeof action !== 'object' || action === null || Array.isArray(action)) throw invalidOption('requestApproval needs an action: { title, summary?, details? }.');
  const { title, summary, details, ...rest } = action as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw invalidOption(`An approval's action has title, summary and details only; got ${Object.keys(rest).join(', ')}.`);
  if (!isText(title, 200)) throw invalidOption("An approval's action needs a title of 1 to 200 characters.");
  if (summary !== undefined && !isText(summary, 4000)) throw invalidOption("An approval's summary is text of at most 4000 characters.");
  if (details !== undefined && (typeof details !== 'object' || details === null || Array.isArray(details))) throw invalidOption("An approval's details are a JSON object.");
  return action as ApprovalAction;
}

/** True when `rule` names exactly one person. */
const namesOnePerson = (rule: ApproverRule) => rule.group === undefined && rule.emailDomain === undefined && (rule.subject !== undefined || rule.email !== undefined || rule.slackUserId !== undefined);

function checkApprovers(approvers: unknown): ApproverRule[] {
  if (!Array.isArray(approvers)) throw invalidOption('approvers is a list of rules such as { group: "it-admins" } or { email: "alice@example.com" }.');
  for (const rule of approvers as unknown[]) {
    if (typeof rule !== 'object' || rule === null) throw invalidOption(`An approver rule is an object; got ${JSON.stringify(rule)}.`);
    const fields = Object.entries(rule as Record<string, unknown>);
    const unknown = fields.filter(([name]) => !RULE_FIELDS.has(name)).map(([name]) => name);
    if (unknown.length > 0) throw invalidOption(`An approver rule takes ${[...RULE_FIELDS].join(', ')}; got ${unknown.join(', ')}.`);
    if (fields.length === 0 || fields.some(([, value]) => !isText(value, 320))) throw invalidOption(`An approver rule names at least one field, each non-empty text; got ${JSON.stringify(rule)}.`);
    const { slackTeamId, slackUserId, emailDomain, issuer, subject } = rule as ApproverRule;
    if (slackTeamId !== undefined && slackUserId === undefined) throw invalidOption('slackTeamId narrows a slackUserId rule; give the user too.');
    if (issuer !== undefined && subject === undefined) throw invalidOption('issuer narrows a subject rule; give the subject too.');
    if (emailDomain?.includes('@')) throw invalidOption(`emailDomain is a domain without '@' (example.com); got ${JSON.stringify(emailDomain)}.`);
  }
  return approvers as ApproverRule[];
}

function quorumOf(quorum: RequestApprovalOptions['quorum'], approvers: readonly ApproverRule[]): number {
  if (quorum === undefined) return 1;
  if (isCount(quorum)) return quorum;
  const share = typeof quorum === 'object' && quorum !== null ? quorum.share : undefined;
  if (typeof share !== 'number' || !(share > 0 && share <= 1)) throw invalidOption(`quorum is a whole number of people (1 or more) or { share } between 0 and 1; got ${JSON.stringify(quorum)}.`);
  if (approvers.length === 0 || !approvers.every(namesOnePerson)) {
    throw invalidOption('quorum: { share } counts the approvers, so every approver rule must name one person (subject, email or slackUserId; no group or emailDomain).');
  }
  return Math.max(1, Math.ceil(share * approvers.length - 1e-9));
}

/** The request's rules and approvers from its options, or `INVALID_CALLBACK_OPTIONS` saying what is wrong. */
export function rulesOf(options: RequestApprovalOptions): { rules: ApprovalRules; approvers: ApproverRule[]; fallbackFrom?: ApproverRule[] } {
  const unknownOptions = Object.keys(options).filter((name) => !APPROVAL_OPTIONS.has(name));
  if (unknownOptions.length > 0) throw invalidOption(`requestApproval does not take ${unknownOptions.join(', ')}.`);
  const allowLinkHolders = options.allowLinkHolders === true;
  if (allowLinkHolders && options.approvers !== undefined) throw invalidOption('allowLinkHolders lets anyone with the URL decide, so it takes no approvers; choose one.');
  if (!allowLinkHolders && (options.approvers === undefined || options.approvers.length === 0)) {
    throw invalidOption('requestApproval needs approvers (who may decide), or allowLinkHolders: true to let anyone holding the URL decide, recorded as such.');
  }
  if (allowLinkHolders && options.fallback !== undefined) throw invalidOption('allowLinkHolders lets anyone with the URL decide, so it needs no fallback approvers.');
  const declared = allowLinkHolders ? [] : checkApprovers(options.approvers);
  const fallback = options.fallback === undefined ? undefined : checkApprovers(options.fallback);
  if (fallback?.length === 0) throw invalidOption('fallback is a list of approver rules, such as [{ group: "it-admins" }]; give at least one, or leave it out.');
  const selfForbidden = options.allowSelfApproval !== true;
  const nobody = !allowLinkHolders && selfForbidden && nobodyCanApprove(declared, options.initiator);
  if (nobody && !fallback) {
    throw invalidOption('Nobody among the approvers could ever approve this request: each one names the initiator, who may not approve their own request. Declare fallback approvers (fallback: [{ group: "…" }]), name other approvers, or allowSelfApproval.');
  }
  if (nobody && nobodyCanApprove(fallback!, options.initiator)) throw invalidOption('The fallback approvers name only the initiator too, so nobody could ever approve this request; name someone else.');
  const approvers = nobody ? fallback! : declared;
  const quorum = quorumOf(options.quorum, approvers);
  if (allowLinkHolders && quorum !== 1) throw invalidOption('Link holders are nobody in particular, so they cannot make a quorum of distinct people: use a quorum of 1, or approvers.');
  const rejectQuorum = options.rejectWhen === undefined ? 1 : options.rejectWhen.rejections;
  if (!isCount(rejectQuorum)) throw invalidOption(`rejectWhen.rejections is a whole number of people, 1 or more; got ${JSON.stringify(rejectQuorum)}.`);
  const onTimeout = options.onTimeout ?? 'timed_out';
  if (!ON_TIMEOUT.has(onTimeout)) throw invalidOption(`onTimeout is 'timed_out', 'reject', 'approve' or 'cancel'; got ${JSON.stringify(onTimeout)}.`);
  const comment = options.requireComment ?? false;
  if (![true, false, 'approve', 'reject'].includes(comment)) throw invalidOption(`requireComment is true, false, 'approve' or 'reject'; got ${JSON.stringify(comment)}.`);
  const rules: ApprovalRules = {
    quorum,
    rejectQuorum,
    onTimeout,
    allowSelfApproval: options.allowSelfApproval === true,
    allowLinkHolders,
    requireComment: { approve: comment === true || comment === 'approve', reject: comment === true || comment === 'reject' },
  };
  if (options.maxSignInAge !== undefined) {
    if (allowLinkHolders) throw invalidOption('maxSignInAge asks for a fresh sign-in, and link holders do not sign in.');
    rules.maxAuthAgeSeconds = Math.ceil(durationMs(options.maxSignInAge, 'maxSignInAge') / 1000);
  }
  return { rules, approvers, ...(nobody ? { fallbackFrom: declared } : {}) };
}

/** The record of a decided approval: what the receipt signs. Built from workflow state only, so replays build the same bytes. */
function recordOf(entry: CallbackEntry, state: ApprovalState): ApprovalRecord {
  const info = workflowInfo();
  return {
    version: 1,
    namespace: info.namespace,
    workflowId: info.workflowId,
    executionChain: info.firstExecutionRunId,
    callbackId: entry.id,
    action: state.action,
    actionDigest: state.actionDigest,
    outcome: state.outcome!,
    decidedBy: state.decidedBy!,
    votes: state.votes,
    ...(state.superseded?.length ? { superseded: state.superseded } : {}),
    ...(state.escalations?.length ? { escalations: state.escalations } : {}),
    rules: state.rules,
    ...(state.initiator ? { initiator: state.initiator } : {}),
    requestedAt: new Date(entry.createdAt).toISOString(),
    decidedAt: new Date(state.decidedAt!).toISOString(),
    ...(state.delegations?.length ? { delegations: state.delegations } : {}),
    ...(state.reassignments?.length ? { reassignments: state.reassignments } : {}),
    ...(state.fallbackFrom ? { fallbackFrom: state.fallbackFrom } : {}),
  };
}

let queryInstalled = false;

/** The pending approval `request` names, or the refusal of an operator's reassignment of it. */
function reassignable(request: ReassignApprovalRequest): { entry: CallbackEntry; state: ApprovalState } {
  const entry = typeof request?.callbackId === 'string' ? callbackRegistry().entries.get(request.callbackId) : undefined;
  if (!entry?.approval) throw ApplicationFailure.create({ type: 'CALLBACK_UNKNOWN', message: `This workflow has no approval ${JSON.stringify(request?.callbackId)}.`, nonRetryable: true });
  if (entry.approval.outcome !== undefined || entry.status !== 'pending') {
    throw ApplicationFailure.create({ type: 'CALLBACK_CLOSED', message: `Approval ${entry.id} is ${entry.approval.outcome ?? entry.status}; only a pending approval can be reassigned.`, nonRetryable: true });
  }
  checkApprovers(request.approvers);
  if (request.approvers.length === 0) throw invalidOption('A reassignment names at least one approver rule.');
  if (!isText(request.reason, 500)) throw invalidOption('A reassignment says why: reason is text of 1 to 500 characters.');
  const state = entry.approval;
  if (!state.rules.allowSelfApproval && nobodyCanApprove(request.approvers, state.initiator)) {
    throw invalidOption('These approvers name only the initiator, who may not approve their own request: nobody could ever approve it. Name someone else.');
  }
  return { entry, state };
}

/**
 * Replaces a pending approval's approvers (an operator's `reassignApproval`): votes already
 * counted stay counted, hand-offs its delegates have not used lapse (they were given under the
 * old approvers), and the inbox's search attribute follows the new approvers.
 */
function reassign(request: ReassignApprovalRequest): ApprovalReassignment {
  const { state } = reassignable(request);
  const reassignment: ApprovalReassignment = { at: new Date(Date.now()).toISOString(), approvers: request.approvers, reason: request.reason.trim() };
  state.approvers = request.approvers;
  state.reassignments = [...(state.reassignments ?? []), reassignment];
  state.delegations = state.delegations?.map((delegation) => {
    const used = state.votes.some((vote) => vote.onBehalfOf?.issuer === delegation.from.issuer && vote.onBehalfOf.subject === delegation.from.subject);
    return used || delegation.lapsed ? delegation : { ...delegation, lapsed: true as const };
  });
  return reassignment;
}

/** Answers the `durableCallbacks.approvals` query and takes `durableCallbacks.reassignApproval` for the registry's approval entries (installed with the first approval). */
function installApprovalsQuery(): void {
  if (queryInstalled) return;
  queryInstalled = true;
  setHandler(reassignApprovalUpdate, reassign, { validator: (request) => void reassignable(request) });
  setHandler(approvalsQuery, () =>
    [...callbackRegistry().entries.values()].flatMap((entry): ApprovalReport[] => {
      const state = entry.approval;
      if (!state) return [];
      return [
        {
          callbackId: entry.id,
          status: state.outcome ?? 'pending',
          action: state.action,
          actionDigest: state.actionDigest,
          rules: state.rules,
          votes: state.votes,
          requestedAt: new Date(entry.createdAt).toISOString(),
          approvers: state.approvers,
          ...(state.initiator ? { initiator: state.initiator } : {}),
          ...(entry.timeoutAt === undefined ? {} : { deadline: new Date(entry.timeoutAt).toISOString() }),
          executionChain: workflowInfo().firstExecutionRunId,
          ...(state.delegations?.length ? { delegations: state.delegations } : {}),
          ...(state.reassignments?.length ? { reassignments: state.reassignments } : {}),
          ...(state.fallbackFrom ? { fallbackFrom: state.fallbackFrom } : {}),
          ...(state.outcome ? { record: recordOf(entry, state) } : {}),
          ...(state.receipt ? { receipt: state.receipt } : {}),
        },
      ];
    }),
  );
}

/** The {@link Approval} `requestApproval` returns: a view of its callback entry and approval state. */
class ApprovalHandle implements Approval {
  private result?: Promise<ApprovalResult>;
  private readonly callback: CallbackHandle;

  constructor(
    private readonly entry: CallbackEntry,
    private readonly state: ApprovalState,
    private readonly activities: ApprovalActivities | undefined,
    private readonly minting: CallbackActivities,
    private readonly notifier?: Notifier,
  ) {
    this.callback = new CallbackHandle(entry);
    // Slack cards carry the link in their buttons: a reissue, from workflow code or an operator's update, rewrites them.
    if (notifier) entry.onRelinked = () => notifier.refresh(approvalNotice(entry, state));
  }

  get id(): string {
    return this.entry.id;
  }
  get url(): string {
    return this.entry.url;
  }
  get action(): ApprovalAction {
    return this.state.action;
  }
  get actionDigest(): string {
    return this.state.actionDigest;
  }
  get status(): 'pending' | ApprovalOutcome {
    return this.state.outcome ?? 'pending';
  }
  get votes(): readonly ApprovalVote[] {
    return this.state.votes;
  }

  decision(): Promise<ApprovalResult> {
    this.result ??= this.decide();
    return this.result;
  }

  cancel(): void {
    decide(this.entry, this.state, 'cancelled', 'workflow');
  }

  async changeAction(action: ApprovalAction): Promise<string> {
    const next = checkAction(action);
    // After any reissue in flight: each new URL binds what the entry says when its minting begins.
    const url = await oneLinkAtATime(this.entry, () => this.mintForAction(next));
    this.notifier?.refresh(approvalNotice(this.entry, this.state));
    return url;
  }

  private async mintForAction(next: ApprovalAction): Promise<string> {
    const { state, entry } = this;
    if (state.outcome) throw decided(entry.id);
    const previous = state.actionDigest;
    // No digest matches while the new URL is minted: a vote now is for the old action, and is refused as such.
    state.actionDigest = '';
    let minted: { url: string; actionDigest?: string };
    try {
      minted = await this.minting.generateCallbackUrl(linkInput(entry, linkSettingsOf(entry)!, next));
    } catch (err) {
      state.actionDigest = previous;
      throw err;
    }
    if (minted.actionDigest === undefined) throw invalidOption('changeAction needs the generateCallbackUrl activity of this version, which binds the action digest.');
    state.superseded = [...(state.superseded ?? []), ...state.votes];
    state.votes = [];
    state.action = next;
    state.actionDigest = minted.actionDigest;
    entry.url = minted.url;
    entry.title = next.title;
    if (next.summary === undefined) delete entry.description;
    else entry.description = next.summary;
    return minted.url;
  }

  async reissue(options: ReissueOptions = {}): Promise<string> {
    return (await reissueLink(this.entry, options)).url;
  }

  private async decide(): Promise<ApprovalResult> {
    // A stream callback: the votes arrive as deliveries, and a decision closes it (approval-rules' decide).
    await this.callback.wait();
    // The wait ended without a decision: its deadline passed.
    decide(this.entry, this.state, timeoutOutcome(this.state.rules), 'timeout');
    const record = recordOf(this.entry, this.state);
    if (this.activities) this.state.receipt = (await this.activities.signApprovalReceipt(record)).receipt;
    const { outcome, decidedBy, votes, receipt } = this.state;
    // Withdrawal waits for sends still retrying, bounded by their retry policy; it never throws.
    if (this.notifier) await this.notifier.withdraw({ outcome: outcome!, decidedBy: decidedBy!, votes: [...votes] });
    const notifications = this.notifier?.reports() ?? [];
    return { outcome: outcome!, decidedBy: decidedBy!, votes: [...votes], record, ...(receipt ? { receipt } : {}), notifications };
  }
}

/**
 * Asks people for a decision on one action, and waits for it durably: mints an approval URL
 * bound to the action's digest, counts each eligible person's vote once, and decides by the
 * rules given here, which the workflow enforces (a vote that breaks one is refused before it is
 * recorded, with its code: `APPROVER_NOT_ELIGIBLE`, `SELF_APPROVAL_FORBIDDEN`, `ACTION_CHANGED`,
 * `COMMENT_REQUIRED`, `SIGN_IN_TOO_OLD`, `APPROVER_NOT_IDENTIFIED`, `VOTE_INVALID`). The gateway
 * identifies each voter (the organisation's OpenID Connect sign-in, or Slack's signed request);
 * the decision's record, with every vote and its approver, is signed as a receipt anyone can
 * verify with the gateway's published keys.
 *
 * @example
 * ```ts
 * const approval = await requestApproval({
 *   action: { title: 'Block 203.0.113.7 at the edge firewall', details: { ip: '203.0.113.7', ticket: 'SEC-1042' } },
 *   approvers: [{ group: 'secops' }],
 *   quorum: 2,
 *   initiator: { email: requester },
 *   timeout: '4h',
 * });
 * await postToChannel(approval.url);
 * const { outcome, votes, receipt } = await approval.decision();
 * ```
 *
 * @throws `ApplicationFailure` of type `INVALID_CALLBACK_OPTIONS` for bad options, and the
 *   minting activity's failure (`INVALID_APPROVAL_ACTION` for an action that is not JSON or too large).
 */
export async function requestApproval(options: RequestApprovalOptions): Promise<Approval> {
  if (typeof options !== 'object' || options === null) throw invalidOption('requestApproval takes options: { action, approvers, … }.');
  const action = checkAction(options.action);
  const { rules, approvers, fallbackFrom } = rulesOf(options);
  if (options.label !== undefined && !NAME_PATTERN.test(options.label)) throw invalidOption(`label is 1 to 64 of A-Z a-z 0-9 . _ -; got ${JSON.stringify(options.label)}.`);
  const channels = options.notify === undefined ? [] : checkNotifyChannels(options.notify);
  // Planned before anything is minted, at the time the entry is created (workflow time stands still until the first await).
  const requestedAt = Date.now();
  const reach = planReach(options, requestedAt, requestedAt + durationMs(options.timeout ?? DEFAULT_TIMEOUT, 'timeout'), checkApprovers);
  if (reach?.steps.some((step) => step.kind !== 'escalation') && channels.length === 0) {
    throw invalidOption("remind and warnBefore tell the approval's people again, on its notify channels: give notify too.");
  }
  reach?.steps.forEach((step) => step.kind === 'escalation' && checkNotifyChannels(step.notify));
  const state: ApprovalState = {
    action,
    actionDigest: '',
    rules,
    approvers,
    ...(options.initiator ? { initiator: options.initiator } : {}),
    votes: [],
    ...(fallbackFrom ? { fallbackFrom } : {}),
    ...(channels.length ? { notify: channels } : {}),
    ...(reach ? { reach } : {}),
  };
  installApprovalsQuery();
  const entry = await mintCallback(
    {
      mode: 'stream',
      timeout: options.timeout ?? DEFAULT_TIMEOUT,
      ...(options.linkExpiresIn === undefined ? {} : { linkExpiresIn: options.linkExpiresIn }),
      title: action.title,
      ...(action.summary === undefined ? {} : { description: action.summary }),
      ...(options.label === undefined ? {} : { label: options.label }),
      ...(options.activitiesWith === undefined ? {} : { mintWith: options.activitiesWith }),
      ...(options.activityOptions === undefined ? {} : { activityOptions: options.activityOptions }),
    },
    { state },
  );
  listPendingApprovals();
  const notifier = notifierFor(state, options);
  notifier?.send(channels, { kind: 'request', approval: approvalNotice(entry, state) });
  followApprovalReach(entry, state, notifier);
  return new ApprovalHandle(entry, state, receiptActivities(options), mintingActivities(options), notifier);
}

/** The `APPROVAL_DECIDED` failure: the approval was decided before a change to it could land. */
function decided(callbackId: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'APPROVAL_DECIDED', message: `Approval ${callbackId} is already decided; its action can no longer change.`, nonRetryable: true });
}

/** How a restored approval signs its receipt and notifies: as {@link RequestApprovalOptions} say for a new one. */
export type RestoreApprovalOptions = Pick<RequestApprovalOptions, 'signReceipt' | 'activitiesWith' | 'activityOptions' | 'notifyActivityOptions'>;

/** A notifier when the approval tells anyone anything (its `notify` channels, or an escalation still to come that has channels). */
function notifierFor(state: ApprovalState, options: RestoreApprovalOptions): Notifier | undefined {
  const escalating = state.reach?.steps.slice(state.reach.done).some((step) => step.kind === 'escalation' && step.notify.length > 0) === true;
  if (!state.notify?.length && !escalating) return undefined;
  return new Notifier(options.notifyActivityOptions ? { activityOptions: options.notifyActivityOptions } : {});
}

function receiptActivities(options: RestoreApprovalOptions): ApprovalActivities | undefined {
  return options.signReceipt === false ? undefined : scheduledActivities<ApprovalActivities>(options.activitiesWith, options.activityOptions, 'activitiesWith');
}

function mintingActivities(options: RestoreApprovalOptions): CallbackActivities {
  return scheduledActivities<CallbackActivities>(options.activitiesWith, options.activityOptions, 'activitiesWith');
}

/**
 * The approval a callback restored by `restoreCallbacks` carries, after continue-as-new: its
 * action, rules and counted votes came with the snapshot, its URL keeps working, and a person
 * who voted in an earlier run is still counted once.
 *
 * @example
 * ```ts
 * const [restored] = restoreCallbacks(input.callbacks);
 * const approval = restoreApproval(restored);
 * const { outcome } = await approval.decision();
 * ```
 * @throws `INVALID_CALLBACK_OPTIONS` when the callback is not an approval's.
 */
export function restoreApproval(callback: Pick<Wait, 'id'>, options: RestoreApprovalOptions = {}): Approval {
  const entry = callbackRegistry().entries.get(callback.id);
  if (!entry?.approval) throw invalidOption(`Callback ${callback.id} is not an approval's: restoreApproval takes a callback that requestApproval created, restored with restoreCallbacks.`);
  installApprovalsQuery();
  listPendingApprovals();
  // This run's notifier: reminders and escalations still to come go on; cards an earlier run posted are not rewritten by it.
  const notifier = notifierFor(entry.approval, options);
  followApprovalReach(entry, entry.approval, notifier);
  return new ApprovalHandle(entry, entry.approval, receiptActivities(options), mintingActivities(options), notifier);
}
