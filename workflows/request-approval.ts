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
import { approvalNotice, followApprovalReach, planNotifiedReach } from './approval-reach';
import { tellHandOff } from './approval-hand-off';
import { checkAction, checkApprovers, DEFAULT_APPROVAL_TIMEOUT, isText, rulesOf, type RequestApprovalOptions } from './approval-options';
import { approvalsQuery, reassignApprovalUpdate } from '../protocol/definitions';
import { NAME_PATTERN } from '../protocol/names';
import type { ApprovalActivities, CallbackActivities } from '../protocol/activity-contracts';
import type {
  ApprovalAction,
  ApprovalDecidedBy,
  ApprovalOutcome,
  ApprovalReassignment,
  ApprovalRecord,
  ApprovalReport,
  ApprovalVote,
  ReassignApprovalRequest,
} from '../protocol/approval-messages';
import type { NotificationReport } from '../protocol/notification-messages';

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
 * old approvers), and the inbox's search attribute follows the new approvers. With a notifier,
 * the new approvers' addresses and the webhooks are told (`approval-hand-off.ts`), beside the update.
 */
function reassign(request: ReassignApprovalRequest): ApprovalReassignment {
  const { entry, state } = reassignable(request);
  const reassignment: ApprovalReassignment = { at: new Date(Date.now()).toISOString(), approvers: request.approvers, reason: request.reason.trim() };
  state.approvers = request.approvers;
  state.reassignments = [...(state.reassignments ?? []), reassignment];
  state.delegations = state.delegations?.map((delegation) => {
    const used = state.votes.some((vote) => vote.onBehalfOf?.issuer === delegation.from.issuer && vote.onBehalfOf.subject === delegation.from.subject);
    return used || delegation.lapsed ? delegation : { ...delegation, lapsed: true as const };
  });
  entry.onHandedOff?.({ reassignment });
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
    // A delegate, or the approvers an operator reassigned it to, are told on the approval's own channels.
    if (notifier) entry.onHandedOff = (handOff) => tellHandOff(entry, state, notifier, handOff);
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
  const deadline = requestedAt + durationMs(options.timeout ?? DEFAULT_APPROVAL_TIMEOUT, 'timeout');
  const reach = planNotifiedReach(options, channels, { requestedAt, deadline }, checkApprovers, 'approval');
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
      timeout: options.timeout ?? DEFAULT_APPROVAL_TIMEOUT,
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
