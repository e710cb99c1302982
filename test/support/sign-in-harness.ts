import { randomBytes } from 'node:crypto';
import { freePort } from './dev-server';
import { startHarness, type Harness, type HarnessOptions } from './harness';
import { startDevOidcProvider, type DevOidcProvider } from './oidc';

/** A harness whose gateway signs people in at a development provider of its own. */
export interface SignInHarness {
  h: Harness;
  provider: DevOidcProvider;
  /** The gateway's own URL (the one the provider redirects back to): `http://127.0.0.1:<port>`. */
  gatewayUrl: string;
  /** Stops the harness, then the provider. */
  close(): Promise<void>;
}

/**
 * Starts the development OpenID Connect provider and a harness whose gateway signs in there, on
 * a free port the provider knows as its redirect target: what every test of signed-in votes,
 * the inbox and delegation needs. `options` are the harness's other options.
 */
export async function startSignInHarness(options: Omit<HarnessOptions, 'gatewayPort' | 'signIn'> = {}): Promise<SignInHarness> {
  const gatewayPort = await freePort();
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const provider = await startDevOidcProvider(`${gatewayUrl}/auth/oidc/callback`);
  let h: Harness;
  try {
    h = await startHarness({
      ...options,
      gatewayPort,
      signIn: { issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret, publicUrl: gatewayUrl, sessionSecret: randomBytes(32) },
    });
  } catch (err) {
    await provider.close();
    throw err;
  }
  return {
    h,
    provider,
    gatewayUrl,
    async close() {
      await h.close();
      await provider.close();
    },
  };
}
