/**
 * Tools a worker may name in `tools`. Workers run without tools in this version: the list is
 * empty, so a hierarchy naming one is refused at creation (400 naming the field) rather than
 * accepted and silently run without it.
 */
export const availableWorkerTools: ReadonlySet<string> = new Set<string>();
