/**
 * What a process's `done` says of a run that left it without ending here: `failed` with one of
 * these as its error, while the run itself goes on (or went on) elsewhere. Callers tell them
 * apart from a real failure by these strings.
 */

/** The outcome a process reports for a run it lost: another process recorded its real end. */
export const OWNER_LOST = 'owner lost';

/** The outcome a process reports for a run it handed on at shutdown: another process continues it from its checkpoint. */
export const HANDED_OFF = 'handed off';

/** The outcome a process reports for a run it gave back at shutdown before starting it: another process starts it. */
export const HANDED_BACK = 'handed back';
