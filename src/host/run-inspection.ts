import type { AnyActorRef, InspectionEvent as XStateInspectionEvent, Subscription } from 'xstate';
import { InspectionConverter } from '../actors/actor-inspection.ts';
import type { ActorNode } from '../actors/actor-tree.ts';
import type { InspectionListener } from '../domain/inspection-schemas.ts';

/**
 * The inspection of one run executing here, for the developers watching it (runs/inspect/stream,
 * here or relayed to another process). Costs nothing while nobody watches: the observer is on the
 * run's actor system only while a listener is, and XState builds nothing for a system without
 * one. While watched, what XState reports is converted once per tick (in a microtask: an actor's
 * announcement comes before its system id and first snapshot exist) and the same JSON goes to
 * every listener. A listener arriving late is first told the live tree, so it is consistent.
 */
export class RunInspection {
  readonly #converter: InspectionConverter;
  readonly #onError: (err: unknown) => void;
  readonly #listeners = new Set<InspectionListener>();
  #actor: AnyActorRef | null = null;
  #observer: Subscription | null = null;
  #pending: XStateInspectionEvent[] = [];
  #flushQueued = false;
  #ended = false;

  constructor(runId: number, secrets: () => readonly string[], onError: (err: unknown) => void) {
    this.#converter = new InspectionConverter(`run:${runId}`, secrets);
    this.#onError = onError;
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  /** The run's actor exists now (it waited for a slot): listeners already here are told its tree. */
  attach(actor: AnyActorRef): void {
    if (this.#actor === actor || this.#ended) return;
    this.#actor = actor;
    if (this.#listeners.size === 0) return;
    this.#observe();
    const tree = this.#converter.tree(actor);
    for (const listener of this.#listeners) this.#tell(listener, tree);
  }

  /**
   * Adds a listener, told the current tree first (`queued`: the run's node while it waits for a
   * slot); answers the function that removes it.
   */
  watch(listener: InspectionListener, queued: ActorNode | null): () => void {
    if (this.#ended) {
      listener.end();
      return () => {};
    }
    // What was seen before this listener came belongs to the tree it is told now.
    this.#flush();
    this.#listeners.add(listener);
    if (this.#actor) {
      this.#observe();
      this.#tell(listener, this.#converter.tree(this.#actor));
    } else if (queued) {
      this.#tell(listener, this.#converter.described(queued, new Map()));
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#unobserve();
    };
  }

  /**
   * The run left this process (ended, lost, handed on): what is pending goes out, then every
   * listener's end — after this tick, since XState reports a run's last snapshot after telling
   * its observers it completed (which is when the runtime calls this).
   */
  end(reason?: string): void {
    if (this.#ended) return;
    this.#ended = true;
    queueMicrotask(() => {
      this.#flush();
      this.#unobserve();
      for (const listener of this.#listeners) {
        try {
          listener.end(reason);
        } catch (err) {
          this.#onError(err);
        }
      }
      this.#listeners.clear();
    });
  }

  #observe(): void {
    if (this.#observer || !this.#actor) return;
    this.#observer = this.#actor.system.inspect({ next: (event) => this.#capture(event) });
  }

  #unobserve(): void {
    this.#observer?.unsubscribe();
    this.#observer = null;
    this.#pending = [];
  }

  #capture(event: XStateInspectionEvent): void {
    this.#pending.push(event);
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    this.#flushQueued = false;
    if (this.#pending.length === 0) return;
    const captured = this.#pending;
    this.#pending = [];
    const batch: string[] = [];
    for (const event of captured) {
      try {
        const json = this.#converter.convert(event);
        if (json !== null) batch.push(json);
      } catch (err) {
        this.#onError(err);
      }
    }
    if (batch.length === 0) return;
    for (const listener of this.#listeners) this.#tell(listener, batch);
  }

  /** A listener's failure is its own: the run and the other listeners go on. */
  #tell(listener: InspectionListener, batch: readonly string[]): void {
    try {
      listener.events(batch);
    } catch (err) {
      this.#onError(err);
    }
  }
}
