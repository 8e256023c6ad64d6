// Entry point of `npm start` (and `tsx lib/runtime/keel.ts build`). See launcher.ts.
// First import: loads .env before anything reads the configuration.
import "./load-dotenv";
import { logger } from "@/lib/logger";
import { buildIfNeeded, start } from "./launcher";

const command = process.argv[2];
if (command === "start") {
  void start({ build: !process.argv.includes("--no-build") });
} else if (command === "build") {
  buildIfNeeded({ force: process.argv.includes("--force") }).then(
    () => process.exit(0),
    (error: unknown) => {
      logger("runtime.launcher").error({ err: error }, "build failed");
      process.exit(1);
    },
  );
} else if (command !== undefined) {
  process.stderr.write(`unknown command "${command}"; use: start | build\n`);
  process.exit(2);
}
