import type { Request } from 'express';
import { optionalText, type ParameterShape } from '../contract/contract-parts';
import type { ReceivedBody } from '../request-state';
import { SIGNED_TIMESTAMP_TOLERANCE_SECONDS } from '../signed-timestamp';
import { bodyHashId, checkFreshness, hmacHexMatches, signatureInvalid, type VerifiedWebhook } from './provider-signature';

/** The headers {@link verifySlack} reads. */
export const SLACK_HEADERS: ParameterShape = {
  'X-Slack-Signature': optionalText('Slack: `v0=<hex HMAC-SHA256 of "v0:timestamp:body">` with the signing secret.'),
  'X-Slack-Request-Timestamp': optionalText(`Slack: the signing time, Unix seconds, within ${SIGNED_TIMESTAMP_TOLERANCE_SECONDS} s of the gateway's clock.`),
};

/** The event type of a Slack slash command (a form with `command`, no `payload`): key it by `{/command}`, `{/channel_id}`, ... */
export const SLACK_SLASH_COMMAND_EVENT = 'slash_command';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A form's fields as a plain object (the form parser's has no prototype): what a slash command's key template reads. */
function formFields(data: unknown): Record<string, unknown> {
  return isObject(data) ? Object.fromEntries(Object.entries(data)) : {};
}

/** The parsed `payload` of an interaction, or undefined when the form has none or it is not a JSON object. */
function interactionOf(fields: Record<string, unknown>): Record<string, unknown> | undefined {
  if (typeof fields.payload !== 'string') return undefined;
  try {
    const payload: unknown = JSON.parse(fields.payload);
    return isObject(payload) ? payload : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What a verified form-encoded Slack request is. Slack shows whatever it is answered to the person
 * who clicked or typed, so every form is answered `200` with an empty body (`answer: 'empty'`), and
 * its delivery id is a hash of the signed body (Slack sends none).
 */
function verifiedForm(body: ReceivedBody): VerifiedWebhook {
  const id = bodyHashId(body.raw);
  const fields = formFields(body.data);
  const interaction = interactionOf(fields);
  if (interaction) return { event: typeof interaction.type === 'string' ? interaction.type : undefined, deliveryId: id, replayId: id, data: interaction, answer: 'empty' };
  if (typeof fields.command === 'string') return { event: SLACK_SLASH_COMMAND_EVENT, deliveryId: id, replayId: id, data: fields, answer: 'empty' };
  // Authentic, but of a shape this gateway does not know (an ssl_check, say): no event type, so ignored.
  return { event: undefined, deliveryId: id, replayId: id, data: fields, answer: 'empty' };
}

/**
 * Verifies a Slack request: `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:<timestamp>:<body>">`
 * with the app's signing secret (any of the source's secrets, while one is rotated), then
 * `X-Slack-Request-Timestamp` within five minutes of now.
 *
 * Interactivity (a button click: form-encoded with a JSON `payload`) is keyed in the parsed
 * `payload`, its event type is `payload.type` (`block_actions`, `view_submission`, ...). A slash
 * command (form-encoded `command`, `text`, `user_id`, ... without `payload`) is the event type
 * {@link SLACK_SLASH_COMMAND_EVENT}, keyed in its form fields. Both are identified by a hash of
 * the signed body (Slack sends no id) and answered `200` with an empty body, so Slack shows
 * nothing. Events API requests (JSON) are keyed in the body, typed by `event.type` (else `type`)
 * and identified by `event_id`; a `url_verification` is answered with its challenge. An authentic
 * request of any other shape has no event type, so the route answers it as ignored, never 400.
 */
export function verifySlack(req: Request, body: ReceivedBody, keys: readonly Uint8Array[], nowSeconds: number): VerifiedWebhook {
  const timestamp = req.get('x-slack-request-timestamp') ?? '';
  const signature = req.get('x-slack-signature') ?? '';
  if (!timestamp || !signature.startsWith('v0=') || !hmacHexMatches(keys, [`v0:${timestamp}:`, body.raw], signature.slice(3))) {
    throw signatureInvalid('X-Slack-Signature is missing or does not match the timestamp and body with any of this source\'s signing secrets.');
  }
  checkFreshness(timestamp, 'X-Slack-Request-Timestamp', nowSeconds);
  if (body.contentType === 'application/x-www-form-urlencoded') return verifiedForm(body);
  if (!isObject(body.data)) return { event: undefined, deliveryId: bodyHashId(body.raw), replayId: bodyHashId(body.raw), data: body.data, answer: 'json' };
  const envelope = body.data;
  if (envelope.type === 'url_verification' && typeof envelope.challenge === 'string') {
    return { event: 'url_verification', deliveryId: bodyHashId(body.raw), replayId: bodyHashId(body.raw), data: envelope, answer: 'json', challenge: envelope.challenge };
  }
  const inner = envelope.event as { type?: unknown } | undefined;
  const event = typeof inner?.type === 'string' ? inner.type : typeof envelope.type === 'string' ? envelope.type : undefined;
  const deliveryId = typeof envelope.event_id === 'string' ? envelope.event_id : bodyHashId(body.raw);
  return { event, deliveryId, replayId: deliveryId, data: envelope, answer: 'json' };
}
