import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The console: built into web/dist, served by the service at `/` (src/http/console.ts). */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Hashed names under assets/: the service caches them for a year, index.html never.
    assetsDir: 'assets',
    sourcemap: false,
  },
  server: {
    // `npx vite web` for development against a running service on :4000.
    proxy: { '/graphql': { target: 'http://127.0.0.1:4000', ws: true } },
  },
});
