// Entry point of `npm start`, `npm run drain` (and `tsx lib/runtime/keel.ts build`). See launcher.ts.
// First import: loads .env before anything reads the configuration.
import "./load-dotenv";
import { logger } from "@/lib/logger";
import { buildIfNeeded, drain, start } from "./launcher";

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
} else if (command === "drain") {
  drain({ wait: process.argv.includes("--wait") }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
} else if (command !== undefined) {
  process.stderr.write(`unknown command "${command}"; use: start | build | drain [--wait]\n`);
  process.exit(2);
}
