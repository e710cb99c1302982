import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import {
  callbacksQuery,
  callbackStatusQuery,
  deliverCallbackSignal,
  deliverCallbackUpdate,
  deliveryReceiptQuery,
  parseFailureReport,
  WORKFLOW_REFUSALS,
} from '../protocol/definitions';
import type { CallbackDelivery, CallbackInfo, CallbackMode, CallbackStatus, CallbackStatusReport, DeliveryReceipt, PayloadIssue, RejectedDelivery, RejectionReason, SyncDeliveryResult } from '../protocol/callback-messages';
import type { CallbackSnapshot, CallbackState, PayloadSchema } from './types';
import { judgeVote, recordDelegation, recordVote } from './approval-rules';
import type { ApprovalDelegation, ApprovalReassignment, ApprovalVote } from '../protocol/approval-messages';
import type { Notifier } from './notify';

/** The most refused deliveries kept per callback for the `callbacks` query. */
const MAX_REJECTIONS_KEPT = 20;

/** Everything the workflow knows about one of its callbacks: its state, plus what is not data. */
export interface CallbackEntry extends CallbackState {
  seen: Set<string>;
  replies: Map<string, unknown>;
  /** The status each synchronously applied delivery was answered with: its receipt repeats that answer. */
  syncStatuses: Map<string, CallbackStatus>;
  schema?: PayloadSchema;
  reply?: (delivery: CallbackDelivery) => unknown;
  /** Called once a reissue gave the entry a new URL (an approval's or a callback's notifier rewrites the cards that carry the old one). */
  onRelinked?: () => void;
  /** Called once an approval's hand-off was recorded (a delegation applied, an operator's reassignment): its notifier tells the people it now names. */
  onHandedOff?: (handOff: { delegation: ApprovalDelegation } | { reassignment: ApprovalReassignment }) => void;
  /** A plain callback's notifier in this run (its `reach`), which `wait()` withdraws once the wait ends. */
  notifier?: Notifier;
}

type Verdict =
  | { kind: 'accept'; data: unknown; vote?: ApprovalVote; delegation?: ApprovalDelegation }
  /** A delivery id applied before; for an approval, also another vote by a person who voted (`sameAs`: their first vote's delivery id). */
  | { kind: 'duplicate'; sameAs?: string }
  | { kind: 'reject'; reason: RejectionReason; issues?: PayloadIssue[] };

function issuesOf(error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> }): PayloadIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

/**
 * This workflow's callbacks and the handlers that feed them. Module state is per workflow
 * execution: the worker gives every workflow its own copy of each bundled module.
 */
class CallbackRegistry {
  readonly entries = new Map<string, CallbackEntry>();

  /** `initial`: entries restored from a snapshot, in place before any buffered delivery is handed over. */
  constructor(initial: readonly CallbackEntry[] = []) {
    for (const entry of initial) this.entries.set(entry.id, entry);
    setHandler(deliverCallbackSignal, (delivery) => void this.apply(delivery));
    setHandler(deliverCallbackUpdate, (delivery) => this.applySync(delivery), {
      validator: (delivery) => {
        const verdict = this.judge(delivery);
        if (verdict.kind !== 'reject') return;
        throw ApplicationFailure.create({
          type: verdict.reason,
          message: WORKFLOW_REFUSALS[verdict.reason],
          nonRetryable: true,
          details: verdict.issues ? [verdict.issues] : [],
        });
      },
    });
    setHandler(callbacksQuery, () => [...this.entries.values()].map(infoOf));
    setHandler(callbackStatusQuery, (callbackId, deliveryId) => {
      const entry = this.entries.get(callbackId);
      return entry ? statusOf(entry, deliveryId) : null;
    });
    setHandler(deliveryReceiptQuery, (callbackId, deliveryId) => {
      const entry = this.entries.get(callbackId);
      return entry ? receiptOf(entry, deliveryId) : null;
    });
  }

  /** What the workflow would do with `delivery`, without doing it (the update validator uses this). */
  judge(delivery: CallbackDelivery): Verdict {
    const entry = this.entries.get(delivery.callbackId);
    if (!entry) return { kind: 'reject', reason: 'CALLBACK_UNKNOWN' };
    if (entry.seen.has(delivery.deliveryId)) return { kind: 'duplicate' };
    if (entry.status !== 'pending') {
      const alreadyCompleted = entry.status === 'completed' && delivery.kind === 'complete';
      return { kind: 'reject', reason: alreadyCompleted ? 'CALLBACK_ALREADY_COMPLETED' : 'CALLBACK_CLOSED' };
    }
    // Through a link the workflow reissued since: refused as replaced, while the wait goes on (a wait that ended says so above).
    if (delivery.link !== null && (delivery.link ?? 0) < (entry.link ?? 0)) return { kind: 'reject', reason: 'CALLBACK_LINK_REPLACED' };
    if (entry.approval) {
      const vote = judgeVote(entry.approval, delivery);
      if (vote.kind === 'accept') return { kind: 'accept', data: delivery.data, vote: vote.vote };
      if (vote.kind === 'delegate') return { kind: 'accept', data: delivery.data, delegation: vote.delegation };
      return vote;
    }
    if (delivery.kind === 'fail' && !parseFailureReport(delivery.data)) return { kind: 'reject', reason: 'INVALID_FAILURE_REPORT' };
    if (delivery.kind === 'complete' && entry.schema) {
      const parsed = entry.schema.safeParse(delivery.data);
      if (!parsed.success) return { kind: 'reject', reason: 'PAYLOAD_INVALID', issues: issuesOf(parsed.error) };
      return { kind: 'accept', data: parsed.data };
    }
    return { kind: 'accept', data: delivery.data };
  }

  /** Applies `delivery` once per delivery id: the path of signals, replays and retries alike. */
  apply(delivery: CallbackDelivery): Verdict {
    const verdict = this.judge(delivery);
    const entry = this.entries.get(delivery.callbackId);
    if (!entry) return verdict;
    if (verdict.kind === 'reject') {
      entry.rejected.push({
        deliveryId: delivery.deliveryId,
        kind: delivery.kind,
        reason: verdict.reason,
        receivedAt: delivery.receivedAt,
        ...(verdict.issues ? { issues: verdict.issues } : {}),
      });
      if (entry.rejected.length > MAX_REJECTIONS_KEPT) entry.rejected.shift();
      return verdict;
    }
    if (verdict.kind === 'duplicate') {
      // A person's second vote is theirs: its id is answered as their first vote was, and counts nothing.
      if (verdict.sameAs !== undefined) sameAnswerAs(entry, delivery.deliveryId, verdict.sameAs);
      return verdict;
    }
    entry.seen.add(delivery.deliveryId);
    const accepted = { ...delivery, data: verdict.data };
    switch (delivery.kind) {
      case 'heartbeat':
        entry.progress = { data: delivery.data, receivedAt: delivery.receivedAt, deliveryId: delivery.deliveryId };
        entry.lastHeartbeatAt = Date.now();
        break;
      case 'fail':
        entry.status = 'failed';
        entry.failure = { error: parseFailureReport(delivery.data)!, deliveryId: delivery.deliveryId, receivedAt: delivery.receivedAt };
        break;
      case 'complete':
        entry.deliveries.push(accepted);
        if (entry.mode === 'once') entry.status = 'completed';
        break;
    }
    const reply =
      verdict.vote && entry.approval
        ? recordVote(entry, entry.approval, verdict.vote)
        : verdict.delegation && entry.approval
          ? recordDelegation(entry.approval, verdict.delegation)
          : delivery.kind === 'complete' && entry.reply
            ? entry.reply(accepted)
            : null;
    entry.replies.set(delivery.deliveryId, reply);
    // Only here, past the dedup: a delivery applied before (a retry, a replayed signal's twin) tells nobody again.
    if (verdict.delegation && entry.approval) entry.onHandedOff?.({ delegation: verdict.delegation });
    return verdict;
  }

  private applySync(delivery: CallbackDelivery): SyncDeliveryResult {
    const verdict = this.apply(delivery);
    const entry = this.entries.get(delivery.callbackId)!;
    if (verdict.kind === 'accept') entry.syncStatuses.set(delivery.deliveryId, entry.status);
    return {
      outcome: verdict.kind === 'duplicate' ? 'duplicate' : 'accepted',
      status: entry.status,
      reply: entry.replies.get(delivery.deliveryId) ?? null,
      receivedAt: delivery.receivedAt,
    };
  }

  snapshot(): CallbackSnapshot {
    return {
      callbacks: [...this.entries.values()].map(({ seen, replies, syncStatuses, schema: _schema, reply: _reply, onRelinked: _onRelinked, onHandedOff: _onHandedOff, notifier: _notifier, ...rest }) => ({
        ...rest,
        seenDeliveryIds: [...seen],
        replies: [...replies],
        // Left out when empty, so a snapshot without synchronous deliveries is what it was before receipts read it.
        ...(syncStatuses.size > 0 ? { syncStatuses: [...syncStatuses] } : {}),
      })),
    };
  }
}

/** Answers `deliveryId` from now on as `sameAs` was answered: applied, with the same reply and synchronous status. */
function sameAnswerAs(entry: CallbackEntry, deliveryId: string, sameAs: string): void {
  entry.seen.add(deliveryId);
  entry.replies.set(deliveryId, entry.replies.get(sameAs) ?? null);
  const status = entry.syncStatuses.get(sameAs);
  if (status !== undefined) entry.syncStatuses.set(deliveryId, status);
}

/** What a schema that implements Standard JSON Schema (`~standard.jsonSchema`) offers. */
interface StandardJsonSchemaProps {
  jsonSchema?: { input?: (options: { target: string; libraryOptions?: Record<string, unknown> }) => Record<string, unknown> };
}

/**
 * The schema's JSON Schema (draft 2020-12) when it can describe itself through Standard JSON
 * Schema (`schema['~standard'].jsonSchema`: zod 4 classic, and other libraries that implement
 * it; zod mini does not); other schemas stay opaque. Asked of the schema itself, so no schema
 * library is loaded into the sandbox for it.
 */
function jsonSchemaOf(schema: PayloadSchema | undefined): Record<string, unknown> | undefined {
  const standard = (schema as { '~standard'?: StandardJsonSchemaProps } | undefined)?.['~standard'];
  const input = standard?.jsonSchema?.input;
  if (typeof input !== 'function') return undefined;
  try {
    return input({ target: 'draft-2020-12', libraryOptions: { unrepresentable: 'any' } });
  } catch {
    return undefined;
  }
}

function statusOf(entry: CallbackEntry, deliveryId: string | undefined): CallbackStatusReport {
  const schema = jsonSchemaOf(entry.schema);
  const report: CallbackStatusReport = {
    status: entry.status,
    mode: entry.mode,
    expiresAt: new Date(entry.linkExpiresAt ?? entry.expiresAt).toISOString(),
    ...(schema ? { schema } : {}),
    ...(entry.link ? { link: entry.link } : {}),
  };
  if (deliveryId === undefined) return report;
  if (entry.seen.has(deliveryId)) return { ...report, delivery: { deliveryId, outcome: 'applied' } };
  const refused = [...entry.rejected].reverse().find((rejected) => rejected.deliveryId === deliveryId);
  const delivery = refused
    ? { deliveryId, outcome: 'refused' as const, reason: refused.reason, ...(refused.issues ? { issues: refused.issues } : {}) }
    : { deliveryId, outcome: 'unknown' as const };
  return { ...report, delivery };
}

/**
 * What `entry` knows of `deliveryId`: applied (with the answer a synchronous delivery carried),
 * refused, or unknown. The receipt of a retry after the workflow closed.
 */
function receiptOf(entry: CallbackEntry, deliveryId: string): DeliveryReceipt {
  if (entry.seen.has(deliveryId)) {
    const status = entry.syncStatuses.get(deliveryId);
    return { outcome: 'applied', ...(status === undefined ? {} : { answer: { status, reply: entry.replies.get(deliveryId) ?? null } }) };
  }
  return { outcome: entry.rejected.some((rejected) => rejected.deliveryId === deliveryId) ? 'refused' : 'unknown' };
}

function infoOf(entry: CallbackEntry): CallbackInfo {
  return {
    id: entry.id,
    ...(entry.label === undefined ? {} : { label: entry.label }),
    ...(entry.title === undefined ? {} : { title: entry.title }),
    ...(entry.description === undefined ? {} : { description: entry.description }),
    ...(entry.form === undefined ? {} : { form: entry.form }),
    mode: entry.mode,
    status: entry.status,
    createdAt: new Date(entry.createdAt).toISOString(),
    expiresAt: new Date(entry.expiresAt).toISOString(),
    deliveries: entry.deliveries.length,
    ...(entry.progress ? { lastProgress: entry.progress } : {}),
    rejected: entry.rejected,
    ...(entry.webhook ? { webhook: entry.webhook } : {}),
    ...(entry.approval
      ? { approval: { action: entry.approval.action, actionDigest: entry.approval.actionDigest, ...(entry.approval.outcome ? { outcome: entry.approval.outcome } : {}) } }
      : {}),
    ...(entry.link ? { link: entry.link } : {}),
  };
}

/**
 * A new pending entry created now (workflow time), living `expiresInMs` and waiting `timeoutMs`
 * by default; `extra` adds what only one kind of callback has (label and page, or the webhook).
 */
export function pendingEntry(id: string, mode: CallbackMode, lifetime: { timeoutMs?: number; expiresInMs: number }, extra: Partial<CallbackEntry> = {}): CallbackEntry {
  const createdAt = Date.now();
  return {
    id,
    url: '',
    mode,
    status: 'pending',
    createdAt,
    expiresAt: createdAt + lifetime.expiresInMs,
    ...(lifetime.timeoutMs === undefined ? {} : { timeoutAt: createdAt + lifetime.timeoutMs }),
    deliveries: [],
    rejected: [],
    seen: new Set(),
    replies: new Map(),
    syncStatuses: new Map(),
    ...extra,
  };
}

let registry: CallbackRegistry | undefined;

/**
 * Returns this workflow's registry, installing the delivery signal, update and query handlers on
 * first use. Called before any URL is minted, so no delivery can arrive before its handler
 * exists (and the SDK buffers signals that arrive before any handler is set).
 */
export function callbackRegistry(): CallbackRegistry {
  registry ??= new CallbackRegistry();
  return registry;
}

/** The serialisable state of every callback, for {@link restoreEntries} in the next run. */
export function snapshotCallbacks(): CallbackSnapshot {
  return callbackRegistry().snapshot();
}

/**
 * Re-creates entries from a snapshot taken in a previous run. When they are the run's first, they
 * are in place before the delivery handlers are installed: a delivery that reached the new run
 * before this call (buffered by the SDK, handed over as the handler is set) finds its callback
 * instead of being refused as unknown.
 */
export function restoreEntries(snapshot: CallbackSnapshot): CallbackEntry[] {
  const restored = snapshot.callbacks.map(
    ({ seenDeliveryIds, replies, syncStatuses, ...rest }): CallbackEntry => ({
      ...rest,
      seen: new Set(seenDeliveryIds),
      replies: new Map(replies),
      // Snapshots taken before synchronous answers were kept have none.
      syncStatuses: new Map(syncStatuses ?? []),
    }),
  );
  if (!registry) registry = new CallbackRegistry(restored);
  else for (const entry of restored) registry.entries.set(entry.id, entry);
  return restored;
}
