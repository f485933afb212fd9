import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The console builds to console/dist, which the gateway serves at `/`. The HTML it produces loads
 * one script and one stylesheet from /assets/ (content-hashed): nothing inline, so the gateway's
 * content security policy needs no 'unsafe-inline'.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    sourcemap: false,
    // GOV.UK Frontend keeps an old-browser media-query hack (`min-width: 0\0`) that Lightning CSS refuses.
    cssMinify: 'esbuild',
    // Vite's module-preload polyfill is an inline script; every browser the console supports has it natively.
    modulePreload: { polyfill: false },
    // Sass compiling GOV.UK Frontend is most of the build; that is expected, not worth a warning.
    rolldownOptions: { checks: { pluginTimings: false } },
  },
  css: { preprocessorOptions: { scss: { quietDeps: true } } },
  logLevel: 'warn',
});
