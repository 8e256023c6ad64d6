// Generates Prisma Client during `npm install` (postinstall) without any download.
//
// Prisma's CLI insists on locating a native schema engine before `generate`, and
// would download one from Prisma's CDN, which this project never reaches.
// `generate` never executes that engine, so pointing PRISMA_SCHEMA_ENGINE_BINARY at
// any existing file (the Node binary) satisfies the check. Migrations run through
// the WASM schema engine instead (prisma/runner.ts).
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { childProcessEnv } from "@/lib/env";

const require = createRequire(import.meta.url);
const prismaCli = require.resolve("prisma/build/index.js");

const result = spawnSync(process.execPath, [prismaCli, "generate", "--schema", "prisma/schema.prisma"], {
  stdio: "inherit",
  env: childProcessEnv({
    PRISMA_SCHEMA_ENGINE_BINARY: process.execPath,
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
    PRISMA_DISABLE_WARNINGS: "1",
  }),
});
process.exit(result.status ?? 1);
