import type { RealtimeSocket } from '../src/realtime/SocketContext';

type Listener = (...args: unknown[]) => void;

export interface EmittedEvent {
  event: string;
  payload: unknown;
}

/**
 * In-memory stand-in for a socket.io-client Socket. `serverEmit` plays an
 * event from the server, `emitted` records what the app sent, and `ackWith`
 * sets the acknowledgement the fake server returns for an event.
 */
export class FakeSocket implements RealtimeSocket {
  connected = true;
  readonly emitted: EmittedEvent[] = [];
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly acks = new Map<string, (payload: unknown) => unknown>();

  on(event: string, listener: Listener): this {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event)!.add(listener);
    return this;
  }

  off(event: string, listener?: Listener): this {
    if (listener) this.listeners.get(event)?.delete(listener);
    else this.listeners.delete(event);
    return this;
  }

  emit(event: string, ...args: unknown[]): this {
    const last = args[args.length - 1];
    const callback = typeof last === 'function' ? (last as (answer: unknown) => void) : null;
    const payload = args[0];
    this.emitted.push({ event, payload });
    const answer = this.acks.get(event);
    if (callback) callback(answer ? answer(payload) : { ok: true });
    return this;
  }

  ackWith(event: string, answer: (payload: unknown) => unknown): void {
    this.acks.set(event, answer);
  }

  serverEmit(event: string, payload: unknown): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) listener(payload);
  }

  listenerCount(event: string): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  emittedOf(event: string): unknown[] {
    return this.emitted.filter((entry) => entry.event === event).map((entry) => entry.payload);
  }
}
