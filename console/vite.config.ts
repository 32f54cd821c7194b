import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// Served by the API at /console/ (app/console_static.py); `npm run dev` proxies the API.
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  server: {
    proxy: { '/graphql': { target: 'http://127.0.0.1:8000', ws: true } },
  },
  build: { chunkSizeWarningLimit: 1500 },
  test: { environment: 'node', include: ['src/**/*.test.ts'] },
});
