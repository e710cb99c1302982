import * as oidc from 'openid-client';
import { CallbackError } from '../../protocol/errors';
import type { VerifiedApprover } from '../../protocol/approval-messages';
import type { SignInTransaction } from './sign-in-transaction';

/**
 * The gateway's side of OpenID Connect sign-in, on the certified client `openid-client`: the
 * authorization code flow with PKCE (S256), `state` and `nonce`, and `max_age` when an approval
 * demands a fresh sign-in. openid-client validates the ID token (signature by the provider's
 * JWKS, issuer, audience = the client id, nonce, expiry, `auth_time` against `max_age`); what
 * it proves becomes a {@link VerifiedApprover}.
 */

/** The path the provider redirects back to, below the gateway's public URL. */
export const OIDC_CALLBACK_PATH = '/auth/oidc/callback';

/** What {@link OidcSignIn} needs: the provider, the gateway's registration with it, and its public URL. */
export interface OidcSignInOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The ID token claim listing the person's groups. */
  groupsClaim: string;
  /** The gateway's external base URL (no trailing slash); the redirect URI is `<publicUrl>/auth/oidc/callback`. */
  publicUrl: string;
  /** Bound on each request to the provider (discovery, token endpoint, JWKS). Default 10 s. */
  timeoutMs?: number;
}

/** The scopes asked for: who (`openid`), their email and name; the groups claim is read from the ID token. */
const SCOPES = 'openid email profile';

/** Why a sign-in's return failed, as a refusal: provider unreachable (503), provider said no (403), anything else (401). */
function signInRefusal(err: unknown): CallbackError {
  if (err instanceof CallbackError) return err;
  if (err instanceof oidc.AuthorizationResponseError) {
    return new CallbackError('SIGN_IN_DENIED', 'The sign-in provider did not sign you in (you cancelled, or it refused); nothing was recorded. Go back to the approval link to try again.', { cause: err });
  }
  const code = (err as { code?: unknown } | null)?.code;
  // A ClientError without a code is openid-client's wrapper of a failed fetch.
  const unreachable =
    err instanceof oidc.ResponseBodyError ? err.status >= 500 : err instanceof oidc.ClientError && (code === undefined || code === 'OAUTH_TIMEOUT' || code === 'OAUTH_ABORT');
  if (unreachable) {
    return new CallbackError('SIGN_IN_PROVIDER_UNAVAILABLE', 'The sign-in provider could not be reached; try again in a minute.', { retryAfterSeconds: 30, cause: err });
  }
  return new CallbackError('SIGN_IN_FAILED', 'The sign-in could not be completed (its code was already used, has expired, or the provider\'s answer did not validate); no session was made. Go back to the approval link and sign in again.', { cause: err });
}

/**
 * Why openid-client refused a sign-in, as far as an operator needs it and nothing more: the
 * OAuth error the provider answered (`invalid_grant`, `access_denied`, `invalid_client`) or
 * openid-client's check that failed (`OAUTH_JWT_CLAIM_COMPARISON_FAILED`, ...). Never a message
 * or description, which could quote what was sent.
 */
export function signInFailureReason(err: unknown): string | undefined {
  if (err instanceof oidc.AuthorizationResponseError || err instanceof oidc.ResponseBodyError) return err.error;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The string values of a claim that may be one string or a list of them. */
function stringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return undefined;
}

/**
 * Sign-in with one OpenID Connect provider. Discovery runs on first use and is remembered (a
 * failed one is tried again next time), so the gateway starts while the provider is down.
 */
export class OidcSignIn {
  /** The redirect URI registered at the provider. */
  readonly redirectUri: string;
  private configuration: Promise<oidc.Configuration> | undefined;

  constructor(private readonly options: OidcSignInOptions) {
    this.redirectUri = `${options.publicUrl}${OIDC_CALLBACK_PATH}`;
  }

  /** The provider's issuer URL, as sessions and approvers name it. */
  get issuer(): string {
    return this.options.issuer;
  }

  private discover(): Promise<oidc.Configuration> {
    const { issuer, clientId, clientSecret, timeoutMs } = this.options;
    this.configuration ??= oidc
      .discovery(new URL(issuer), clientId, { redirect_uris: [this.redirectUri] }, oidc.ClientSecretPost(clientSecret), {
        timeout: (timeoutMs ?? 10_000) / 1000,
        // http is refused unless the issuer itself is http (the development provider); config refuses that in production.
        ...(issuer.startsWith('http:') ? { execute: [oidc.allowInsecureRequests] } : {}),
      })
      .catch((err: unknown) => {
        this.configuration = undefined;
        throw err;
      });
    return this.configuration;
  }

  /**
   * Begins a sign-in that returns to `returnPath`: the provider's authorization URL to redirect
   * the browser to, and the transaction to keep (in the transaction cookie) until it returns.
   * `maxAge` (seconds) asks the provider for a sign-in no older than that (`prompt=login` at 0).
   */
  async begin(returnPath: string, maxAge?: number): Promise<{ url: URL; transaction: SignInTransaction }> {
    let configuration: oidc.Configuration;
    try {
      configuration = await this.discover();
    } catch (err) {
      throw signInRefusal(err);
    }
    const transaction: SignInTransaction = {
      codeVerifier: oidc.randomPKCECodeVerifier(),
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      returnPath,
      ...(maxAge === undefined ? {} : { maxAge }),
    };
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: SCOPES,
      response_type: 'code',
      code_challenge: await oidc.calculatePKCECodeChallenge(transaction.codeVerifier),
      code_challenge_method: 'S256',
      state: transaction.state,
      nonce: transaction.nonce,
      ...(maxAge === undefined ? {} : { max_age: String(maxAge) }),
      ...(maxAge === 0 ? { prompt: 'login' } : {}),
    });
    return { url, transaction };
  }

  /**
   * Completes a sign-in from the provider's redirect back (`currentUrl`, with its `code` and
   * `state`) and its `transaction`: exchanges the code (with the PKCE verifier), validates the ID
   * token, and returns who it proves.
   * @throws {@link CallbackError} `SIGN_IN_STATE_MISMATCH`, `SIGN_IN_DENIED`, `SIGN_IN_FAILED` or `SIGN_IN_PROVIDER_UNAVAILABLE`.
   */
  async complete(currentUrl: URL, transaction: SignInTransaction): Promise<VerifiedApprover> {
    // Checked here as well as by openid-client, so a crossed sign-in gets its own code.
    if (currentUrl.searchParams.get('state') !== transaction.state) {
      throw new CallbackError('SIGN_IN_STATE_MISMATCH', "The sign-in's return does not match the sign-in this browser began (a forged or crossed sign-in); no session was made. Go back to the approval link and sign in again.");
    }
    try {
      const configuration = await this.discover();
      const tokens = await oidc.authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: transaction.codeVerifier,
        expectedState: transaction.state,
        expectedNonce: transaction.nonce,
        idTokenExpected: true,
        ...(transaction.maxAge === undefined ? {} : { maxAge: transaction.maxAge }),
      });
      const claims = tokens.claims();
      if (!claims) throw new CallbackError('SIGN_IN_FAILED', 'The sign-in provider returned no ID token; no session was made.');
      const groups = stringList(claims[this.options.groupsClaim]);
      return {
        issuer: claims.iss,
        subject: claims.sub,
        ...(typeof claims.email === 'string' ? { email: claims.email } : {}),
        ...(typeof claims.email_verified === 'boolean' ? { emailVerified: claims.email_verified } : {}),
        ...(typeof claims.name === 'string' ? { name: claims.name } : {}),
        ...(groups ? { groups } : {}),
        via: 'oidc',
        ...(typeof claims.auth_time === 'number' ? { authTime: new Date(claims.auth_time * 1000).toISOString() } : {}),
      };
    } catch (err) {
      throw signInRefusal(err);
    }
  }
}
