/**
 * What crosses the wire for approvals (`requestApproval`): the action a person approves, who
 * they proved to be, their vote, and the record of the decision that a receipt signs. Types
 * only, sandbox-safe. A vote is a `complete` delivery to the approval's callback whose `data`
 * is a {@link VoteInput}, and on which the gateway sets `approver` (who signed in) and
 * `actionDigest` (from the URL's token); nothing a sender posts can set either.
 */

/** A JSON value, as an action's details must be (they are hashed in canonical JSON, RFC 8785). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * What is being approved, as the approval page shows it. Its digest (SHA-256 over the RFC 8785
 * canonical JSON of this object, base64url) is bound into the URL's token and into every vote,
 * so a vote is for exactly what was shown.
 */
export interface ApprovalAction {
  /** One line: "Block 203.0.113.7 at the edge firewall". */
  title: string;
  /** A paragraph for the person deciding. */
  summary?: string;
  /** Structured details (the IP, the rule, the ticket), shown as a table and hashed with the rest. */
  details?: { [key: string]: JsonValue };
}

/** How an approver proved who they are. `link` is a link holder nobody identified (only when the request accepts them). */
export type ApprovalChannel = 'oidc' | 'slack' | 'link';

/**
 * A person as the gateway verified them: from the ID token of the organisation's OpenID Connect
 * provider (`via: 'oidc'`), from Slack's signed interactive request (`via: 'slack'`), or a link
 * holder (`via: 'link'`, issuer `link`, subject the delivery id: nobody in particular).
 */
export interface VerifiedApprover {
  /** The identity's issuer: the OIDC issuer URL, `https://slack.com/<team id>` for Slack, `link` for a link holder. */
  issuer: string;
  /** The subject at that issuer: OIDC `sub`, the Slack user id. Issuer and subject together name one person. */
  subject: string;
  email?: string;
  /** Whether the provider says it verified `email` (OIDC `email_verified`); an unverified email never matches a rule. */
  emailVerified?: boolean;
  name?: string;
  /** Groups the provider says the person is in (the claim the gateway is configured to read). */
  groups?: string[];
  via: ApprovalChannel;
  /** When the person last signed in at the provider (OIDC `auth_time`, ISO 8601), when it says. */
  authTime?: string;
}

/** What a person decides. */
export type ApprovalDecision = 'approve' | 'reject';

/** What the approval page (or any client) posts as a vote's data. */
export interface VoteInput {
  decision: ApprovalDecision;
  /** Why: required when the request asks for it (`requireComment`). At most 2,000 characters. */
  comment?: string;
}

/**
 * What the workflow answers a counted vote with (the `reply` of a synchronous delivery; a
 * person's second vote gets their first vote's): the tally after it, and the outcome once decided.
 */
export interface VoteReply {
  counted: true;
  decision: ApprovalDecision;
  approvals: number;
  rejections: number;
  /** Approvals needed. */
  quorum: number;
  /** Rejections that end it. */
  rejectQuorum: number;
  outcome?: ApprovalOutcome;
}

/** One counted vote, as the workflow recorded it. */
export interface ApprovalVote {
  /** Who voted, as the gateway verified them (without `groups`, which only decide eligibility). */
  approver: Omit<VerifiedApprover, 'groups'>;
  decision: ApprovalDecision;
  comment?: string;
  /** When the gateway received the vote (ISO 8601). */
  at: string;
  /** The digest of the action the vote is for. */
  actionDigest: string;
  /** The vote's delivery id: a retry of it is the same vote. */
  deliveryId: string;
  /**
   * The approver whose say this vote is, when `approver` voted as their delegate (the request was
   * handed to them): the vote counts as that person's one say, and as `approver`'s too.
   */
  onBehalfOf?: Omit<VerifiedApprover, 'groups'>;
}

/** One person a request can be handed to: a verified email, or an issuer and subject. */
export type DelegateIdentity = { email: string } | { issuer: string; subject: string };

/**
 * What an approver posts to hand a request to someone else instead of deciding it (approval page
 * or inbox, not Slack): from then on their say is the delegate's, and they cannot vote themselves.
 */
export interface DelegationInput {
  decision: 'delegate';
  delegateTo: DelegateIdentity;
  comment?: string;
}

/** An approver's hand-off of one request, as the workflow recorded it. */
export interface ApprovalDelegation {
  /** The approver who handed their say on. */
  from: Omit<VerifiedApprover, 'groups'>;
  /** Who holds it now: they may vote once on `from`'s behalf. */
  to: DelegateIdentity;
  comment?: string;
  /** When the gateway received the hand-off (ISO 8601). */
  at: string;
  deliveryId: string;
  /** Set when an operator reassigned the request before the delegate voted: the hand-off no longer counts. */
  lapsed?: true;
}

/** What the workflow answers an accepted hand-off with (the `reply` of its delivery). */
export interface DelegationReply {
  delegated: true;
  to: DelegateIdentity;
}

/**
 * An out-of-office delegation: `from` names `to` as their delegate until `until`, for every
 * request `from` may decide. Held durably by the delegate's `standingDelegations` workflow; the
 * gateway hands the ones a voter holds to the approval workflow (`CallbackDelivery.standingDelegations`),
 * which judges them.
 */
export interface StandingDelegation {
  /** The absent approver as verified when they set it, groups included: what makes them an approver of a request. */
  from: VerifiedApprover;
  /** The delegate: a verified email, lower-cased. */
  to: { email: string };
  /** Until when (ISO 8601): a vote received later does not count on `from`'s behalf. */
  until: string;
  /** When the gateway received it (ISO 8601). */
  setAt: string;
}

/** An operator's replacement of a pending approval's approvers, as recorded. */
export interface ApprovalReassignment {
  /** When the workflow recorded it (ISO 8601, workflow time). */
  at: string;
  /** The approvers from then on. */
  approvers: ApproverRule[];
  reason: string;
}

/** What `durableCallbacks.reassignApproval` takes: the approval, its new approvers, and why. */
export interface ReassignApprovalRequest {
  callbackId: string;
  approvers: ApproverRule[];
  /** Why (1 to 500 characters): recorded with the reassignment, and in the receipt. */
  reason: string;
}

/**
 * Who may decide. Each rule is one way to match a person; a person matches the list when any
 * rule matches them. Fields of one rule must all match.
 */
export interface ApproverRule {
  /** An OIDC issuer; with `subject`, one person. Without it, `subject` matches at any configured issuer. */
  issuer?: string;
  /** An OIDC subject (`sub`). */
  subject?: string;
  /** A verified email, compared without case. */
  email?: string;
  /** A verified email's domain (`example.com`, no `@`), compared without case. */
  emailDomain?: string;
  /** A group the provider lists the person in. */
  group?: string;
  /** A Slack user id (`U…`); with `slackTeamId`, only in that workspace. */
  slackUserId?: string;
  /** A Slack workspace (team) id: the click must come from it. */
  slackTeamId?: string;
}

/** The person who asked for an approval, named as an approver would be: by issuer and subject, by verified email, or by Slack user id. */
export type ApprovalInitiator = Pick<ApproverRule, 'issuer' | 'subject' | 'email' | 'slackUserId'>;

/** How an approval ended. */
export type ApprovalOutcome = 'approved' | 'rejected' | 'timed_out' | 'cancelled';

/**
 * What ended it: the votes, the timeout (with what the author chose it to mean), the workflow, or
 * a policy that approved without asking anyone (`withApproval`'s `autoApprove`; the record's
 * {@link ApprovalRecord.policy} says why).
 */
export type ApprovalDecidedBy = 'votes' | 'timeout' | 'workflow' | 'policy';

/**
 * The record of one approval's decision: what a receipt signs, and what
 * `durable-callbacks approvals show` prints. Everything in it is in the workflow's history.
 */
export interface ApprovalRecord {
  /** The record's format version. */
  version: 1;
  namespace: string;
  workflowId: string;
  /** The first run id of the workflow's execution chain. */
  executionChain: string;
  /**
   * The approval's callback id. For a policy's decision, which has no callback, a stable id the
   * workflow made for it (`uuid4()`, in history), which is the tool call's `approvalId`.
   */
  callbackId: string;
  action: ApprovalAction;
  actionDigest: string;
  outcome: ApprovalOutcome;
  decidedBy: ApprovalDecidedBy;
  /** The counted votes, for the current action, in the order they were recorded. */
  votes: ApprovalVote[];
  /** Votes cast for earlier versions of the action (before `changeAction`), which do not count; each carries the digest it was for. */
  superseded?: ApprovalVote[];
  /** Escalations that came before the decision, each adding approvers from its time on (`escalate`). */
  escalations?: ApprovalEscalation[];
  /** The rules the votes were counted by. */
  rules: ApprovalRules;
  /** Who asked, when the author named them. */
  initiator?: ApprovalInitiator;
  requestedAt: string;
  decidedAt: string;
  /** Hand-offs of the request from one approver to another, in the order recorded. */
  delegations?: ApprovalDelegation[];
  /** Operators' replacements of the approvers, in the order recorded. */
  reassignments?: ApprovalReassignment[];
  /**
   * The approvers the author declared, present when nobody among them could ever decide (each
   * names the initiator, who may not approve their own request) and the declared `fallback`
   * approvers were asked instead.
   */
  fallbackFrom?: ApproverRule[];
  /**
   * Present exactly when `decidedBy` is `policy`: the decision of a policy that approved the
   * action without asking anyone (`withApproval`'s `autoApprove`), with its reason. Such a record
   * is `approved`, has no votes, was requested and decided at the same moment, and its `rules`
   * are those a person would have been asked under.
   */
  policy?: { reason: string };
}

/** The rules an approval was decided by, as recorded. */
export interface ApprovalRules {
  /** Distinct people who must approve. */
  quorum: number;
  /** Distinct people whose rejection ends it rejected. */
  rejectQuorum: number;
  /** What running out of time means: `timed_out` (neither), or the author's choice of `reject`, `approve` or `cancel`, recorded as decided by the timeout. */
  onTimeout: 'timed_out' | 'reject' | 'approve' | 'cancel';
  allowSelfApproval: boolean;
  /** Whether an unidentified link holder may vote. */
  allowLinkHolders: boolean;
  requireComment: { approve: boolean; reject: boolean };
  /** Whether a vote needs a sign-in no older than this many seconds (OIDC `max_age`). */
  maxAuthAgeSeconds?: number;
}

/**
 * What the token of an approval's URL binds (claim `apv`): the action's digest, and whether the
 * gateway must identify each voter (`signed-in`) or may pass a link holder on (`link-holder`).
 */
export interface ApprovalBinding {
  actionDigest: string;
  identity: 'signed-in' | 'link-holder';
  /** A sign-in no older than this many seconds is required at decision time (`max_age`). */
  maxAuthAgeSeconds?: number;
}

/**
 * One approval as the workflow reports it (the `durableCallbacks.approvals` query): pending with
 * the votes so far, or decided with its record and, once signed, its receipt. Never the URL.
 */
export interface ApprovalReport {
  callbackId: string;
  status: 'pending' | ApprovalOutcome;
  action: ApprovalAction;
  actionDigest: string;
  rules: ApprovalRules;
  /** Counted votes for the current action. */
  votes: ApprovalVote[];
  requestedAt: string;
  /** Who may decide it (what the inbox judges a signed-in person by, with the rules in `approval-rules`). */
  approvers?: ApproverRule[];
  /** Who asked, when the author named them. */
  initiator?: ApprovalInitiator;
  /** When the request stops waiting for a decision (ISO 8601), when it has a timeout. */
  deadline?: string;
  /** The first run id of the workflow's execution chain: a vote from the inbox reaches only this chain. */
  executionChain?: string;
  /** Hand-offs so far (the inbox lists the request for each live delegate). */
  delegations?: ApprovalDelegation[];
  /** Operators' reassignments so far. */
  reassignments?: ApprovalReassignment[];
  /** The declared approvers, when the fallback approvers replaced them (see {@link ApprovalRecord.fallbackFrom}). */
  fallbackFrom?: ApproverRule[];
  /** When decided: what a receipt signs. */
  record?: ApprovalRecord;
  /** When decided and signed: the receipt (a compact JWS). */
  receipt?: string;
}

/** The JWS `typ` of an approval receipt. */
export const APPROVAL_RECEIPT_TYPE = 'dcb-approval+jwt';

/** An escalation as the record keeps it: when it came, and the approvers it added from then on. */
export interface ApprovalEscalation {
  at: string;
  approvers: ApproverRule[];
}
