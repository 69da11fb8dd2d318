/**
 * The single entry point from any bridge (Electron IPC, browser-mode WebSocket) into LabService:
 * the request name and payload are untrusted, so both are validated with the contract's zod schemas
 * before anything runs, and failures come back as a short message (never a stack trace).
 */
import { isRequestName, requestSchemas, type BridgeError } from '../../preload/contract.ts';
import type { LabService } from './service.ts';

export type DispatchReply = { ok: true; result: unknown } | { ok: false; error: BridgeError };

export class LabError extends Error {
  readonly code: BridgeError['code'];
  constructor(message: string, code: BridgeError['code'] = 'failed') {
    super(message);
    this.name = 'LabError';
    this.code = code;
  }
}

export async function dispatch(service: LabService, name: unknown, payload: unknown): Promise<DispatchReply> {
  if (!isRequestName(name)) return { ok: false, error: { message: `unknown request "${String(name)}"`, code: 'invalid' } };
  const parsed = requestSchemas[name].safeParse(payload ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'payload';
    return { ok: false, error: { message: `${name}: ${where}: ${issue?.message ?? 'invalid'}`, code: 'invalid' } };
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- name and payload were matched by the schema lookup above
    const result = await (service.handle as any)(name, parsed.data);
    return { ok: true, result };
  } catch (err) {
    const e = err as Error & { code?: BridgeError['code'] };
    return { ok: false, error: { message: e?.message ?? String(err), code: e?.code ?? 'failed' } };
  }
}
