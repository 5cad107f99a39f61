import type { AnyActor } from 'xstate';

/**
 * Serialises a run's actor tree as its persisted snapshot (a checkpoint) in JSON — the same JSON
 * value `JSON.stringify(root.getPersistedSnapshot())` gives (the round-trip test checks it) —
 * reusing the JSON of every actor whose snapshot did not change since the run's last checkpoint.
 *
 * Why: for a 13-agent tree (~35 KB) XState's getPersistedSnapshot walks every context in depth
 * and JSON.stringify walks it again: ~0.5-1 ms per checkpoint on the main thread, though between
 * two steps only one or two agents move. XState replaces an actor's snapshot object on each of
 * its transitions and never changes one in place, so an actor whose snapshot is the same object
 * as last time persists to the same JSON: it is looked up by identity. Children are walked
 * anew each time (a parent's snapshot does not change when a child's does) — cheap, as each
 * unchanged child is one lookup.
 */
export function checkpointSerialiser(): (root: AnyActor) => string {
  /** Snapshot object → the JSON of its persisted form without its children. */
  const own = new WeakMap<object, string>();
  const serialise = (ref: AnyActor): string => {
    const snapshot = ref.getSnapshot() as { children?: Record<string, AnyActor | undefined> };
    let head = own.get(snapshot);
    if (head === undefined) {
      // A machine's own part: its logic persists it without recursing into children (given none).
      const persisted = (snapshot.children ? ref.logic.getPersistedSnapshot({ ...snapshot, children: {} }) : ref.getPersistedSnapshot()) as Record<string, unknown>;
      const { children: _children, ...rest } = persisted;
      head = JSON.stringify(rest);
      own.set(snapshot, head);
    }
    if (!snapshot.children) return head;
    const entries: string[] = [];
    for (const [id, child] of Object.entries(snapshot.children)) {
      if (!child) continue;
      // The fields XState's persisted snapshot keeps of each child, beside its snapshot.
      const { src, systemId, _syncSnapshot: syncSnapshot } = child as AnyActor & { _syncSnapshot?: boolean };
      const meta = JSON.stringify({ src, systemId, syncSnapshot });
      entries.push(`${JSON.stringify(id)}:{"snapshot":${serialise(child)}${meta.length > 2 ? `,${meta.slice(1, -1)}` : ''}}`);
    }
    return `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"children":{${entries.join(',')}}}`;
  };
  return serialise;
}
