import { fileURLToPath } from 'node:url';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './test/support/chromium.ts';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Tests import the package by its public names; these point them at the TypeScript sources.
const packageAliases = {
  'wasmsocket/codec': source('./src/codec/index.ts'),
};

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias: { ...packageAliases, '#wasm-loader': source('./bindings/load.node.ts') } },
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.browser.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        resolve: { alias: { ...packageAliases, '#wasm-loader': source('./bindings/load.browser.ts') } },
        test: {
          name: 'browser',
          include: ['test/codec/**/*.test.ts', 'test/**/*.browser.test.ts'],
          exclude: ['test/**/*.node.test.ts'],
          testTimeout: 30_000,
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({ launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS } }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
