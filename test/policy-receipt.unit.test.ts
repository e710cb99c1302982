import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateReceiptKey, loadReceiptKeyRing, type ReceiptKeyRing } from '../keys/receipt-keys';
import { approvalRecordSchema, recordToSign, signApprovalReceipt, verifyApprovalReceipt } from '../tokens/approval-receipt';
import { actionDigest } from '../tokens/action-digest';
import type { ApprovalRecord } from '../protocol/approval-messages';
import { codeOf } from './support/codes';
import { approvalRecord, policyRecord } from './support/approval-records';

let dir: string;
let ring: ReceiptKeyRing;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dcb-policy-receipts-'));
  const file = path.join(dir, 'keys.json');
  await fs.writeFile(file, JSON.stringify(await generateReceiptKey('EdDSA')));
  ring = await loadReceiptKeyRing({ kind: 'key-file', path: file });
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

/** `policyRecord` with the digest the signer computes, as a receipt holds it. */
function signedPolicyRecord(): ApprovalRecord {
  const record = policyRecord('wf-policy');
  return { ...record, actionDigest: actionDigest(record.action) };
}

describe('the record of a decision by policy', () => {
  test('is a record a receipt can hold: decided by policy, with its reason', () => {
    expect(approvalRecordSchema.safeParse(signedPolicyRecord()).success).toBe(true);
  });

  test('a record decided by policy without the policy (its reason) is refused', () => {
    const { policy: _policy, ...withoutPolicy } = signedPolicyRecord();
    expect(approvalRecordSchema.safeParse(withoutPolicy).success).toBe(false);
    expect(approvalRecordSchema.safeParse({ ...signedPolicyRecord(), policy: { reason: '' } }).success).toBe(false);
    expect(approvalRecordSchema.safeParse({ ...signedPolicyRecord(), policy: {} }).success).toBe(false);
  });

  test('a policy on a record people decided is refused: a receipt cannot claim both', () => {
    expect(approvalRecordSchema.safeParse({ ...approvalRecord('wf-votes'), policy: { reason: 'read-only query' } }).success).toBe(false);
    expect(approvalRecordSchema.safeParse(approvalRecord('wf-votes')).success).toBe(true);
  });

  test('a policy only approves, and counts no votes', () => {
    expect(approvalRecordSchema.safeParse({ ...signedPolicyRecord(), outcome: 'rejected' }).success).toBe(false);
    expect(approvalRecordSchema.safeParse({ ...signedPolicyRecord(), votes: approvalRecord('wf-votes').votes }).success).toBe(false);
  });
});

describe('the signer computes the action digest', () => {
  test('fills it in for a policy record sent without one, and returns it with a receipt that verifies', async () => {
    const record = policyRecord('wf-policy');
    const signed = await signApprovalReceipt(record, ring.active, 'durable-callbacks-test');
    expect(signed.actionDigest).toBe(actionDigest(record.action));
    const verified = await verifyApprovalReceipt(signed.receipt, ring.published, { issuer: 'durable-callbacks-test' });
    expect(verified.record).toEqual({ ...record, actionDigest: signed.actionDigest });
    expect(verified.record).toMatchObject({ decidedBy: 'policy', policy: { reason: 'read-only query' }, votes: [] });
  });

  test('refuses a record whose digest is not its action\'s with RECEIPT_DIGEST_MISMATCH, before anything is signed', async () => {
    const person = approvalRecord('wf-digest');
    const other = actionDigest({ title: 'Something else' });
    expect(await codeOf(Promise.resolve().then(() => recordToSign({ ...person, actionDigest: other })))).toBe('RECEIPT_DIGEST_MISMATCH');
    expect(await codeOf(signApprovalReceipt({ ...person, actionDigest: other }, ring.active, 'i'))).toBe('RECEIPT_DIGEST_MISMATCH');
    expect(await codeOf(signApprovalReceipt({ ...signedPolicyRecord(), actionDigest: other }, ring.active, 'i'))).toBe('RECEIPT_DIGEST_MISMATCH');
    // The same digest over an altered action.
    expect(await codeOf(signApprovalReceipt({ ...person, action: { ...person.action, title: 'Block 203.0.113.8 at the edge firewall' } }, ring.active, 'i'))).toBe('RECEIPT_DIGEST_MISMATCH');
    expect((await signApprovalReceipt(person, ring.active, 'i')).actionDigest).toBe(person.actionDigest);
  });

  test('an empty digest is only for a policy record: on any other it is RECEIPT_MALFORMED', async () => {
    expect(await codeOf(signApprovalReceipt({ ...approvalRecord('wf-empty'), actionDigest: '' }, ring.active, 'i'))).toBe('RECEIPT_MALFORMED');
    expect(await codeOf(signApprovalReceipt({ ...approvalRecord('wf-empty'), action: undefined as never }, ring.active, 'i'))).toBe('RECEIPT_MALFORMED');
  });
});
