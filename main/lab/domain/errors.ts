/** The lab's errors as a person reads them: a message, and a code a client can act on. No stack crosses a bridge. */

/** Error replies carry a message meant for a person; no stack traces cross the bridge. */
export interface BridgeError {
  message: string;
  code?: 'invalid' | 'not-found' | 'failed';
}

/** An error the lab raises (or, in the renderer, one it replied with, or a request that timed out or lost the connection). */
export class LabError extends Error {
  readonly code: BridgeError['code'] | 'timeout' | 'disconnected';
  constructor(message: string, code: LabError['code'] = 'failed') {
    super(message);
    this.name = 'LabError';
    this.code = code;
  }
}
