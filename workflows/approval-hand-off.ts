import { patched } from '@temporalio/workflow';
import type { ApprovalState } from './approval-rules';
import { approvalNotice } from './approval-reach';
import type { CallbackEntry } from './callback-registry';
import type { Notifier } from './notify';
import type { ApprovalDelegation, ApprovalReassignment } from '../protocol/approval-messages';
import type { NotifyChannel } from '../protocol/notification-messages';

/**
 * Telling the people an approval was handed to: the delegate an approver named, or the approvers
 * an operator reassigned it to. Sandbox code, run from the delivery signal or update handler and
 * the reassignment update, beside the wait: the sends are activities the notifier starts and never
 * awaits, so the handler stays as quick and as infallible as it was.
 */

/** A hand-off as the registry (a delegation applied) or the reassignment update recorded it. */
export type ApprovalHandOff = { delegation: ApprovalDelegation } | { reassignment: ApprovalReassignment };

/**
 * The patch under which hand-offs are told: histories recorded before it took hand-offs without
 * sending anything, and replay so (`patched` is false there).
 */
const TELL_HAND_OFFS_PATCH = 'durable-callbacks/approval/tell-delegates';

/** The addresses a hand-off names: the delegate's email, or each reassigned rule's, once each. */
function addressesOf(handOff: ApprovalHandOff): string[] {
  if ('delegation' in handOff) return 'email' in handOff.delegation.to ? [handOff.delegation.to.email] : [];
  const emails = handOff.reassignment.approvers.flatMap((rule) => (rule.email ? [rule.email.toLowerCase()] : []));
  return [...new Set(emails)];
}

/**
 * Tells of `handOff` on the approval's own `notify` channels: when they include mail (so the
 * workflow's author chose mail, and the worker has SMTP), each address the hand-off names gets a
 * mail of its own (`delegation` or `reassignment`) with the approval's current URL; each webhook
 * channel gets `approval.delegated` or `approval.reassigned`. Slack channels are not told: the
 * card already in the channel goes on showing the request. Nothing to tell, nothing is sent.
 */
export function tellHandOff(entry: CallbackEntry, state: ApprovalState, notifier: Notifier, handOff: ApprovalHandOff): void {
  const channels = state.notify ?? [];
  const mailed = channels.some((channel) => 'email' in channel) ? addressesOf(handOff).map((to): NotifyChannel => ({ email: { to: [to] } })) : [];
  const told = [...mailed, ...channels.filter((channel) => 'webhook' in channel)];
  // Asked only when something would be sent, so histories without such a send carry no marker either.
  if (told.length === 0 || !patched(TELL_HAND_OFFS_PATCH)) return;
  const approval = approvalNotice(entry, state);
  notifier.send(
    told,
    'delegation' in handOff ? { kind: 'delegation', approval, delegation: handOff.delegation } : { kind: 'reassignment', approval, reassignment: handOff.reassignment },
  );
}
