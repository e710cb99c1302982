import type { PayloadCodec } from '@temporalio/common';
import { SimplePlugin, type SimplePluginOptions } from '@temporalio/plugin';
import type { Worker, WorkerOptions } from '@temporalio/worker';
import { createCallbackActivities, type CallbackActivityDeps } from '../activities/generate-callback-url';
import { callbackActivitiesFromRing } from '../activities/load-callback-activities';
import { createWebhookActivities } from '../activities/webhook-routing';
import { loadMintingConfig, type MintingConfig } from '../activities/minting-config';
import { type Env } from '../config/load-config';
import { type PayloadCodecConfig } from '../config/payload-codec-config';
import { type TokenConfig } from '../config/token-config';
import { describeKeySetup, formatKeySetup, KEY_SETUP_MESSAGE, type KeySetupFields } from '../tokens/describe-key-setup';
import { loadKeyRing } from '../keys/key-ring';
import { deferredPayloadCodec, withPayloadCodec } from '../codec/payload-codec-plugin';
import type { ApprovalActivities, ApprovalRecordToSign, CallbackActivities, GenerateCallbackUrlInput } from '../protocol/activity-contracts';
import { workflowSdkCopies, workflowSdkProblem } from './workflow-sdk-check';
import { createApprovalActivities, type ApprovalActivityDeps } from '../activities/sign-approval-receipt';
import type { ReceiptSigningConfig } from '../config/receipt-config';
import { formatReceiptKeySetup, loadReceiptKeyRing, RECEIPT_KEYS_MESSAGE } from '../keys/receipt-keys';
import { APPROVERS_SEARCH_ATTRIBUTE_NAME } from '../protocol/approver-keys';
import { createNotificationActivities } from '../activities/notification-activities';
import { describeNotifications, type NotificationConfig } from '../config/notification-config';

/** The plugin's name, as Temporal lists it among a worker's or client's plugins. */
export const PLUGIN_NAME = 'durable-callbacks';

/**
 * How a worker mints callback URLs: either the token settings (keys are loaded and imported once,
 * when the worker starts) or an already built minter.
 */
export type CallbackMintingOptions =
  | CallbackActivityDeps
  | {
      /** Where the token keys come from and the token's issuer and audience; must match the gateway's. */
      token: TokenConfig;
      /** The gateway's public URL, the prefix of every callback URL (e.g. `https://callbacks.example.com`). */
      callbackBaseUrl: string;
      /** API key appended to URLs minted with `includeApiKey`. */
      callbackApiKey?: string;
      /** Settings that took their defaults (`CALLBACK_BASE_URL`, ...), marked `(default)` in the startup line. */
      defaultedSettings?: readonly string[];
    };

/** Options for {@link durableCallbacks}. */
export interface DurableCallbacksOptions {
  /**
   * Mint callback URLs on this worker: registers the `generateCallbackUrl` activity that
   * `createCallback` runs. Needed on every worker that runs workflows calling `createCallback`;
   * leave it out on clients.
   */
  minting?: CallbackMintingOptions;
  /**
   * Encrypt every payload with AES-256-GCM before it reaches Temporal (the keys of
   * `PAYLOAD_CODEC_KEYS`, or any codec). Give workers, clients and the gateway the same keys.
   */
  payloadCodec?: PayloadCodecConfig | PayloadCodec;
  /**
   * Sign approval receipts on this worker: registers the `signApprovalReceipt` activity that
   * `requestApproval` runs once an approval is decided. Either the receipt settings (the key file
   * is loaded when the worker starts; in development a key is generated into the data folder) or
   * already loaded keys.
   */
  approvalReceipts?: ReceiptSigningConfig | ApprovalActivityDeps;
  /**
   * Whether `requestApproval` lists pending approvals' approvers in the `DurableCallbacksApprovers`
   * search attribute, which the gateway's `/inbox` finds them by. Default `'detect'`: the worker
   * asks its namespace at startup whether the attribute is registered (upserting an unregistered
   * one would fail workflow tasks), and lists them when it is. `false` never lists; `true` skips
   * the check (the attribute must be registered). Register it with
   * `temporal operator search-attribute create --name DurableCallbacksApprovers --type KeywordList`.
   */
  approversSearchAttribute?: boolean | 'detect';
  /**
   * Notify people on this worker: registers `sendApprovalMail`, `postApprovalCard`,
   * `updateApprovalCard` and `postNotificationWebhook`, which `requestApproval`'s `notify` (a
   * `Notifier`) runs. Channels without settings here fail, not retried, with a code naming the
   * variable to set (`MAIL_NOT_CONFIGURED`, `SLACK_NOT_CONFIGURED`).
   */
  notifications?: NotificationConfig;
}

/**
 * A {@link SimplePlugin} that holds a worker back until the plugin's keys are loaded. When they
 * cannot be, the worker is started and stopped at once, so it releases its connection like any
 * stopped worker, and `run()` rejects with the loading error.
 */
class DurableCallbacksPlugin extends SimplePlugin {
  constructor(
    options: SimplePluginOptions,
    private readonly ready: Promise<unknown>,
    private readonly keySetup?: Promise<KeySetupFields>,
    private readonly receiptKeySetup?: Promise<string>,
    private readonly approvers?: ApproversAttributeSetting,
    private readonly notificationSetup?: string,
  ) {
    super(options);
  }

  /**
   * Refuses a worker whose workflow bundle would hold two copies of `@temporalio/workflow` (the
   * library's and the user's), or one older than the library needs: `Worker.create` rejects with
   * what to do, instead of every workflow failing at `callback.wait()`.
   */
  override configureWorker(options: WorkerOptions): WorkerOptions {
    const problem = workflowSdkProblem(workflowSdkCopies(options.workflowsPath));
    if (problem) throw new Error(problem);
    this.approvers?.settle(options);
    return super.configureWorker(options);
  }

  override async runWorker(worker: Worker, next: (w: Worker) => Promise<void>): Promise<void> {
    const failure = await this.ready.then(
      () => undefined,
      (err: unknown) => ({ err }),
    );
    if (!failure) {
      if (this.keySetup) logStartupLine(`${KEY_SETUP_MESSAGE}: ${formatKeySetup(await this.keySetup)}`);
      if (this.receiptKeySetup) logStartupLine(`${RECEIPT_KEYS_MESSAGE}: ${await this.receiptKeySetup}`);
      if (this.approvers) {
        const listed = await this.approvers.listed;
        logStartupLine(`approvals listed for the inbox (${APPROVERS_SEARCH_ATTRIBUTE_NAME}): ${listed ? 'yes' : 'no, the search attribute is not registered or listing is off'}`);
      }
      if (this.notificationSetup) logStartupLine(`notifications: ${this.notificationSetup}`);
      return next(worker);
    }
    const running = next(worker);
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running.catch(() => undefined);
    throw failure.err;
  }
}

/**
 * Logs one of the worker's startup lines (token keys: source, key ids and fingerprints, base URL;
 * receipt keys: source, active kid, published kids) through Temporal's Runtime logger, where the
 * worker's own lines go. `@temporalio/worker` is required here rather than imported: clients load
 * this plugin too, and must not load the worker's native module; `runWorker` only ever runs where
 * a worker (so the module) exists.
 */
function logStartupLine(line: string): void {
  const { Runtime } = require('@temporalio/worker') as typeof import('@temporalio/worker');
  // All in the message: the default logger prints structured fields over several lines.
  Runtime.instance().logger.info(line);
}

/** Whether receipt options hold loaded keys (rather than where to load them from). */
function hasLoadedKeys(options: ReceiptSigningConfig | ApprovalActivityDeps): options is ApprovalActivityDeps {
  return 'active' in options.keys;
}

/** The receipt activity and its startup line, from settings (keys loaded now, awaited before polling) or loaded keys. */
function approvalActivities(options: ReceiptSigningConfig | ApprovalActivityDeps): { activities: Promise<ApprovalActivities>; setup: Promise<string> } {
  if (hasLoadedKeys(options)) {
    return { activities: Promise.resolve(createApprovalActivities(options)), setup: Promise.resolve(formatReceiptKeySetup(options.keys, undefined, options.issuer)) };
  }
  const config = options;
  const ring = loadReceiptKeyRing(config.keys);
  const issuer = config.defaultedSettings?.includes('APPROVAL_RECEIPT_ISSUER') ? `${config.issuer} (default)` : config.issuer;
  return {
    activities: ring.then((keys) => createApprovalActivities({ keys, issuer: config.issuer })),
    setup: ring.then((keys) => formatReceiptKeySetup(keys, config.keys, issuer)),
  };
}

/** IndexedValueType KEYWORD_LIST in Temporal's API (`temporal.api.enums.v1`). */
const KEYWORD_LIST = 7;

/**
 * Whether the worker lists approvals in the approvers search attribute: settled once, when the
 * plugin configures the worker (from the option, or by asking the worker's namespace), and read
 * by each minting of an approval, whose result carries it into history.
 */
class ApproversAttributeSetting {
  readonly listed: Promise<boolean>;
  private resolve!: (listed: boolean) => void;
  private settled = false;

  constructor(private readonly setting: boolean | 'detect') {
    this.listed = new Promise((resolve) => (this.resolve = resolve));
  }

  /** Settles the setting for a worker being configured with `options` (the first worker wins). */
  settle(options: WorkerOptions): void {
    if (this.settled) return;
    this.settled = true;
    if (this.setting !== 'detect') return this.resolve(this.setting);
    const { connection, namespace } = options;
    if (!connection) return this.resolve(false);
    connection
      .withDeadline(Date.now() + 10_000, () => connection.operatorService.listSearchAttributes({ namespace: namespace ?? 'default' }))
      .then(
        (answer) => this.resolve(Number(answer.customAttributes?.[APPROVERS_SEARCH_ATTRIBUTE_NAME]) === KEYWORD_LIST),
        // A server that cannot say (the time-skipping test server, no operator rights) is treated as one without it.
        () => this.resolve(false),
      );
  }
}

function isMinterDeps(options: CallbackMintingOptions): options is CallbackActivityDeps {
  return 'minter' in options;
}

/**
 * The Temporal plugin for durable callbacks: the one line that adds callbacks to an existing
 * worker or client. On a worker it registers the minting activity (with `minting`), the
 * approval receipt activity `signApprovalReceipt` (with `approvalReceipts`), the notification
 * activities (with `notifications`), the
 * webhook routing's activities (`subscribeWebhook`, `unsubscribeWebhook`, `holdWebhookEvent`, `recoverWebhookMailbox`), and, like on a client, the payload codec (with
 * `payloadCodec`).
 *
 * ```ts
 * const worker = await Worker.create({
 *   connection, taskQueue, workflowsPath,
 *   activities: yourActivities,
 *   plugins: [durableCallbacksFromEnv()],
 * });
 * ```
 *
 * Keys given as settings are loaded when the plugin is created and awaited before the worker
 * polls, so a bad key file stops `worker.run()` with its error instead of failing the first mint.
 */
export function durableCallbacks(options: DurableCallbacksOptions = {}): SimplePlugin {
  const { minting, payloadCodec, approvalReceipts, notifications } = options;
  const loading: Array<Promise<unknown>> = [];
  let activities: CallbackActivities | Promise<CallbackActivities> | undefined;
  let keySetup: Promise<KeySetupFields> | undefined;
  if (minting && isMinterDeps(minting)) activities = createCallbackActivities(minting);
  else if (minting) {
    const ring = loadKeyRing(minting.token.keys);
    activities = ring.then((loaded) => callbackActivitiesFromRing(loaded, minting));
    keySetup = ring.then((loaded) =>
      describeKeySetup(loaded, {
        source: minting.token.keys,
        issuer: minting.token.issuer,
        audience: minting.token.audience,
        baseUrl: minting.callbackBaseUrl,
        ...(minting.defaultedSettings ? { defaultedSettings: minting.defaultedSettings } : {}),
      }),
    );
    keySetup.catch(() => undefined);
  }
  if (activities instanceof Promise) loading.push(activities);
  const approvals = approvalReceipts ? approvalActivities(approvalReceipts) : undefined;
  if (approvals) {
    loading.push(approvals.activities);
    approvals.setup.catch(() => undefined);
  }
  const deferred = payloadCodec ? deferredPayloadCodec(payloadCodec) : undefined;
  if (deferred) loading.push(deferred.ready);
  // A loading error is reported by worker.run() and by the first use; never as an unhandled rejection.
  for (const promise of loading) promise.catch(() => undefined);
  const ready = Promise.all(loading);
  ready.catch(() => undefined);

  const minter = activities;
  const approvers = new ApproversAttributeSetting(options.approversSearchAttribute ?? 'detect');
  const pluginOptions: SimplePluginOptions = {
    name: PLUGIN_NAME,
    activities: {
      ...createWebhookActivities(),
      ...(minter
        ? ({
            generateCallbackUrl: async (input: GenerateCallbackUrlInput) => {
              const minted = await (await minter).generateCallbackUrl(input);
              return input.approval && (await approvers.listed) ? { ...minted, approversAttribute: true } : minted;
            },
          } satisfies CallbackActivities)
        : {}),
      ...(approvals
        ? ({ signApprovalReceipt: async (record: ApprovalRecordToSign) => (await approvals.activities).signApprovalReceipt(record) } satisfies ApprovalActivities)
        : {}),
      ...(notifications ? createNotificationActivities(notifications) : {}),
    },
    ...(deferred ? { dataConverter: withPayloadCodec(deferred.codec) } : {}),
  };
  return new DurableCallbacksPlugin(pluginOptions, ready, keySetup, approvals?.setup, minter ? approvers : undefined, notifications ? describeNotifications(notifications) : undefined);
}

/** {@link DurableCallbacksOptions} from parsed configuration: minting with its keys, approval receipts with theirs, and the payload codec when configured. */
export function pluginOptionsFrom(config: MintingConfig): DurableCallbacksOptions {
  const { token, callbackBaseUrl, callbackApiKey, codec, defaultedSettings, receipts, notifications } = config;
  return {
    minting: { token, callbackBaseUrl, ...(callbackApiKey ? { callbackApiKey } : {}), ...(defaultedSettings ? { defaultedSettings } : {}) },
    ...(codec ? { payloadCodec: codec } : {}),
    ...(receipts ? { approvalReceipts: receipts } : {}),
    ...(notifications ? { notifications } : {}),
  };
}

/**
 * {@link durableCallbacks} configured from the environment, as `durable-callbacks worker` is:
 * token keys (`CALLBACK_SIGNING_SECRET` or `CALLBACK_KEY_RING_FILE`), `CALLBACK_BASE_URL`,
 * `CALLBACK_API_KEY`, `PAYLOAD_CODEC_KEYS` and the approval receipt key (`APPROVAL_RECEIPT_KEY_FILE`,
 * generated into the data folder outside production). It reads nothing of the Temporal connection, which
 * your worker makes.
 * @throws `ConfigError` naming each missing or malformed variable.
 */
export function durableCallbacksFromEnv(env: Env = process.env): SimplePlugin {
  return durableCallbacks(pluginOptionsFrom(loadMintingConfig(env)));
}
