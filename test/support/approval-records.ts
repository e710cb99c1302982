import type { ApprovalRecord, ApprovalReport } from '../../protocol/approval-messages';

/** A decided approval's record, as `requestApproval` would compute it, for `workflowId`. */
export function approvalRecord(workflowId: string, namespace = 'default'): ApprovalRecord {
  return {
    version: 1,
    namespace,
    workflowId,
    executionChain: '6b1c3c0e-7f7a-4c59-9d43-0d9a8f1c2b11',
    callbackId: 'approval-1',
    action: { title: 'Block 203.0.113.7 at the edge firewall', summary: 'Scanning from this address since 02:10.', details: { ip: '203.0.113.7', rule: 'deny-inbound', ticket: 'SEC-4812' } },
    actionDigest: 'qUqP5cyxm6YcTAhz05Hph5gvu9M-pw4lB3i_PxRB9ZI',
    outcome: 'approved',
    decidedBy: 'votes',
    votes: [
      {
        approver: { issuer: 'https://login.example.com', subject: 'u-123', email: 'ana@example.com', emailVerified: true, name: 'Ana Lima', via: 'oidc', authTime: '2026-12-07T10:01:00.000Z' },
        decision: 'approve',
        comment: 'Confirmed with the SOC.',
        at: '2026-12-07T10:02:03.000Z',
        actionDigest: 'qUqP5cyxm6YcTAhz05Hph5gvu9M-pw4lB3i_PxRB9ZI',
        deliveryId: 'd-1',
      },
    ],
    rules: { quorum: 1, rejectQuorum: 1, onTimeout: 'reject', allowSelfApproval: false, allowLinkHolders: false, requireComment: { approve: false, reject: true } },
    initiator: { email: 'bot@example.com' },
    requestedAt: '2026-12-07T10:00:00.000Z',
    decidedAt: '2026-12-07T10:02:03.000Z',
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
