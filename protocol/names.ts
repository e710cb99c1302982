/**
 * The one rule for names the gateway, the workflows and the settings share: webhook sources,
 * signature senders, key ids (token and payload keys) and request ids. Safe in a URL path, a
 * header, a JWT header and a Temporal workflow id without escaping.
 */
export const NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** {@link NAME_PATTERN} in words, for error messages. */
export const NAME_RULE = '1 to 64 of A-Z a-z 0-9 . _ -';
