/**
 * `npm run demo [-- <example>]`: runs one example end to end against `npm start`. The first
 * argument picks it; without one, the ticket triage example.
 */
const DEMOS: Record<string, { what: string; load: () => void }> = {
  'ticket-triage': { what: 'a callback URL handed to a ticketing system', load: () => require('./ticket-triage/demo') },
  slack: { what: 'a Slack approval: buttons in a message, the click routed back by key', load: () => require('./slack-approval/demo') },
  'github-pr': { what: "a wait for a GitHub pull request's merge, from its webhooks", load: () => require('./github-pr/demo') },
  approval: { what: 'a production change two people of the change board must approve, signed in, with a signed receipt', load: () => require('./it-change/demo') },
  agent: { what: "an AI agent's tool call that waits for a person of the on-call group, with a signed receipt", load: () => require('./agent-approval/demo') },
};

const name = process.argv[2] ?? 'ticket-triage';
const demo = DEMOS[name];
if (!demo) {
  console.error(`No demo named ${JSON.stringify(name)}. Run one of:`);
  for (const [key, { what }] of Object.entries(DEMOS)) console.error(`  npm run demo -- ${key.padEnd(14)} ${what}`);
  process.exit(1);
}
// Each demo is an entry point: loading it runs it.
demo.load();
