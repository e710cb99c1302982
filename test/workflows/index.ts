/**
 * Workflows used only by the tests, bundled with the product's own. Sandbox code: they import
 * only `@temporalio/workflow` and the workflow helpers.
 */
import { condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';
import { callbackUrlQuery, createCallback, type CallbackWaitResult, type CreateCallbackOptions } from '../../workflows';

export * from '../../workflows/registry';

export const releaseSignal = defineSignal('release');
export const urlsQuery = defineQuery<string[]>('urls');

/** Mints a URL, then calls wait() only after the test sends `release`: proves early deliveries are kept. */
export async function waitAfterRelease(): Promise<CallbackWaitResult> {
  let released = false;
  let url: string | null = null;
  setHandler(releaseSignal, () => void (released = true));
  setHandler(callbackUrlQuery, () => url);
  const callback = await createCallback({ expiresIn: '10m' });
  url = callback.url;
  await condition(() => released);
  return callback.wait({ timeout: '1s' });
}

/** Two callbacks in one workflow, each with its own wait. */
export async function twoCallbacks(): Promise<{ first: CallbackWaitResult; second: CallbackWaitResult }> {
  const urls: string[] = [];
  setHandler(urlsQuery, () => urls);
  const first = await createCallback({ expiresIn: '10m' });
  const second = await createCallback({ expiresIn: '10m' });
  urls.push(first.url, second.url);
  const [a, b] = await Promise.all([first.wait({ timeout: '30s' }), second.wait({ timeout: '30s' })]);
  return { first: a, second: b };
}

/** The throwing variant: fails with CALLBACK_TIMED_OUT when nothing arrives. */
export async function waitOrThrowWorkflow(timeout: string): Promise<unknown> {
  const callback = await createCallback({ expiresIn: '10m' });
  return (await callback.waitOrThrow({ timeout })).data;
}

/** Mints with arbitrary options, to check option validation. */
export async function createWithOptions(options: CreateCallbackOptions): Promise<string> {
  return (await createCallback(options)).url;
}
