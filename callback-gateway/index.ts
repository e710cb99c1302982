/**
 * The callback gateway (Node only): build it with {@link createGateway} and listen, or start it
 * from configuration with {@link startGateway}.
 */
export { createGateway, DEFAULT_TEMPORAL_CALL_TIMEOUT_MS, type GatewayDeps } from './create-gateway';
export { startGateway, type RunningGateway } from './server';
export { ACCEPTED_CONTENT_TYPES, DEFAULT_MAX_BODY_BYTES } from './middleware/read-body';
export { API_KEY_QUERY_PARAM } from './middleware/authenticate';
