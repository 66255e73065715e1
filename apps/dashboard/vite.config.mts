import { defineConfig } from 'vite';

// The operator dashboard: built to static files (dist/) that the API serves at `/`.
// `npx vite apps/dashboard` serves it for development, sending API calls to a local API;
// `npx vite build apps/dashboard` (part of `npm run build`) writes dist/.
export default defineConfig({
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    // Everything ships as files: the API's Content-Security-Policy allows no inline code.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  server: {
    proxy: { '/v1': 'http://127.0.0.1:3000' },
  },
});
