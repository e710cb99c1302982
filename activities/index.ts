/**
 * Activities for durable callbacks (Node only): register them on your worker.
 */
export { createCallbackActivities, type CallbackActivityDeps } from './generate-callback-url';
export { loadCallbackActivities } from './load-callback-activities';
export { createTicketingActivities, type TicketingActivities, type CreateTicketInput, type CreatedTicket } from './ticketing';
