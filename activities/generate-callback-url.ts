import { ApplicationFailure, Context } from '@temporalio/activity';
import { actionDigest, canonicalAction, MAX_ACTION_BYTES } from '../tokens/action-digest';
import type { CallbackTokenMinter } from '../tokens/mint-callback-token';
import type { ApprovalBinding } from '../protocol/approval-messages';
import type { CallbackActivities, GenerateCallbackUrlInput, GenerateCallbackUrlResult } from '../protocol/activity-contracts';

/** What the minting activity needs, built once per worker. */
export interface CallbackActivityDeps {
  /** Signs tokens with the worker's signing key. */
  minter: CallbackTokenMinter;
  /** Public URL of the gateway, e.g. `https://callbacks.example.com`; a path prefix is kept. */
  callbackBaseUrl: string;
  /** API key appended for `includeApiKey`; without one, that option fails. */
  callbackApiKey?: string;
}

/**
 * Builds the activities the workflow helpers call. Register the result on every worker that runs
 * workflows using `createCallback`:
 *
 * ```ts
 * Worker.create({ ..., activities: { ...createCallbackActivities(deps), ...yourActivities } })
 * ```
 *
 * The token names the workflow and namespace taken from the activity's own context, never from
 * its input, so workflow code cannot mint a URL that signals some other workflow.
 */
export function createCallbackActivities(deps: CallbackActivityDeps): CallbackActivities {
  const base = deps.callbackBaseUrl.endsWith('/') ? deps.callbackBaseUrl : `${deps.callbackBaseUrl}/`;
  return {
    async generateCallbackUrl(input: GenerateCallbackUrlInput): Promise<GenerateCallbackUrlResult> {
      if (input.includeApiKey && !deps.callbackApiKey) {
        throw ApplicationFailure.create({
          type: 'CALLBACK_API_KEY_NOT_CONFIGURED',
          message:
            'createCallback({ includeApiKey: true }) needs an API key to put in the URL, and this worker has none: ' +
            'create one with `durable-callbacks keys create --name worker --scope workflows:execute` and set CALLBACK_API_KEY on the worker.',
          nonRetryable: true,
        });
      }
      const { namespace, workflowExecution } = Context.current().info;
      if (!workflowExecution) {
        throw ApplicationFailure.create({
          type: 'CALLBACK_OUTSIDE_WORKFLOW',
          message: 'generateCallbackUrl must be scheduled by a workflow: the URL it mints signals the workflow that scheduled it.',
          nonRetryable: true,
        });
      }
      const approval = input.approval ? approvalBinding(input.approval) : undefined;
      const token = await deps.minter.mint({
        namespace,
        workflowId: workflowExecution.workflowId,
        callbackId: input.callbackId,
        expiresAt: new Date(input.expiresAt),
        requiresApiKey: input.requireApiKey || input.includeApiKey,
        allowGet: input.allowGet,
        ...(input.signatureSender === undefined ? {} : { signatureSender: input.signatureSender }),
        ...(input.executionChain === undefined ? {} : { executionChain: input.executionChain }),
        ...(approval ? { approval } : {}),
        ...(input.link ? { link: input.link } : {}),
      });
      const url = new URL(`callbacks/${token}`, base);
      if (input.includeApiKey && deps.callbackApiKey) url.searchParams.set('api_key', deps.callbackApiKey);
      return { url: url.toString(), ...(approval ? { actionDigest: approval.actionDigest } : {}) };
    },
  };
}

/**
 * The token's binding for an approval: the action's digest (over its canonical JSON, which must
 * be JSON and at most {@link MAX_ACTION_BYTES}) and who may vote.
 * @throws a non-retryable `INVALID_APPROVAL_ACTION` failure when the action is not JSON or too large.
 */
function approvalBinding(approval: NonNullable<GenerateCallbackUrlInput['approval']>): ApprovalBinding {
  const { action, ...binding } = approval;
  let bytes: number;
  try {
    bytes = Buffer.byteLength(canonicalAction(action), 'utf8');
  } catch (err) {
    throw ApplicationFailure.create({ type: 'INVALID_APPROVAL_ACTION', message: `The approval's action must be JSON: ${(err as Error).message}`, nonRetryable: true });
  }
  if (bytes > MAX_ACTION_BYTES) {
    throw ApplicationFailure.create({
      type: 'INVALID_APPROVAL_ACTION',
      message: `The approval's action is ${bytes} bytes as canonical JSON; at most ${MAX_ACTION_BYTES} are allowed (put large evidence behind a link in details).`,
      nonRetryable: true,
    });
  }
  return { ...binding, actionDigest: actionDigest(action) };
}
