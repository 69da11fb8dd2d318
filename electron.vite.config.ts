import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';

// Three bundles: main (Electron main, the run-process worker and its critic thread), preload (CommonJS, because a
// sandboxed preload cannot be an ES module) and the renderer (Vue), which browser mode also serves.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        // Worker threads: PPO's critic on the second core (nn/fused/thread-critic.ts) and the off-thread
        // check of an imported policy (runs/policy-check.ts).
        input: {
          index: resolve('main/index.ts'),
          worker: resolve('main/worker.ts'),
          'critic-thread': resolve('main/lab/nn/fused/critic-thread.ts'),
          'check-policy-thread': resolve('main/lab/runs/check-policy-thread.ts'),
        },
        // tfjs and its native/wasm backends stay real node_modules imports, loaded at run time.
        external: [/^@tensorflow\//, 'ws', 'zod', 'bullmq', 'ioredis'],
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve('preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    resolve: { alias: { '@shared': resolve('main/lab/media') } },
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: { index: resolve('renderer/index.html') } },
    },
    plugins: [vue()],
  },
});
