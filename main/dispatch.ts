/**
 * The single entry point from any bridge (Electron IPC, browser-mode WebSocket) into LabService:
 * the request name and payload are untrusted, so both are validated with the contract's zod schemas
 * before anything runs, and failures come back as a short message (never a stack trace). The table
 * below is where each request of the contract meets the LabService method that answers it.
 */
import { isRequestName, requestSchemas, type ParsedRequest, type RequestName, type ResultTypes } from '../preload/contract.ts';
import type { BridgeError } from './lab/domain/errors.ts';
import type { LabService } from './lab/service.ts';
import { algoInfos } from './lab/agents/registry.ts';

type Handlers = { [K in RequestName]: (lab: LabService, p: ParsedRequest<K>) => Promise<ResultTypes[K]> };

const handlers: Handlers = {
  systemInfo: (lab) => lab.systemInfo(),
  listEnvs: (lab) => lab.listEnvs(),
  listAlgos: async () => algoInfos(),
  startRun: (lab, p) => lab.startRun(p),
  startRuns: (lab, { seeds, ...p }) => lab.startRuns(p, seeds),
  stopRun: (lab, p) => lab.stopRun(p.runId),
  pauseRun: (lab, p) => lab.setPaused(p.runId, true),
  resumeRun: (lab, p) => lab.setPaused(p.runId, false),
  continueRun: (lab, p) => lab.continueRun(p.runId, p.steps),
  updateRun: (lab, p) => lab.updateRun(p.runId, p),
  deleteRun: (lab, p) => lab.deleteRun(p.runId),
  exportRun: (lab, p) => lab.exportRun(p.runId, p.format),
  revealRun: (lab, p) => lab.revealRun(p.runId),
  listRuns: (lab) => lab.listRuns(),
  getRun: (lab, p) => lab.getRun(p.runId),
  listPolicies: (lab) => lab.listPolicies(),
  importPolicy: (lab, p) => lab.importPolicy(p.files, p.name),
  rollout: (lab, p) => lab.rollout(p),
  insights: (lab, p) => lab.insights(p),
  exportGif: (lab, p) => lab.exportGif(p),
  recordedEpisode: (lab, p) => lab.recordedEpisode(p.runId, p.index),
  exportRecordedGif: (lab, p) => lab.exportRecordedGif(p),
  startSweep: async (lab, p) => (await lab.startSweep(p)).summary,
  listSweeps: (lab) => lab.listSweeps(),
  getSweep: (lab, p) => lab.getSweep(p.sweepId),
  stopSweep: (lab, p) => lab.stopSweep(p.sweepId),
  queueSettings: (lab) => lab.queueSettings(),
  testQueue: (lab, p) => lab.testQueue(p.url),
  saveQueue: (lab, p) => lab.saveQueue(p.url),
  listPresets: (lab) => lab.listPresets(),
  savePreset: (lab, p) => lab.savePreset(p),
  deletePreset: (lab, p) => lab.deletePreset(p.name),
};

export type DispatchReply = { ok: true; result: unknown } | { ok: false; error: BridgeError };

export async function dispatch(service: LabService, name: unknown, payload: unknown): Promise<DispatchReply> {
  if (!isRequestName(name)) return { ok: false, error: { message: `unknown request "${String(name)}"`, code: 'invalid' } };
  const parsed = requestSchemas[name].safeParse(payload ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'payload';
    return { ok: false, error: { message: `${name}: ${where}: ${issue?.message ?? 'invalid'}`, code: 'invalid' } };
  }
  try {
    const handle = handlers[name] as (lab: LabService, p: unknown) => Promise<unknown>; // the schema lookup above matched name and payload
    const result = await handle(service, parsed.data);
    return { ok: true, result };
  } catch (err) {
    const e = err as Error & { code?: BridgeError['code'] };
    return { ok: false, error: { message: e?.message ?? String(err), code: e?.code ?? 'failed' } };
  }
}
