import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { deferred, withTimeout, type Deferred } from '../../../test/support/async';

/**
 * A small request/response protocol over Node's IPC channel between the bench driver and the
 * child processes it forks (gateways, the scale worker), plus one-way events from the child.
 */
type Message =
  | { kind: 'req'; id: number; type: string; body: unknown }
  | { kind: 'res'; id: number; ok: true; body: unknown }
  | { kind: 'res'; id: number; ok: false; error: string }
  | { kind: 'evt'; type: string; body: unknown };

/** Handlers a child answers requests with, by request type. */
export type RequestHandlers = Record<string, (body: any) => unknown>;

/** Options for {@link forkChild}. */
export interface ForkOptions {
  /** Passed to the child as the JSON of `BENCH_CHILD_CONFIG`. */
  config: unknown;
  /** Extra Node flags (e.g. `--max-old-space-size`); tsx's loader flags are always passed on. */
  execArgv?: string[];
  /** Where the child's stdout goes: a file descriptor, or `inherit`. */
  stdout?: number | 'inherit' | 'ignore';
  /** How long the child may take to send its `started` event. */
  startTimeoutMs?: number;
}

/** A forked child speaking this protocol. */
export class ChildChannel {
  private nextId = 1;
  private readonly pending = new Map<number, Deferred<unknown>>();
  private readonly listeners = new Map<string, Array<(body: any) => void>>();
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    child.on('message', (message: Message) => {
      if (message.kind === 'res') {
        const waiter = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.ok) waiter?.resolve(message.body);
        else waiter?.reject(new Error(message.error));
      } else if (message.kind === 'evt') {
        for (const listener of this.listeners.get(message.type) ?? []) listener(message.body);
      }
    });
    this.exited = once(child, 'exit').then(([code]) => code as number | null);
    void this.exited.then((code) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`child ${child.pid} exited (code ${code})`));
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Calls `listener` for every event of `type` the child sends. */
  on<T>(type: string, listener: (body: T) => void): void {
    const list = this.listeners.get(type) ?? [];
    list.push(listener);
    this.listeners.set(type, list);
  }

  /** Sends a request and resolves with the child's answer. */
  request<T>(type: string, body: unknown = null, timeoutMs = 60_000): Promise<T> {
    const id = this.nextId++;
    const waiter = deferred<unknown>();
    this.pending.set(id, waiter);
    this.child.send({ kind: 'req', id, type, body } satisfies Message);
    return withTimeout(waiter.promise as Promise<T>, timeoutMs, `child ${this.pid} answering '${type}'`);
  }

  /** Asks the child to stop (`stop` request), then waits for it to exit; kills it (by pid) if it does not. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    try {
      await this.request('stop', null, timeoutMs);
    } catch {
      // Killed below if it is still there.
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * Forks `modulePath` (a TypeScript file; tsx's loader flags are passed on) and waits for its
 * `started` event, whose body is returned.
 */
export async function forkChild<T>(modulePath: string, options: ForkOptions): Promise<{ channel: ChildChannel; started: T }> {
  const child = fork(modulePath, [], {
    execArgv: [...process.execArgv, ...(options.execArgv ?? [])],
    env: { ...process.env, BENCH_CHILD_CONFIG: JSON.stringify(options.config) },
    stdio: ['ignore', options.stdout ?? 'inherit', 'inherit', 'ipc'],
  });
  const channel = new ChildChannel(child);
  const started = deferred<T>();
  channel.on<T>('started', (body) => started.resolve(body));
  void channel.exited.then((code) => started.reject(new Error(`${modulePath} exited (code ${code}) before it started`)));
  try {
    return { channel, started: await withTimeout(started.promise, options.startTimeoutMs ?? 60_000, `${modulePath} starting`) };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

/** In a child: its configuration from the parent. */
export function childConfig<T>(): T {
  const raw = process.env.BENCH_CHILD_CONFIG;
  if (!raw) throw new Error('BENCH_CHILD_CONFIG is not set: this module runs as a child of bench/run.ts');
  return JSON.parse(raw) as T;
}

/** In a child: sends an event to the parent. */
export function sendEvent(type: string, body: unknown): void {
  process.send?.({ kind: 'evt', type, body } satisfies Message);
}

/**
 * In a child: answers the parent's requests with `handlers`, and exits when the parent goes away
 * (so no child outlives a killed driver).
 */
export function serveRequests(handlers: RequestHandlers): void {
  process.on('message', (message: Message) => {
    if (message.kind !== 'req') return;
    const handler = handlers[message.type];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`no handler for '${message.type}'`);
        return handler(message.body);
      })
      .then(
        (body) => process.send?.({ kind: 'res', id: message.id, ok: true, body: body ?? null } satisfies Message),
        (err: unknown) => process.send?.({ kind: 'res', id: message.id, ok: false, error: String((err as Error)?.stack ?? err) } satisfies Message),
      );
  });
  process.on('disconnect', () => process.exit(0));
}
