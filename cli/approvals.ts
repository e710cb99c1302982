import { promises as fs } from 'node:fs';
import { decodeJwt } from 'jose';
import { listApprovals } from '../client/list-approvals';
import { listToolApprovals } from '../client/list-tool-approvals';
import { reassignApproval, ReassignApprovalError } from '../client/reassign-approval';
import { ConfigError } from '../config/config-error';
import { addReceiptKey, parsePublishedReceiptKeys, publicKeysOf, type PublishedReceiptKeys, type ReceiptAlgorithm } from '../keys/receipt-keys';
import type { ApprovalDelegation, ApprovalReassignment, ApprovalRecord, ApprovalReport, ApprovalVote, ApproverRule } from '../protocol/approval-messages';
import type { ToolCallApproval } from '../protocol/tool-approval-messages';
import { approvalRecordSchema, RECEIPT_RECORD_CLAIM, verifyApprovalReceipt, type VerifiedApprovalReceipt } from '../tokens/approval-receipt';
import { loadApprovalsConfig } from './config';
import { args, CliUsageError, positionals, withClient } from './command-support';

/** Usage of the `approvals` commands. */
export const APPROVALS_USAGE = `Approvals (requestApproval): their votes, and the signed receipts that record their decisions.

Usage:
durable-callbacks approvals verify <receipt | @file | -> [--jwks <url | file>] [--issuer <iss>] [--json]
  Verifies a receipt (a compact JWS) against the published keys: fetched from the gateway's
  /.well-known/jwks.json (GATEWAY_URL, else CALLBACK_BASE_URL, else http://localhost:8080), or
  from --jwks (a URL, or a JWKS file to verify offline). Prints who decided what, when and how.
  Exit 0 when it verifies; 1 with a code (RECEIPT_SIGNATURE_INVALID, RECEIPT_KEY_UNKNOWN,
  RECEIPT_MALFORMED, JWKS_UNAVAILABLE) when it does not.
durable-callbacks approvals show <workflowId> [--json]
  Every approval of one workflow (Temporal settings from TEMPORAL_* variables): status, action,
  digest, each vote (who, how, what, when, why) and the receipt once signed; and each agent tool
  call a policy approved with a receipt (withApproval's autoApprove), decided by policy.
durable-callbacks approvals reassign <workflowId> <callbackId> --to <rule> [--to <rule> ...] --reason <text> [--json]
  Replaces the approvers of a pending approval, recorded with the reason (in its record and
  receipt). A rule is group:<name>, email:<address>, domain:<domain>, subject:<sub> or
  issuer:<url>|subject:<sub>. Exit 1 with CALLBACK_UNKNOWN, CALLBACK_CLOSED or
  INVALID_CALLBACK_OPTIONS when the workflow refuses it.
durable-callbacks approvals keys add [--alg EdDSA|ES256]
  Adds a receipt signing key to APPROVAL_RECEIPT_KEY_FILE (default .data/approval-receipt-keys.json)
  and makes it active; earlier keys keep only their public parts (published, never signing again).
durable-callbacks approvals keys public
  Prints the file's public keys (a JWKS) for the gateway's APPROVAL_RECEIPT_PUBLIC_KEYS_FILE.
`;

/** How long fetching the published keys may take. */
const JWKS_FETCH_TIMEOUT_MS = 10_000;

/** The published keys could not be had: a stable code, as a verification failure has. */
class JwksUnavailable extends Error {
  readonly code = 'JWKS_UNAVAILABLE';
}

/** The receipt named on the command line: itself, `@file`, or `-` for standard input. */
async function receiptArgument(value: string): Promise<string> {
  if (value === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').trim();
  }
  if (value.startsWith('@')) {
    try {
      return (await fs.readFile(value.slice(1), 'utf8')).trim();
    } catch (err) {
      throw new CliUsageError(`Cannot read the receipt from ${value.slice(1)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
    }
  }
  return value.trim();
}

/** The published keys from a URL (fetched) or a file (offline). */
async function publishedKeys(source: string): Promise<PublishedReceiptKeys> {
  if (/^https?:\/\//i.test(source)) {
    let response: Response;
    try {
      response = await fetch(source, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(JWKS_FETCH_TIMEOUT_MS) });
    } catch (err) {
      throw new JwksUnavailable(`Cannot fetch the published keys from ${source} (${(err as Error).message}); pass --jwks <file> to verify offline.`);
    }
    if (!response.ok) throw new JwksUnavailable(`${source} answered ${response.status}, not the published keys; pass --jwks <url | file>.`);
    try {
      return await parsePublishedReceiptKeys(await response.json(), source);
    } catch (err) {
      throw new JwksUnavailable((err as Error).message);
    }
  }
  let text: string;
  try {
    text = await fs.readFile(source, 'utf8');
  } catch (err) {
    throw new JwksUnavailable(`Cannot read the published keys from ${source} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
  }
  try {
    return await parsePublishedReceiptKeys(JSON.parse(text), source);
  } catch (err) {
    throw new JwksUnavailable(err instanceof ConfigError ? err.message : `${source} is not valid JSON.`);
  }
}

/** Control characters and bidirectional overrides, which would let a title, name or comment forge a line or hide text on a terminal. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Text from the record (people's names, titles, comments) made safe to print: unprintable characters shown as `\u{…}`. */
function shown(text: string): string {
  return text.replace(UNPRINTABLE, (char) => `\\u{${char.codePointAt(0)!.toString(16)}}`);
}

/** A voter as one line: name, email, and the identity that proves who they are. */
function describeApprover(vote: ApprovalVote): string {
  const { approver } = vote;
  const who = [approver.name, approver.email ? `<${approver.email}>${approver.emailVerified === false ? ' (unverified)' : ''}` : undefined].filter(Boolean).join(' ');
  return shown(`${who || approver.subject} via ${approver.via} (issuer ${approver.issuer}, subject ${approver.subject})`);
}

/** A person a vote or hand-off records, as a short name: name or email, else the subject. */
function shortName(person: { name?: string; email?: string; subject: string }): string {
  return shown(person.name ?? person.email ?? person.subject);
}

/** The votes as an indented table, the free-text comment last (as JSON, so a comment cannot forge a line). */
function printVotes(votes: readonly ApprovalVote[], indent: string): void {
  if (votes.length === 0) return void process.stdout.write(`${indent}No votes.\n`);
  const table = [
    ['DECISION', 'AT', 'APPROVER', 'COMMENT'],
    ...votes.map((vote) => [
      vote.decision,
      vote.at,
      // A delegate's vote says whose say it was.
      `${describeApprover(vote)}${vote.onBehalfOf ? `, on behalf of ${shortName(vote.onBehalfOf)} (subject ${shown(vote.onBehalfOf.subject)})` : ''}`,
      vote.comment === undefined ? '-' : shown(JSON.stringify(vote.comment)),
    ]),
  ];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  process.stdout.write(`${table.map((row) => `${indent}${row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ')}`.trimEnd()).join('\n')}\n`);
}

/** An approver rule as `reassign --to` takes it. */
function describeRule(rule: ApproverRule): string {
  const names = Object.fromEntries(Object.entries(RULE_FIELDS).map(([name, field]) => [field, name]));
  return shown(Object.entries(rule).map(([field, value]) => `${names[field] ?? field}:${String(value)}`).join('|'));
}

/** Hand-offs, reassignments and a fallback, each on its own line (nothing when there were none). */
function printChanges(changes: { delegations?: ApprovalDelegation[]; reassignments?: ApprovalReassignment[]; fallbackFrom?: ApproverRule[] }, indent: string): void {
  const lines: string[] = [];
  if (changes.fallbackFrom) lines.push(`Fallback: nobody among ${changes.fallbackFrom.map(describeRule).join(', ')} could approve; the fallback approvers were asked.`);
  for (const delegation of changes.delegations ?? []) {
    const to = 'email' in delegation.to ? delegation.to.email : `${delegation.to.subject} (issuer ${delegation.to.issuer})`;
    lines.push(`Handed over: ${shortName(delegation.from)} to ${shown(to)} at ${delegation.at}${delegation.lapsed ? ' (lapsed: reassigned before it was used)' : ''}`);
  }
  for (const reassignment of changes.reassignments ?? []) {
    lines.push(`Reassigned: to ${reassignment.approvers.map(describeRule).join(', ')} at ${reassignment.at}: ${shown(JSON.stringify(reassignment.reason))}`);
  }
  if (lines.length > 0) process.stdout.write(`${lines.map((line) => `${indent}${line}`).join('\n')}\n`);
}

/** What decided it, for a person: `votes`, or `policy: <its reason>`. */
function decidedBy(record: ApprovalRecord): string {
  return record.policy ? `policy: ${shown(record.policy.reason)}` : record.decidedBy;
}

/** What a record says, for a person. */
function printRecord(record: ApprovalRecord): void {
  const initiator = record.initiator ? [record.initiator.email, record.initiator.subject, record.initiator.slackUserId].filter(Boolean).join(' ') : '';
  const rules = record.rules;
  const byPolicy = record.decidedBy === 'policy';
  process.stdout.write(
    [
      `Outcome:    ${record.outcome} (decided by ${decidedBy(record)}) at ${record.decidedAt}`,
      `Action:     ${shown(record.action.title)}`,
      ...(record.action.summary ? [`            ${shown(record.action.summary)}`] : []),
      ...(record.action.details ? [`Details:    ${shown(JSON.stringify(record.action.details))}`] : []),
      `Digest:     ${record.actionDigest}`,
      `Workflow:   ${shown(record.workflowId)} (namespace ${shown(record.namespace)}, chain ${shown(record.executionChain)}), ${byPolicy ? 'policy decision' : 'approval'} ${shown(record.callbackId)}`,
      `Requested:  ${record.requestedAt}${initiator ? ` by ${shown(initiator)}` : ''}`,
      `Rules:      quorum ${rules.quorum}, reject quorum ${rules.rejectQuorum}, on timeout ${rules.onTimeout}, self-approval ${rules.allowSelfApproval ? 'allowed' : 'forbidden'}, link holders ${rules.allowLinkHolders ? 'allowed' : 'not allowed'}${byPolicy ? ' (had a person been asked)' : ''}`,
      byPolicy ? 'Votes:      none: the policy approved it without asking anyone.' : 'Votes:',
      '',
    ].join('\n'),
  );
  if (!byPolicy) printVotes(record.votes, '  ');
  printChanges(record, '');
  if (record.superseded?.length) {
    process.stdout.write('Superseded (votes for an earlier version of the action; not counted):\n');
    printVotes(record.superseded, '  ');
  }
}

async function verify(argv: string[]): Promise<number> {
  const { values, positionals: given } = args(argv, { jwks: { type: 'string' }, issuer: { type: 'string' } });
  const [input] = positionals(given, ['receipt | @file | -']);
  const receipt = await receiptArgument(input!);
  const source = values.jwks ?? loadApprovalsConfig().jwksUrl;
  let verified: VerifiedApprovalReceipt;
  try {
    const keys = await publishedKeys(source);
    verified = await verifyApprovalReceipt(receipt, keys, values.issuer === undefined ? {} : { issuer: values.issuer });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== 'string' || !/^(RECEIPT_|JWKS_)/.test(code)) throw err;
    if (values.json) process.stdout.write(`${JSON.stringify({ valid: false, code, message: (err as Error).message })}\n`);
    process.stderr.write(`Not verified: ${code}: ${(err as Error).message}\n`);
    return 1;
  }
  if (values.json) {
    const { record, kid, alg, issuer, issuedAt } = verified;
    process.stdout.write(`${JSON.stringify({ valid: true, kid, alg, issuer, issuedAt: issuedAt.toISOString(), keys: source, record }, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(`Verified: signed by key ${verified.kid} (${verified.alg}) of issuer ${verified.issuer} at ${verified.issuedAt.toISOString()}, against ${source}.\n`);
  printRecord(verified.record);
  return 0;
}

function printReports(workflowId: string, reports: readonly ApprovalReport[]): void {
  if (reports.length === 0) return void process.stdout.write(`No approvals in ${workflowId}.\n`);
  for (const report of reports) {
    process.stdout.write(
      [
        `Approval ${shown(report.callbackId)}: ${report.status}${report.record ? ` (decided by ${decidedBy(report.record)} at ${report.record.decidedAt})` : ''}`,
        `  Action:    ${shown(report.action.title)}`,
        `  Digest:    ${report.actionDigest}`,
        `  Requested: ${report.requestedAt}`,
        `  Rules:     quorum ${report.rules.quorum}, reject quorum ${report.rules.rejectQuorum}, on timeout ${report.rules.onTimeout}`,
        '  Votes:',
        '',
      ].join('\n'),
    );
    if (report.record?.decidedBy === 'policy') process.stdout.write('    None: the policy approved it without asking anyone.\n');
    else printVotes(report.votes, '    ');
    printChanges(report, '  ');
    process.stdout.write(report.receipt ? `  Receipt:   ${report.receipt}\n` : `  Receipt:   ${report.record ? 'not signed yet' : 'none until decided'}\n`);
    process.stdout.write('\n');
  }
}

/**
 * The tool calls a policy approved with a receipt, as reports of decided approvals: the record
 * read from the receipt's payload (as the workflow reported it; `approvals verify` checks the
 * signature), so `show` lists every signed decision of the workflow.
 */
function policyReports(calls: readonly ToolCallApproval[]): ApprovalReport[] {
  return calls.flatMap((call): ApprovalReport[] => {
    if (call.status !== 'auto_approved' || !call.receipt) return [];
    let claim: unknown;
    try {
      claim = decodeJwt(call.receipt)[RECEIPT_RECORD_CLAIM];
    } catch {
      return [];
    }
    const parsed = approvalRecordSchema.safeParse(claim);
    if (!parsed.success) return [];
    const record = parsed.data as ApprovalRecord;
    const { callbackId, outcome, action, actionDigest, rules, votes, requestedAt } = record;
    return [{ callbackId, status: outcome, action, actionDigest, rules, votes, requestedAt, record, receipt: call.receipt }];
  });
}

/**
 * A workflow's approvals and its policy-approved tool calls. A workflow answers either query only
 * once it used `requestApproval` or `withApproval`: one that answers neither is the error.
 */
async function approvalsOf(workflowId: string): Promise<ApprovalReport[]> {
  const [approvals, toolCalls] = await withClient((client) => Promise.allSettled([listApprovals(client, workflowId), listToolApprovals(client, workflowId)]));
  if (approvals.status === 'rejected' && toolCalls.status === 'rejected') throw approvals.reason;
  return [...(approvals.status === 'fulfilled' ? approvals.value : []), ...(toolCalls.status === 'fulfilled' ? policyReports(toolCalls.value) : [])];
}

async function keys(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { receiptKeyFile } = loadApprovalsConfig();
  if (command === 'add') {
    const { values } = args(rest, { alg: { type: 'string' } });
    const alg = values.alg ?? 'EdDSA';
    if (alg !== 'EdDSA' && alg !== 'ES256') throw new CliUsageError('--alg must be EdDSA or ES256.');
    const { kid, published } = await addReceiptKey(receiptKeyFile, alg as ReceiptAlgorithm);
    if (values.json) process.stdout.write(`${JSON.stringify({ file: receiptKeyFile, activeKid: kid, published }, null, 2)}\n`);
    else {
      process.stdout.write(
        `Added receipt key ${kid} (${alg}) to ${receiptKeyFile} and made it active; earlier keys keep only their public parts.\n` +
          'Publish the public keys first (durable-callbacks approvals keys public > jwks.json, the gateway\'s APPROVAL_RECEIPT_PUBLIC_KEYS_FILE), then restart the workers.\n',
      );
    }
    return 0;
  }
  if (command === 'public') {
    args(rest, {});
    let json: unknown;
    try {
      json = JSON.parse(await fs.readFile(receiptKeyFile, 'utf8'));
    } catch (err) {
      throw new ConfigError(`APPROVAL_RECEIPT_KEY_FILE: cannot read ${receiptKeyFile} (${(err as Error).message}); create it with \`durable-callbacks approvals keys add\`.`);
    }
    process.stdout.write(`${JSON.stringify(await publicKeysOf(json, receiptKeyFile), null, 2)}\n`);
    return 0;
  }
  throw new CliUsageError(command ? `Unknown approvals keys command '${command}'.` : 'No approvals keys command given (add or public).');
}

const RULE_FIELDS: Record<string, keyof ApproverRule> = { group: 'group', email: 'email', domain: 'emailDomain', subject: 'subject', issuer: 'issuer', slack: 'slackUserId', 'slack-team': 'slackTeamId' };

/** One `--to` rule: `field:value` parts joined by `|` (`group:sre`, `issuer:https://id.example.com|subject:42`). */
export function parseRuleArgument(text: string): ApproverRule {
  const rule: ApproverRule = {};
  for (const part of text.split('|')) {
    const colon = part.indexOf(':');
    const field = RULE_FIELDS[part.slice(0, colon)];
    const value = part.slice(colon + 1).trim();
    if (colon <= 0 || !field || value === '') {
      throw new CliUsageError(`--to takes group:<name>, email:<address>, domain:<domain>, subject:<sub> or slack:<user id>, joined by | for one rule of several fields; got ${JSON.stringify(text)}.`);
    }
    rule[field] = value;
  }
  return rule;
}

async function reassign(argv: string[]): Promise<number> {
  const { values, positionals: given } = args(argv, { to: { type: 'string', multiple: true }, reason: { type: 'string' } });
  const [workflowId, callbackId] = positionals(given, ['workflowId', 'callbackId']);
  if (!values.to?.length) throw new CliUsageError('Name the new approvers with --to (at least one), such as --to group:sre-leads.');
  if (!values.reason?.trim()) throw new CliUsageError('Say why with --reason: it is recorded with the reassignment, and in the receipt.');
  const approvers = values.to.map(parseRuleArgument);
  try {
    const reassignment = await withClient((client) => reassignApproval(client, workflowId!, { callbackId: callbackId!, approvers, reason: values.reason! }));
    if (values.json) process.stdout.write(`${JSON.stringify(reassignment, null, 2)}\n`);
    else process.stdout.write(`Reassigned approval ${shown(callbackId!)} of ${shown(workflowId!)} to ${approvers.map(describeRule).join(', ')} at ${reassignment.at}.\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof ReassignApprovalError)) throw err;
    if (values.json) process.stdout.write(`${JSON.stringify({ reassigned: false, code: err.code, message: err.message })}\n`);
    process.stderr.write(`Not reassigned: ${err.code}: ${err.message}\n`);
    return 1;
  }
}

/** Runs `approvals <command>` and returns the exit code: 0 done (verified), 1 refused or failed, 2 usage error. */
export async function approvalsCommand(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'verify':
      return verify(rest);
    case 'show': {
      const { values, positionals: given } = args(rest, {});
      const [workflowId] = positionals(given, ['workflowId']);
      const reports = await approvalsOf(workflowId!);
      if (values.json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
      else printReports(workflowId!, reports);
      return 0;
    }
    case 'reassign':
      return reassign(rest);
    case 'keys':
      return keys(rest);
    default:
      throw new CliUsageError(command ? `Unknown approvals command '${command}'.` : 'No approvals command given.');
  }
}
