import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@\//, replacement: `${root}` },
      { find: /^server-only$/, replacement: `${root}lib/testing/server-only-stub.ts` },
    ],
  },
  test: {
    environment: "node",
    include: ["lib/**/*.test.ts", "prisma/**/*.test.ts", "scripts/**/*.test.ts", "e2e/azure-devops-emulator/**/*.test.ts", "e2e/tools/**/*.test.ts"],
    // A stray it.only would silently skip the rest of its file: refused everywhere, not only in CI.
    allowOnly: false,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: "forks",
    globalSetup: ["lib/testing/global-setup.ts"],
    env: { LOG_LEVEL: "warn", NODE_ENV: "test" },
  },
});
