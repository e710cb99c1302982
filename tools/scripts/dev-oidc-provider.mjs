// A development OpenID Connect provider for `npm start` and the tests: the certified
// `oidc-provider` (ESM only, so a process of its own), with one confidential client (the gateway)
// and demo users from a JSON file. Its development sign-in form (oidc-provider's devInteractions)
// signs in whoever types a login name, with any password: never expose it beyond this machine.
//
//   node tools/scripts/dev-oidc-provider.mjs --port 9090 --client-id dcb-gateway \
//     --client-secret <secret> --redirect-uri http://localhost:8080/auth/oidc/callback \
//     [--issuer http://localhost:9090] [--users tools/dev-oidc/demo-users.json] [--extra-client id:secret:uri ...]
//
// A users file maps a login name to its claims: { "alice": { "email", "email_verified", "name",
// "groups": [] } }. A login name not in the file signs in with just `sub` and `name`. The ID token
// carries every claim (conformIdTokenClaims: false), `groups` with the `openid` scope, and
// `auth_time`; the gateway's client is first-party, so no consent screen is shown.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Provider from 'oidc-provider';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    issuer: { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    'redirect-uri': { type: 'string' },
    users: { type: 'string' },
    // More clients, as <id>:<secret>:<redirect uri> (the tests: another application at the same provider).
    'extra-client': { type: 'string', multiple: true },
  },
});

function required(name) {
  const value = values[name];
  if (!value) {
    console.error(`dev-oidc-provider: --${name} is required`);
    process.exit(2);
  }
  return value;
}

const port = Number(required('port'));
const issuer = values.issuer ?? `http://localhost:${port}`;
const clientId = required('client-id');
const usersFile = path.resolve(values.users ?? path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'dev-oidc', 'demo-users.json'));
/** @type {Record<string, Record<string, unknown>>} */
const users = JSON.parse(readFileSync(usersFile, 'utf8'));

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: required('client-secret'),
      redirect_uris: [required('redirect-uri')],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_post',
      require_auth_time: true,
    },
    ...(values['extra-client'] ?? []).map((spec) => {
      const [id, secret, ...uri] = spec.split(':');
      return { client_id: id, client_secret: secret, redirect_uris: [uri.join(':')], response_types: ['code'], grant_types: ['authorization_code'], token_endpoint_auth_method: 'client_secret_post' };
    }),
  ],
  claims: { openid: ['sub', 'groups'], email: ['email', 'email_verified'], profile: ['name'] },
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  features: { devInteractions: { enabled: true } },
  async findAccount(_ctx, id) {
    const claims = { sub: id, name: id, ...(Object.hasOwn(users, id) ? users[id] : {}) };
    return { accountId: id, claims: async () => claims };
  },
  // The gateway is this provider's own (first-party) client: it is granted what it asks for, without a consent screen.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});

const server = provider.listen(port, () => {
  console.log(`dev OIDC provider listening at ${issuer} (client ${clientId}, users from ${usersFile})`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
