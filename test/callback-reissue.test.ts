import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { decodeJwt } from 'jose';
import { callbacksQuery, callbackUrlQuery, deliverCallbackUpdate, reissueCallbackUpdate } from '../protocol/definitions';
import { reissueCallback } from '../client';
import type { VerifiedApprover } from '../workflows';
import { reissueSignal, rollReissuingSignal, type ReissuingCallbackInput, type ReissuingCallbackResult } from './workflows/reissue';
import type { reissuingApproval } from './workflows';
import { pollUntil } from './support/async';
import { codeOf } from './support/codes';
import { temporalCliVersion } from './support/dev-server';
import { postJson, startHarness, type Harness } from './support/harness';
import { runTsx } from './support/processes';
import { TEST_NAMESPACE, TEST_TEMPORAL_ADDRESS } from './support/test-env';
import { tokenOf } from './support/tokens';
import { waitForCallbackUrl } from './support/wait-for-callback-url';

// Reissuing a callback's link for the same wait, and links shorter than their wait
// (`linkExpiresIn`): from workflow code, through the operators' update (the client helper, the
// CLI, and the `temporal` CLI as a client this project did not write), and what senders, people
// and status readers see through a replaced link, on a real worker, a real gateway and real HTTP.

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

type CallbackHandle = WorkflowHandle<(input: ReissuingCallbackInput) => Promise<ReissuingCallbackResult>>;

async function startCallback(input: Partial<ReissuingCallbackInput> = {}): Promise<{ handle: CallbackHandle; url: string; callbackId: string }> {
  const handle = (await h.start('reissuingCallback', [{ options: { timeout: '10m' }, deliveries: 2, ...input }])) as CallbackHandle;
  const url = await waitForCallbackUrl(handle);
  const [info] = await handle.query(callbacksQuery);
  return { handle, url, callbackId: info!.id };
}

/** The workflow's URL once it differs from `old`: the reissue landed. */
async function urlAfter(handle: WorkflowHandle, old: string): Promise<string> {
  let url = old;
  await pollUntil('the URL was reissued', async () => (url = (await handle.query(callbackUrlQuery)) ?? old) !== old, 15_000, 100);
  return url;
}

/** A synchronous delivery (`Prefer: wait=5`) with `key` as its delivery id. */
function deliverSync(url: string, data: unknown, key: string): Promise<Response> {
  return postJson(url, data, { prefer: 'wait=5', 'idempotency-key': key });
}

async function codeOfResponse(response: Response): Promise<string | undefined> {
  return ((await response.json()) as { error?: { code?: string } }).error?.code;
}

function statusOf(url: string, deliveryId?: string): Promise<Response> {
  return fetch(`${url}/status${deliveryId === undefined ? '' : `?deliveryId=${encodeURIComponent(deliveryId)}`}`);
}

describe('reissuing a callback from workflow code', () => {
  test('the old URL is refused 410 CALLBACK_LINK_REPLACED, its earlier delivery is kept and its retry answered, and the new URL delivers', async () => {
    const { handle, url: oldUrl } = await startCallback();
    const before = await deliverSync(oldUrl, { step: 1 }, 'before-reissue');
    expect(before.status).toBe(200);
    expect(await before.json()).toMatchObject({ status: 'accepted' });

    await handle.signal(reissueSignal);
    const newUrl = await urlAfter(handle, oldUrl);
    expect(decodeJwt(tokenOf(newUrl))).toMatchObject({ lnk: 1 });
    expect(decodeJwt(tokenOf(oldUrl)).lnk).toBeUndefined();

    const replaced = await deliverSync(oldUrl, { step: 2 }, 'after-reissue');
    expect(replaced.status).toBe(410);
    expect(await codeOfResponse(replaced)).toBe('CALLBACK_LINK_REPLACED');
    // A sender's retry of what it delivered before the reissue gets its answer, not a refusal.
    const retry = await deliverSync(oldUrl, { step: 1 }, 'before-reissue');
    expect(retry.status).toBe(200);
    expect(await retry.json()).toMatchObject({ status: 'duplicate' });

    // Asynchronous: Temporal records the signal (202), the workflow refuses it, and ?deliveryId= says so.
    const async = await postJson(oldUrl, { step: 3 }, { 'idempotency-key': 'async-through-old' });
    expect(async.status).toBe(202);
    await pollUntil(
      'the async delivery was refused',
      async () => ((await (await statusOf(oldUrl, 'async-through-old')).json()) as { delivery?: { outcome: string } }).delivery?.outcome === 'refused',
      10_000,
    );
    const oldStatus = (await (await statusOf(oldUrl, 'async-through-old')).json()) as Record<string, unknown>;
    expect(oldStatus).toMatchObject({ status: 'pending', link: 'replaced', accepts: { actions: [] }, delivery: { outcome: 'refused', reason: 'CALLBACK_LINK_REPLACED' } });
    expect(await (await statusOf(newUrl)).json()).toMatchObject({ status: 'pending', link: 'current', accepts: { actions: ['complete', 'fail', 'heartbeat'] } });

    const through = await deliverSync(newUrl, { step: 4 }, 'through-new');
    expect(through.status).toBe(200);
    const result = await handle.result();
    expect(result.deliveryIds).toEqual(['before-reissue', 'through-new']);
    // The wait is over: a reissue now fails with a typed failure.
    expect(result.reissueAfterEnd).toBe('CALLBACK_CLOSED');
    // After the wait ended, the old URL says the wait ended (the true answer), not that it was replaced.
    const late = await deliverSync(oldUrl, { step: 5 }, 'late');
    expect(late.status).toBe(410);
    expect(await codeOfResponse(late)).toBe('WORKFLOW_CLOSED');
  });

  test('a URL with linkExpiresIn expires then, while the wait keeps its own deadline; a reissue without it gives the same lifetime', async () => {
    const { handle, url } = await startCallback({ options: { timeout: '1h', linkExpiresIn: '90s' } });
    const claims = decodeJwt(tokenOf(url));
    // The token's lifetime is linkExpiresIn (iat is the activity's clock, a moment after the workflow's).
    expect(claims.exp! - claims.iat!).toBeGreaterThanOrEqual(88);
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(90);
    const [info] = await handle.query(callbacksQuery);
    // The wait's own end stays the timeout (plus its margin), an hour away.
    expect(Date.parse(info!.expiresAt) - claims.exp! * 1000).toBeGreaterThan(50 * 60_000);
    expect(((await (await statusOf(url)).json()) as { expiresAt: string }).expiresAt).toBe(new Date(claims.exp! * 1000).toISOString());

    await handle.signal(reissueSignal);
    const reissued = decodeJwt(tokenOf(await urlAfter(handle, url)));
    expect(reissued.exp! - reissued.iat!).toBeGreaterThanOrEqual(88);
    expect(reissued.exp! - reissued.iat!).toBeLessThanOrEqual(90);
    await handle.terminate();
  });

  test('two reissues at once mint one after the other: the last is current, both before it are replaced', async () => {
    const { handle, url: first } = await startCallback();
    await Promise.all([handle.signal(reissueSignal), handle.signal(reissueSignal)]);
    let current = first;
    await pollUntil('both reissues landed', async () => decodeJwt(tokenOf((current = (await handle.query(callbackUrlQuery))!))).lnk === 2, 15_000, 100);
    expect(await codeOfResponse(await deliverSync(first, {}, 'through-first'))).toBe('CALLBACK_LINK_REPLACED');
    expect((await deliverSync(current, {}, 'through-current')).status).toBe(200);
    expect((await handle.query(callbacksQuery))[0]).toMatchObject({ link: 2 });
    await handle.terminate();
  });

  test('linkExpiresIn longer than the wait is refused INVALID_CALLBACK_OPTIONS', async () => {
    const handle = await h.start('createWithOptions', [{ timeout: '10m', linkExpiresIn: '20m' }]);
    const failure = await handle.result().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(((failure as WorkflowFailedError).cause as { type?: string }).type).toBe('INVALID_CALLBACK_OPTIONS');
  });

  test('continue-as-new keeps the link generation: the old URL stays replaced, the current one delivers, and the next reissue is link 2', async () => {
    const { handle, url: first } = await startCallback();
    await handle.signal(reissueSignal);
    const second = await urlAfter(handle, first);
    const firstRun = (await handle.describe()).runId;
    await handle.signal(rollReissuingSignal);
    await pollUntil('the workflow continued as new', async () => (await handle.describe()).runId !== firstRun, 15_000);

    const replaced = await deliverSync(first, { run: 2 }, 'old-after-roll');
    expect(replaced.status).toBe(410);
    expect(await codeOfResponse(replaced)).toBe('CALLBACK_LINK_REPLACED');
    expect((await deliverSync(second, { run: 2 }, 'current-after-roll')).status).toBe(200);

    await handle.signal(reissueSignal);
    const third = await urlAfter(handle, second);
    expect(decodeJwt(tokenOf(third))).toMatchObject({ lnk: 2 });
    expect(await codeOfResponse(await deliverSync(second, {}, 'second-after-third'))).toBe('CALLBACK_LINK_REPLACED');
    expect((await deliverSync(third, {}, 'through-third')).status).toBe(200);
    expect(await handle.result()).toMatchObject({ run: 2, deliveryIds: ['current-after-roll', 'through-third'] });
  });
});

describe('reissuing an approval', () => {
  const ISSUER = 'https://id.example.com';
  const person = (subject: string): VerifiedApprover => ({ issuer: ISSUER, subject, email: `${subject}@example.com`, emailVerified: true, groups: ['secops'], via: 'oidc' });
  const ACTION = { title: 'Rotate the VPN pre-shared key', details: { ticket: 'SEC-7' } };

  /** A vote as the gateway sends it, through the link generation `link`; the reply or the refusal code. */
  async function vote(handle: WorkflowHandle, callbackId: string, digest: string, approver: VerifiedApprover, link?: number): Promise<{ outcome?: string; refused?: string }> {
    const deliveryId = randomUUID();
    try {
      const result = await handle.executeUpdate(deliverCallbackUpdate, {
        updateId: `${callbackId}/${deliveryId}`,
        args: [
          {
            callbackId,
            deliveryId,
            kind: 'complete',
            method: 'POST',
            contentType: 'application/json',
            data: { decision: 'approve' },
            query: {},
            headers: {},
            receivedAt: new Date().toISOString(),
            approver,
            actionDigest: digest,
            ...(link === undefined ? {} : { link }),
          },
        ],
      });
      return { outcome: result.outcome };
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) return { refused: (err.cause as { type?: string }).type };
      throw err;
    }
  }

  test('votes cast before the reissue still count toward the quorum; the same digest and rules bind the new link, and the old link is refused', async () => {
    const handle = await h.start<typeof reissuingApproval>('reissuingApproval', [{ action: ACTION, approvers: [{ group: 'secops' }], quorum: 2, signReceipt: false, timeout: '10m' }]);
    const oldUrl = await waitForCallbackUrl(handle);
    const [info] = await handle.query(callbacksQuery);
    const { id: callbackId, approval } = info!;
    expect((await vote(handle, callbackId, approval!.actionDigest, person('alice'))).outcome).toBe('accepted');

    await handle.signal(reissueSignal);
    const newUrl = await urlAfter(handle, oldUrl);
    const oldClaims = decodeJwt(tokenOf(oldUrl));
    expect(decodeJwt(tokenOf(newUrl))).toMatchObject({ apv: oldClaims.apv, lnk: 1 });

    expect(await vote(handle, callbackId, approval!.actionDigest, person('bob'))).toEqual({ refused: 'CALLBACK_LINK_REPLACED' });
    expect(await vote(handle, callbackId, approval!.actionDigest, person('bob'), 1)).toEqual({ outcome: 'accepted' });
    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'approved', decidedBy: 'votes' });
    expect(result.votes.map((each) => each.approver.subject)).toEqual(['alice', 'bob']);
  });

  test("through the gateway: the old link's page is a 410 that says it was replaced, with no form, and its vote is refused; the new link decides", async () => {
    const handle = await h.start<typeof reissuingApproval>('reissuingApproval', [{ action: ACTION, allowLinkHolders: true, signReceipt: false, timeout: '10m' }]);
    const oldUrl = await waitForCallbackUrl(handle);
    await handle.signal(reissueSignal);
    const newUrl = await urlAfter(handle, oldUrl);

    const page = await fetch(oldUrl, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(410);
    const html = await page.text();
    expect(html).toContain('CALLBACK_LINK_REPLACED');
    expect(html).toContain('replaced by a newer one');
    expect(html).not.toContain('<form');
    expect((await fetch(newUrl, { headers: { accept: 'text/html' } })).status).toBe(200);

    const refused = await postJson(oldUrl, { decision: 'approve' });
    expect(refused.status).toBe(410);
    expect(await codeOfResponse(refused)).toBe('CALLBACK_LINK_REPLACED');
    const decided = await postJson(newUrl, { decision: 'approve' });
    expect(decided.status).toBe(200);
    expect(await handle.result()).toMatchObject({ outcome: 'approved' });
  });
});

describe('reissuing through the durableCallbacks.reissueCallback update', () => {
  test('the client helper returns the new URL, its link and expiry; unknown and closed callbacks are refused with their codes', async () => {
    const { handle, url: oldUrl, callbackId } = await startCallback({ options: { timeout: '1h' } });
    const reissued = await reissueCallback(h.client, handle.workflowId, callbackId, { linkExpiresIn: '2m' });
    expect(reissued).toMatchObject({ callbackId, link: 1 });
    expect(await handle.query(callbackUrlQuery)).toBe(reissued.url);
    const claims = decodeJwt(tokenOf(reissued.url));
    expect(new Date(claims.exp! * 1000).toISOString()).toBe(reissued.expiresAt);
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(120);
    expect(await codeOfResponse(await deliverSync(oldUrl, {}, 'old'))).toBe('CALLBACK_LINK_REPLACED');

    expect(await codeOf(reissueCallback(h.client, handle.workflowId, 'no-such-callback'))).toBe('CALLBACK_UNKNOWN');
    expect(await codeOf(reissueCallback(h.client, handle.workflowId, callbackId, { linkExpiresIn: 'soon' as never }))).toBe('INVALID_CALLBACK_OPTIONS');

    await handle.terminate();
  });

  test('the CLI prints the new URL, and exits 1 naming the code when the workflow refuses', async () => {
    const { handle, url: oldUrl, callbackId } = await startCallback({ options: { timeout: '1h' } });
    const env = { TEMPORAL_ADDRESS: TEST_TEMPORAL_ADDRESS };
    const reissued = await runTsx('cli/main.ts', ['callbacks', 'reissue', handle.workflowId, callbackId, '--link-expires-in', '30m'], env);
    expect(reissued.code).toBe(0);
    const newUrl = reissued.stdout.trim();
    expect(newUrl).toBe(await handle.query(callbackUrlQuery));
    expect(decodeJwt(tokenOf(newUrl))).toMatchObject({ lnk: 1 });
    expect(await codeOfResponse(await deliverSync(oldUrl, {}, 'old'))).toBe('CALLBACK_LINK_REPLACED');

    const unknown = await runTsx('cli/main.ts', ['callbacks', 'reissue', handle.workflowId, 'no-such-callback'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('CALLBACK_UNKNOWN');
    await handle.terminate();
  });

  test('a closed callback of a running workflow is refused CALLBACK_CLOSED', async () => {
    const handle = await h.start('twoCallbacks');
    const urls = await pollFor(async () => {
      const found = await handle.query<string[]>('urls');
      return found.length === 2 ? found : undefined;
    });
    const [first] = await handle.query(callbacksQuery);
    expect((await deliverSync(urls[0]!, {}, 'first')).status).toBe(200);
    // The first callback completed; the workflow still waits for the second.
    const update = handle.executeUpdate(reissueCallbackUpdate, { args: [{ callbackId: first!.id }] });
    const failure = await update.catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((failure as WorkflowUpdateFailedError).cause as { type?: string }).type).toBe('CALLBACK_CLOSED');
    await handle.terminate();
  });

  test('the temporal CLI, a client this project did not write, reissues through the same update', async () => {
    const { cli } = temporalCliVersion();
    expect(cli).not.toBe('');
    const { handle, url: oldUrl, callbackId } = await startCallback();
    // Asynchronously: this process runs the worker that answers the update.
    const run = await promisify(execFile)(
      cli,
      [
        'workflow', 'update', 'execute',
        '--address', TEST_TEMPORAL_ADDRESS,
        '--namespace', TEST_NAMESPACE,
        '--workflow-id', handle.workflowId,
        '--name', 'durableCallbacks.reissueCallback',
        '--input', JSON.stringify({ callbackId }),
        '--output', 'json',
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    const newUrl = await handle.query(callbackUrlQuery);
    expect(newUrl).not.toBe(oldUrl);
    expect(run.stdout).toContain(newUrl);
    expect(await codeOfResponse(await deliverSync(oldUrl, {}, 'old'))).toBe('CALLBACK_LINK_REPLACED');
    await handle.terminate();
  });
});

/** Polls `read` until it gives a value. */
async function pollFor<T>(read: () => Promise<T | undefined>): Promise<T> {
  let value: T | undefined;
  await pollUntil('the value appeared', async () => (value = await read()) !== undefined, 15_000, 100);
  return value!;
}
