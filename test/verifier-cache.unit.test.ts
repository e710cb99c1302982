import type { CallbackClaims } from '../tokens/callback-token';
import { CallbackError } from '../protocol/errors';
import { cachingVerifier, type CallbackTokenVerifier } from '../tokens/verify-callback-token';

/** A verifier that accepts tokens named `ok-<exp ms>` and counts how often it is asked. */
function countingVerifier(): CallbackTokenVerifier & { calls: number } {
  const verifier = {
    calls: 0,
    async verify(token: string): Promise<CallbackClaims> {
      verifier.calls++;
      if (!token.startsWith('ok-')) throw new CallbackError('CALLBACK_TOKEN_INVALID', 'not a token');
      const expiresAt = new Date(Number(token.slice(3)));
      if (expiresAt.getTime() <= clock) throw new CallbackError('CALLBACK_TOKEN_EXPIRED', 'expired');
      return { namespace: 'default', workflowId: 'wf', callbackId: token, expiresAt, requiresApiKey: false, allowGet: false };
    },
  };
  return verifier;
}

let clock = 1_000_000;

describe('the cache of verified tokens', () => {
  test("a token's later requests skip the signature check until the token expires, then it is refused as expired", async () => {
    const inner = countingVerifier();
    const verifier = cachingVerifier(inner, { now: () => clock });
    const token = `ok-${clock + 60_000}`;
    await verifier.verify(token);
    await verifier.verify(token);
    expect(inner.calls).toBe(1);
    clock += 60_000;
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'CALLBACK_TOKEN_EXPIRED' });
    expect(inner.calls).toBe(2);
  });

  test('refusals are never remembered, and the cache holds at most maxEntries tokens', async () => {
    const inner = countingVerifier();
    const verifier = cachingVerifier(inner, { now: () => clock, maxEntries: 2 });
    await expect(verifier.verify('forged')).rejects.toMatchObject({ code: 'CALLBACK_TOKEN_INVALID' });
    await expect(verifier.verify('forged')).rejects.toMatchObject({ code: 'CALLBACK_TOKEN_INVALID' });
    expect(inner.calls).toBe(2);
    const [a, b, c] = [1, 2, 3].map((i) => `ok-${clock + 60_000 + i}`);
    for (const token of [a, b, c]) await verifier.verify(token!);
    const before = inner.calls;
    await verifier.verify(a!); // forgotten: the oldest of three with room for two
    await verifier.verify(c!); // remembered
    expect(inner.calls).toBe(before + 1);
  });
});
