import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// `vite dev` forwards API calls to the Spin app (or devhost) so the
// dashboard and the API share one origin, as they do in production.
const apiTarget = process.env.VITE_API_TARGET ?? 'http://127.0.0.1:3000';
const proxiedPaths = ['/api', '/.well-known', '/docs', '/config.json'];

export default defineConfig({
  plugins: [react()],
  server: {
    host: '127.0.0.1',
    proxy: Object.fromEntries(proxiedPaths.map((path) => [path, { target: apiTarget, changeOrigin: true }])),
  },
  preview: {
    host: '127.0.0.1',
    proxy: Object.fromEntries(proxiedPaths.map((path) => [path, { target: apiTarget, changeOrigin: true }])),
  },
  build: {
    target: 'es2022',
    // scripts/bundle-size.mjs reads the manifest to follow the entry's static imports.
    manifest: true,
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./test/setup.ts'],
    include: ['test/**/*.test.{ts,tsx}'],
    css: false,
    // Above `findBy*`'s 5 s wait (test/setup.ts), so a slow lazy chunk on a busy
    // machine fails with the query's message, not a bare timeout.
    testTimeout: 15000,
  },
});
