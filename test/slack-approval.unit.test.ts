import { loadGatewayConfig } from '../callback-gateway/config';
import { responseUrlAllowed, slackStatusLine } from '../callback-gateway/routes/slack-approvals';
import { parseSlackButtonValue, SLACK_BUTTON_VALUE_MAX } from '../protocol/slack-approval';
import { slackApprovalBlocks } from '../workflows';
import { judgeVote, slackIssuer, type ApprovalState } from '../workflows/approval-rules';
import type { CallbackDelivery } from '../protocol/callback-messages';

const ACTION = { title: 'Block <203.0.113.7> & friends', summary: 'At the edge.' };

describe('slackApprovalBlocks', () => {
  test("carries the approval's token in each button's value, and escapes Slack's control characters", () => {
    const blocks = slackApprovalBlocks({ url: 'https://callbacks.example.com/callbacks/eyJ.abc-def_1.sig', action: ACTION });
    const buttons = blocks.find((block) => block.type === 'actions')!.elements as Array<{ value: string }>;
    expect(buttons.map((button) => button.value)).toEqual(['approve|eyJ.abc-def_1.sig', 'reject|eyJ.abc-def_1.sig']);
    expect(buttons.map((button) => parseSlackButtonValue(button.value))).toEqual([
      { decision: 'approve', token: 'eyJ.abc-def_1.sig' },
      { decision: 'reject', token: 'eyJ.abc-def_1.sig' },
    ]);
    expect(JSON.stringify(blocks[0])).toContain('Block &lt;203.0.113.7&gt; &amp; friends');
  });

  test("refuses, non-retryably, a token too long for a button's value, and a URL without one", () => {
    const long = `https://c.example.com/callbacks/${'a'.repeat(SLACK_BUTTON_VALUE_MAX)}`;
    expect(() => slackApprovalBlocks({ url: long, action: ACTION })).toThrow(expect.objectContaining({ type: 'INVALID_CALLBACK_OPTIONS', nonRetryable: true }));
    expect(() => slackApprovalBlocks({ url: 'https://c.example.com/callbacks/', action: ACTION })).toThrow(expect.objectContaining({ type: 'INVALID_CALLBACK_OPTIONS' }));
  });

  test('a value that is not ours is no button', () => {
    for (const value of [undefined, 42, 'approve', 'maybe|tok', 'approve|tok en', 'approve|']) expect(parseSlackButtonValue(value)).toBeUndefined();
  });
});

describe("a click's response_url", () => {
  test('is posted to only on https://hooks.slack.com, or a configured stand-in origin', () => {
    expect(responseUrlAllowed('https://hooks.slack.com/actions/T1/1/abc')).toBe(true);
    for (const url of ['http://hooks.slack.com/actions/x', 'https://hooks.slack.com.evil.example/x', 'https://hooks.slack.com:8443/x', 'https://u:p@hooks.slack.com/x', 'http://169.254.169.254/x', 'not a url']) {
      expect(responseUrlAllowed(url)).toBe(false);
    }
    expect(responseUrlAllowed('http://127.0.0.1:5555/actions/x', ['http://127.0.0.1:5555'])).toBe(true);
    expect(responseUrlAllowed('http://127.0.0.1:5556/actions/x', ['http://127.0.0.1:5555'])).toBe(false);
  });

  test('says the tally, or the outcome once decided', () => {
    const reply = { counted: true, decision: 'approve', approvals: 1, rejections: 0, quorum: 2, rejectQuorum: 1 } as const;
    expect(slackStatusLine(reply, 'U1', new Date('2026-12-07T14:02:00Z'))).toBe('1 of 2 approvals: <@U1> approved.');
    expect(slackStatusLine({ ...reply, approvals: 2, outcome: 'approved' }, 'U2', new Date('2026-12-07T14:02:00Z'))).toBe('*Approved by <@U2>* at 14:02 UTC (2 of 2 approvals, 0 of 1 rejections).');
  });
});

describe('Slack settings', () => {
  test('SLACK_SIGNING_SECRET needs SLACK_TEAM_IDS; the secret becomes bytes and is never in an error', () => {
    expect(() => loadGatewayConfig({ SLACK_SIGNING_SECRET: 'sekrit-value' })).toThrow(/SLACK_TEAM_IDS must name the workspaces/);
    expect(() => loadGatewayConfig({ SLACK_SIGNING_SECRET: 'sekrit-value', SLACK_TEAM_IDS: 'acme' })).toThrow(/not: acme/);
    expect(() => loadGatewayConfig({ SLACK_TEAM_IDS: 'T1ABC' })).toThrow(/only with SLACK_SIGNING_SECRET/);
    const slack = loadGatewayConfig({ SLACK_SIGNING_SECRET: 'sekrit-value', SLACK_TEAM_IDS: 'T1ABC, T2DEF' }).app.slack!;
    expect(slack.teamIds).toEqual(['T1ABC', 'T2DEF']);
    expect(Buffer.from(slack.signingSecrets[0]!).toString()).toBe('sekrit-value');
    expect(slack.responseUrlOrigins).toBeUndefined();
    expect(loadGatewayConfig({}).app.slack).toBeUndefined();
  });

  test('SLACK_RESPONSE_URL_ALLOW takes origins, and never in production', () => {
    const slack = { SLACK_SIGNING_SECRET: 's', SLACK_TEAM_IDS: 'T1ABC', SLACK_RESPONSE_URL_ALLOW: 'http://127.0.0.1:5555/' };
    expect(loadGatewayConfig(slack).app.slack!.responseUrlOrigins).toEqual(['http://127.0.0.1:5555']);
    expect(() => loadGatewayConfig({ ...slack, NODE_ENV: 'production' })).toThrow(/never in production/);
  });
});

describe('a Slack vote, as the workflow judges it', () => {
  const state = (maxAuthAgeSeconds?: number): ApprovalState => ({
    action: ACTION,
    actionDigest: 'd',
    approvers: [{ slackUserId: 'U1', slackTeamId: 'T1' }],
    votes: [],
    rules: { quorum: 1, rejectQuorum: 1, onTimeout: 'timed_out', allowSelfApproval: false, allowLinkHolders: false, requireComment: { approve: false, reject: false }, ...(maxAuthAgeSeconds ? { maxAuthAgeSeconds } : {}) },
  });
  const vote = {
    callbackId: 'c', deliveryId: 'slack:T1:U1:c:approve', kind: 'complete', method: 'POST', contentType: 'application/json', data: { decision: 'approve' }, query: {}, headers: {},
    receivedAt: '2026-12-07T14:00:00.000Z', approver: { issuer: slackIssuer('T1'), subject: 'U1', via: 'slack' }, actionDigest: 'd',
  } as CallbackDelivery;

  test('counts; but where the approval asks for a fresh sign-in, a click (which carries no sign-in time) is SIGN_IN_TOO_OLD', () => {
    expect(judgeVote(state(), vote)).toMatchObject({ kind: 'accept', vote: { approver: { via: 'slack', issuer: 'https://slack.com/T1', subject: 'U1' } } });
    expect(judgeVote(state(300), vote)).toEqual({ kind: 'reject', reason: 'SIGN_IN_TOO_OLD' });
  });
});
