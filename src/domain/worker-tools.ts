import { registeredToolNames } from '../tools/tool-registry.ts';

/**
 * Tools a worker may name in `tools`: the tool registry's names. A hierarchy naming any other
 * is refused when it is created or updated (400 naming the worker and the tool), rather than
 * accepted and run without it.
 */
export const availableWorkerTools: ReadonlySet<string> = new Set<string>(registeredToolNames);
