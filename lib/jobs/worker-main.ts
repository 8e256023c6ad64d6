// Entry point of a worker process of the job engine:
//   npm run worker                       a worker alone against DATABASE_URL (add machines);
//   (launcher) … worker-main.ts --child  the worker `npm start` runs beside the web server.
// Why it runs with `--conditions=react-server`: see worker-process.ts.
import "@/lib/runtime/load-dotenv";
import { logger } from "@/lib/logger";
import { registry } from "./registry";
import { runWorkerProcess } from "./worker-process";

runWorkerProcess(registry, { child: process.argv.includes("--child") }).catch((error: unknown) => {
  logger("jobs.worker").fatal({ err: error }, "the worker could not start");
  process.exit(1);
});
