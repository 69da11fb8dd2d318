import { createApp } from 'vue';
import { createPinia } from 'pinia';
import { z } from 'zod';
import './styles/index.css';
import App from './App.vue';

// zod probes for eval (new Function) to compile fast parsers; the page's CSP forbids eval, so the probe
// would log a CSP violation. Parsing without the JIT is fast enough for the renderer's small payloads.
z.config({ jitless: true });

createApp(App).use(createPinia()).mount('#app');
