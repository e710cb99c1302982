/** The `code` a promise rejects with, or undefined when it resolves: tests assert codes, never messages. */
export async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (err: { code?: string }) => err.code,
  );
}
