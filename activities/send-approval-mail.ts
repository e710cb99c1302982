import { ApplicationFailure } from '@temporalio/activity';
import { createTransport, type Transporter } from 'nodemailer';
import type { NotificationConfig } from '../config/notification-config';
import { NOTIFICATION_FAILURES, type ApprovalMailSent, type NotificationMailInput } from '../protocol/notification-messages';
import { approvalMailContent } from './approval-mail-content';
import { callbackMailContent } from './callback-mail-content';

/** How long the SMTP conversation may take before the attempt fails (and is retried by the activity's policy). */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

/** An SMTP failure as nodemailer reports it. */
interface SmtpError {
  code?: string;
  responseCode?: number;
  permanent?: boolean;
  message?: string;
}

/**
 * The `sendApprovalMail` activity: mails the approval's link (or, for a plain callback's notice,
 * the callback's URL) through the worker's SMTP server (`SMTP_URL`, from `MAIL_FROM`). A connection refused, a timeout or a 4xx answer fails the attempt
 * (`MAIL_UNAVAILABLE`, retried); a 5xx answer (`MAIL_REJECTED`) and a worker without mail settings
 * (`MAIL_NOT_CONFIGURED`) fail for good. Messages name no credentials: nodemailer's errors carry
 * the server's answer, never the URL.
 */
export function createSendApprovalMail(mail: NotificationConfig['mail']): (input: NotificationMailInput) => Promise<ApprovalMailSent> {
  let transport: Transporter | undefined;
  return async (input) => {
    if (!mail) throw ApplicationFailure.create({ type: 'MAIL_NOT_CONFIGURED', message: NOTIFICATION_FAILURES.MAIL_NOT_CONFIGURED, nonRetryable: true });
    transport ??= createTransport(mail.smtpUrl, { ...SMTP_TIMEOUTS, from: mail.from });
    const content = 'callback' in input ? callbackMailContent(input) : approvalMailContent(input);
    try {
      const info = (await transport.sendMail({ from: mail.from, to: input.to, ...content })) as { messageId: string };
      return { messageId: info.messageId };
    } catch (err) {
      const smtp = err as SmtpError;
      const permanent = smtp.permanent === true || (smtp.responseCode !== undefined && smtp.responseCode >= 500);
      const type = permanent ? 'MAIL_REJECTED' : 'MAIL_UNAVAILABLE';
      throw ApplicationFailure.create({ type, message: `${NOTIFICATION_FAILURES[type]} ${smtp.code ?? ''} ${smtp.message ?? String(err)}`.trim(), nonRetryable: permanent });
    }
  };
}
