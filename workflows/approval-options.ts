import type { ActivityOptions, Duration } from '@temporalio/common';
import { nobodyCanApprove } from './approval-rules';
import { durationMs, invalidOption } from './durations';
import type { ReachOptions } from './approval-reach';
import type { ApprovalAction, ApprovalInitiator, ApprovalRules, ApproverRule } from '../protocol/approval-messages';
import type { NotifyChannel } from '../protocol/notification-messages';

/**
 * What `requestApproval` takes, and the checks that turn it into the rules the workflow counts
 * votes by: bad options fail with `INVALID_CALLBACK_OPTIONS` and a sentence, before anything is
 * minted. Sandbox code.
 */

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

const APPROVAL_OPTIONS = new Set<string>([
  'action', 'approvers', 'quorum', 'rejectWhen', 'timeout', 'linkExpiresIn', 'onTimeout', 'initiator', 'allowSelfApproval', 'allowLinkHolders',
  'requireComment', 'maxSignInAge', 'label', 'signReceipt', 'activitiesWith', 'activityOptions',
  'notify', 'notifyActivityOptions', 'remind', 'escalate', 'warnBefore', 'fallback',
]);
const RULE_FIELDS = new Set<string>(['issuer', 'subject', 'email', 'emailDomain', 'group', 'slackUserId', 'slackTeamId']);
const ON_TIMEOUT = new Set<string>(['timed_out', 'reject', 'approve', 'cancel']);
/** How long an approval waits unless `timeout` says otherwise. */
export const DEFAULT_APPROVAL_TIMEOUT: Duration = '7d';

/** Non-blank text of at most `max` characters. */
export const isText = (value: unknown, max: number): value is string => typeof value === 'string' && value.trim().length > 0 && value.length <= max;
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 1;

/** The action as given, or `INVALID_CALLBACK_OPTIONS` saying what is wrong with it. */
export function checkAction(action: unknown): ApprovalAction {
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

/** Approver rules as given, or `INVALID_CALLBACK_OPTIONS` saying what is wrong with them. */
export function checkApprovers(approvers: unknown): ApproverRule[] {
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
