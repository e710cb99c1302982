import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * The webhook sources `npm start` gives its gateway when `WEBHOOK_SOURCES_FILE` is not set, so
 * the demos (`npm run demo -- slack`, `npm run demo -- github-pr`) have a `/webhooks/slack` and a
 * `/webhooks/github` to send to. The secrets are generated on this machine on first use, kept in
 * `.data/` (git-ignored, mode 0600) and shared only with the demos' stand-in senders: they are
 * not a real Slack app's or GitHub webhook's secrets.
 */

/** Where the demo sources file lives. */
export const DEMO_WEBHOOK_SOURCES_FILE = path.resolve(__dirname, '..', '..', '.data', 'demo-webhook-sources.json');

/** Creates the demo sources file with fresh secrets unless it exists; returns its path. */
export async function ensureDemoWebhookSources(file = DEMO_WEBHOOK_SOURCES_FILE): Promise<string> {
  const secret = () => randomBytes(32).toString('hex');
  const sources = {
    slack: { provider: 'slack', secret: secret(), events: { block_actions: { key: '{/actions/0/value}' } } },
    github: { provider: 'github', secret: secret(), events: { pull_request: { key: '{/repository/full_name}#{/pull_request/number}' } } },
  };
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    // 'wx': two starts racing keep the first file, so both processes agree on the secrets.
    await fs.writeFile(file, `${JSON.stringify(sources, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return file;
}

/** The sources file a gateway started from `env` reads: `WEBHOOK_SOURCES_FILE`, else the demo's (created if missing). */
export async function webhookSourcesFileFor(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return env.WEBHOOK_SOURCES_FILE || ensureDemoWebhookSources();
}

/** The port of the approval demo's stand-in Slack (its Web API, and the response URLs of its clicks). */
export const DEMO_SLACK_PORT = 8092;

/** The workspace the approval demo's stand-in Slack clicks from. */
export const DEMO_SLACK_TEAM = 'T0DEMO';

/**
 * The Slack approval settings `npm start` gives its gateway when `SLACK_SIGNING_SECRET` is not
 * set: the demo `slack` source's secret (a Slack app signs all its requests with one secret), the
 * demo workspace, and the stand-in's response URLs. None when the sources file has no `slack`
 * source (a `WEBHOOK_SOURCES_FILE` of the user's own).
 */
export async function demoSlackApprovalEnv(file: string, env: NodeJS.ProcessEnv = process.env): Promise<Record<string, string>> {
  if (env.SLACK_SIGNING_SECRET) return {};
  const sources = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, { provider?: string; secret?: string }>;
  const slack = sources.slack;
  if (slack?.provider !== 'slack' || typeof slack.secret !== 'string') return {};
  return { SLACK_SIGNING_SECRET: slack.secret, SLACK_TEAM_IDS: DEMO_SLACK_TEAM, SLACK_RESPONSE_URL_ALLOW: `http://127.0.0.1:${DEMO_SLACK_PORT}` };
}
