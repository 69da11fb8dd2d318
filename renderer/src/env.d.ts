// Kept a script (no top-level import) so the declarations below stay global.

interface Window {
  /** Exposed by the Electron preload via contextBridge; absent in browser mode. */
  lab?: import('../../preload/contract.ts').LabBridge;
}

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
