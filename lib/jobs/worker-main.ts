// Entry point of a worker process of the job engine:
//   npm run worker                       a worker alone against DATABASE_URL (add machines);
//   (launcher) … worker-main.ts --child  the worker `npm start` runs beside the web server.
// Why it runs with `--conditions=react-server`: see worker-process.ts.
import "@/lib/runtime/load-dotenv";
import { logger } from "@/lib/logger";
import { runWorkerProcess } from "./worker-process";

// The registry is imported after the configuration was checked: a bad setting is then said in
// one line (exit code 2), not as a stack trace from whichever module read it first.
runWorkerProcess(async () => (await import("./registry")).registry, { child: process.argv.includes("--child") }).catch((error: unknown) => {
  logger("jobs.worker").fatal({ err: error }, "the worker could not start");
  process.exit(1);
});
