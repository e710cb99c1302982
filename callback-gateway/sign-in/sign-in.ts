import { OidcSignIn } from './oidc-sign-in';

/** What `createGateway` takes to offer sign-in: the provider, the gateway's registration, its public URL and the session secret. */
export interface SignInSettings {
  /** The provider's issuer URL (`OIDC_ISSUER`). */
  issuer: string;
  clientId: string;
  /** Never logged. */
  clientSecret: string;
  /** The ID token claim that lists groups (`OIDC_GROUPS_CLAIM`, default `groups`). */
  groupsClaim?: string;
  /** The gateway's external base URL (`GATEWAY_PUBLIC_URL`). */
  publicUrl: string;
  /** At least 32 bytes: signs session and transaction cookies and derives CSRF tokens. */
  sessionSecret: Uint8Array;
}

/** Sign-in as the routes and the approval page use it: the provider client, the cookie key, and the cookies' scope. */
export interface SignIn {
  oidc: OidcSignIn;
  /** Signs sessions and transactions, and derives CSRF tokens. */
  sessionKey: Uint8Array;
  /** Whether cookies are `Secure` (the public URL is https). */
  secureCookies: boolean;
  /** The public URL's path prefix ('' at the root), before `/auth/oidc` and `/callbacks/...`. */
  basePath: string;
}

/** Builds the {@link SignIn} for `settings`; nothing is fetched from the provider until the first sign-in. */
export function createSignIn(settings: SignInSettings): SignIn {
  const publicUrl = new URL(settings.publicUrl);
  const basePath = publicUrl.pathname.replace(/\/+$/, '');
  return {
    oidc: new OidcSignIn({
      issuer: settings.issuer,
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      groupsClaim: settings.groupsClaim ?? 'groups',
      publicUrl: `${publicUrl.origin}${basePath}`,
    }),
    sessionKey: settings.sessionSecret,
    secureCookies: publicUrl.protocol === 'https:',
    basePath,
  };
}
