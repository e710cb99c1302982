import type { ApprovalRecord, ApprovalReport } from '../../protocol/approval-messages';
import type { ApprovalRecordToSign } from '../../protocol/activity-contracts';

/** A decided approval's record, as `requestApproval` would compute it, for `workflowId` (its `actionDigest` is its action's: the signer checks). */
export function approvalRecord(workflowId: string, namespace = 'default'): ApprovalRecord {
  return {
    version: 1,
    namespace,
    workflowId,
    executionChain: '6b1c3c0e-7f7a-4c59-9d43-0d9a8f1c2b11',
    callbackId: 'approval-1',
    action: { title: 'Block 203.0.113.7 at the edge firewall', summary: 'Scanning from this address since 02:10.', details: { ip: '203.0.113.7', rule: 'deny-inbound', ticket: 'SEC-4812' } },
    actionDigest: 'fIrcvrw6BjuwA-lAovpfQ1AJpxgAylWc6baDnMzpcmQ',
    outcome: 'approved',
    decidedBy: 'votes',
    votes: [
      {
        approver: { issuer: 'https://login.example.com', subject: 'u-123', email: 'ana@example.com', emailVerified: true, name: 'Ana Lima', via: 'oidc', authTime: '2026-12-07T10:01:00.000Z' },
        decision: 'approve',
        comment: 'Confirmed with the SOC.',
        at: '2026-12-07T10:02:03.000Z',
        actionDigest: 'fIrcvrw6BjuwA-lAovpfQ1AJpxgAylWc6baDnMzpcmQ',
        deliveryId: 'd-1',
      },
    ],
    rules: { quorum: 1, rejectQuorum: 1, onTimeout: 'reject', allowSelfApproval: false, allowLinkHolders: false, requireComment: { approve: false, reject: true } },
    initiator: { email: 'bot@example.com' },
    requestedAt: '2026-12-07T10:00:00.000Z',
    decidedAt: '2026-12-07T10:02:03.000Z',
  };
}

/**
 * A policy's decision on an agent's tool call, as `withApproval` sends it to be signed: approved by
 * `policy` with its reason, no votes, and the digest left for the signer to compute.
 */
export function policyRecord(workflowId: string, namespace = 'default'): ApprovalRecordToSign {
  const at = '2026-12-07T11:00:00.000Z';
  return {
    version: 1,
    namespace,
    workflowId,
    executionChain: '6b1c3c0e-7f7a-4c59-9d43-0d9a8f1c2b11',
    callbackId: '0d4c7d5e-3f0b-4b8e-9a55-2f1d6e0c9a41',
    action: { title: 'diskUsage({"host":"db-4"})', details: { tool: 'diskUsage', arguments: { host: 'db-4' } } },
    actionDigest: '',
    outcome: 'approved',
    decidedBy: 'policy',
    votes: [],
    rules: { quorum: 1, rejectQuorum: 1, onTimeout: 'timed_out', allowSelfApproval: false, allowLinkHolders: false, requireComment: { approve: false, reject: false } },
    requestedAt: at,
    decidedAt: at,
    policy: { reason: 'read-only query' },
  };
}

/** The decided report of `record`, with its receipt when given. */
export function decidedReport(record: ApprovalRecord, receipt?: string): ApprovalReport {
  return {
    callbackId: record.callbackId,
    status: record.outcome,
    action: record.action,
    actionDigest: record.actionDigest,
    rules: record.rules,
    votes: record.votes,
    requestedAt: record.requestedAt,
    record,
    ...(receipt === undefined ? {} : { receipt }),
  };
}
