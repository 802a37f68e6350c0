import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * Browser tests: the real server (built by `remix build`, which `npm run test:e2e` runs first)
 * driven through Debian's /usr/bin/chromium with playwright-core. One file at a time: a
 * browser and a server share the machine's two cores with everything else.
 */
export default defineConfig({
  resolve: { alias: { "~": fileURLToPath(new URL("../../app", import.meta.url)) } },
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    globals: true,
    environment: "node",
    include: ["tests/e2e/*.test.ts"],
    setupFiles: ["tests/support/setup.ts"],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
