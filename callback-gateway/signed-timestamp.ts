/**
 * The replay window every signature scheme the gateway checks shares: Standard Webhooks (on
 * callback URLs and from providers), Stripe's `t=` and Slack's request timestamp all sign the
 * time of sending, in Unix seconds, and all ask the receiver to refuse one more than five minutes
 * from its clock. One rule here, so the schemes and the document they are described in agree.
 */

/** How far a signed timestamp may be from the gateway's clock, either way: five minutes. */
export const SIGNED_TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

/** Unix seconds as the schemes send them: digits only, at most twelve (no sign, fraction or exponent). */
const UNIX_SECONDS = /^\d{1,12}$/;

/** True when `seconds` is a Unix-seconds timestamp within {@link SIGNED_TIMESTAMP_TOLERANCE_SECONDS} of `nowSeconds`. */
export function isFreshTimestamp(seconds: string, nowSeconds: number): boolean {
  return UNIX_SECONDS.test(seconds) && Math.abs(nowSeconds - Number(seconds)) <= SIGNED_TIMESTAMP_TOLERANCE_SECONDS;
}
