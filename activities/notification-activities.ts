import type { NotificationConfig } from '../config/notification-config';
import type { NotificationActivities } from '../protocol/notification-messages';
import { createPostNotificationWebhook } from './notification-webhook';
import { createSendApprovalMail } from './send-approval-mail';
import { createSlackCardActivities } from './slack-approval-card';

/**
 * Builds the notification activities from the worker's notification settings: `sendApprovalMail`,
 * `postApprovalCard`, `updateApprovalCard` and `postNotificationWebhook`, which workflow code runs
 * through a `Notifier` (`requestApproval`'s and `createCallback`'s `notify`): one set for approval
 * and callback notices alike. The `durableCallbacks` plugin registers them
 * with its `notifications` option. Every channel is registered; one used without its settings fails
 * at once, not retried, with `MAIL_NOT_CONFIGURED` or `SLACK_NOT_CONFIGURED` naming what to set.
 */
export function createNotificationActivities(config: NotificationConfig): NotificationActivities {
  return {
    sendApprovalMail: createSendApprovalMail(config.mail),
    ...createSlackCardActivities(config.slack),
    postNotificationWebhook: createPostNotificationWebhook(config.webhookSecrets),
  };
}
