import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { LRUCache } from 'lru-cache';
import { chainHead, type CallbackTarget } from './temporal-calls';

/** How often one call follows its chain's head to a newer run (continue-as-new) before giving up. */
const MAX_HEAD_MOVES = 3;

/** How many chains' latest runs are remembered; the least recently used is forgotten first. */
const MAX_REMEMBERED_HEADS = 10_000;

/**
 * Sends each call for a callback to the run that heads its execution chain, and to no other
 * execution. A token minted by a chain names the chain's first run; the call goes to that run (or
 * the newest run of the chain seen so far) by run id, so it can never land in a later execution
 * that reuses the workflow id. When that run has continued as new, Temporal answers "not found",
 * one describe finds the chain's new head, and the call is made again there. Without a chain
 * (tokens minted before chains were recorded) calls go to the latest run, as before.
 */
export class ExecutionChains {
  /** The newest run seen of each chain, by the chain's first run id. */
  private readonly heads = new LRUCache<string, string>({ max: MAX_REMEMBERED_HEADS });

  /** @param client a Temporal client for the namespace the gateway serves. */
  constructor(readonly client: Client) {}

  /**
   * Runs `call` on a handle for `target`'s current run. Errors other than "not found" on the
   * current head are the caller's to classify (`temporalCallError`).
   */
  async call<T>(target: CallbackTarget, timeoutMs: number, call: (handle: WorkflowHandle) => Promise<T>): Promise<T> {
    const { workflowId, executionChain } = target;
    if (!executionChain) return call(this.client.workflow.getHandle(workflowId));
    let runId = this.heads.get(executionChain) ?? executionChain;
    for (let moves = 0; ; moves++) {
      try {
        return await call(this.client.workflow.getHandle(workflowId, runId));
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError) || moves >= MAX_HEAD_MOVES) throw err;
        const head = await chainHead(this.client, target, timeoutMs);
        if (head.kind !== 'running' || head.runId === runId) throw err;
        this.heads.set(executionChain, head.runId);
        runId = head.runId;
      }
    }
  }
}
