/**
 * Electron IPC channel names (one for requests, one for events). A file of its own, free of imports,
 * because the sandboxed preload may only require('electron') at run time: importing these from
 * contract.ts would bundle zod into it. contract.ts re-exports them for everyone else.
 */
export const IPC_INVOKE = 'lab:invoke';
export const IPC_EVENT = 'lab:event';
