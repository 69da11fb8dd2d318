/**
 * The preload bridge: exposes `window.lab` (a LabBridge) to the sandboxed, context-isolated renderer.
 *
 * A sandboxed preload can only require('electron') and a few Node built-ins, so this file imports
 * nothing at run time but 'electron' and the channel names (preload/channels.ts, no dependencies);
 * the contract is imported for its types only. ipcRenderer itself is never exposed: the renderer gets
 * two functions that can reach exactly two channels.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_EVENT, IPC_INVOKE } from './channels.ts';
import type { EventName, EventTypes, LabBridge, RequestName, RequestPayload, ResultTypes } from './contract.ts';
import type { BridgeError } from '../main/lab/domain/errors.ts';

type InvokeReply = { ok: true; result: unknown } | { ok: false; error: BridgeError };

const bridge: LabBridge = {
  async invoke<K extends RequestName>(name: K, payload: RequestPayload<K>): Promise<ResultTypes[K]> {
    // Name and payload are validated (zod) in the main process; nothing here is trusted.
    const reply = (await ipcRenderer.invoke(IPC_INVOKE, name, payload)) as InvokeReply | undefined;
    if (!reply || typeof reply !== 'object') throw new Error('lab: malformed reply from the main process');
    if (!reply.ok) throw new Error(reply.error?.message ?? 'lab: request failed');
    return reply.result as ResultTypes[K];
  },

  on<E extends EventName>(event: E, listener: (payload: EventTypes[E]) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('lab.on: listener must be a function');
    // The IpcRendererEvent stays here: handing it to the page would leak ipcRenderer (event.sender).
    const handler = (_e: IpcRendererEvent, message: unknown): void => {
      if (message && typeof message === 'object' && (message as { event?: unknown }).event === event) {
        listener((message as { payload: EventTypes[E] }).payload);
      }
    };
    ipcRenderer.on(IPC_EVENT, handler);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT, handler);
    };
  },
};

contextBridge.exposeInMainWorld('lab', bridge);
