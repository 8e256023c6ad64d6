// A worker process with test queues, for lib/jobs/engine.test.ts: the real engine (worker
// loop, schedules, heartbeat, shutdown) on the test's database, with handlers that leave
// traces in it. Run as `node --conditions=react-server --import tsx <this file> [--schedule]`.
import "server-only";
import { recordAudit } from "@/lib/data/audit";
import { recordEffect, runOnce } from "@/lib/data/jobs";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { defineSchedule, handle, type JobContext, type Registry } from "../define";
import { testFinishQueue, testLongWorkQueue, testOtherPoolQueue, testPoolQueue, testTickQueue, testWorkQueue } from "./queues";
import { runWorkerProcess } from "../worker-process";

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function work(payload: { name: string; firstAttemptMs: number }, context: JobContext<"organization">): Promise<void> {
  // A trace of every attempt (which process, which attempt): not an effect that must happen once.
  await db.$transaction((tx) => recordEffect(tx, { key: `started:${payload.name}:${context.retryCount}:${process.pid}`, queue: context.queue, jobId: context.jobId }));
  if (payload.name.startsWith("gone-")) {
    // What a handler throws when the row it works on was deleted after the job was queued.
    throw new AppError("NOT_FOUND", "That connection does not exist in your organization.");
  }
  await sleep(context.retryCount === 0 ? payload.firstAttemptMs : 50, context.signal);
  if (context.signal.aborted) {
    return;
  }
  // The effect that must happen once: an audit row, written with its idempotency key.
  await runOnce({ key: `done:${payload.name}`, queue: context.queue, jobId: context.jobId }, (tx) =>
    recordAudit(context.scope, { action: "test.job_done", targetType: "test", targetId: payload.name, data: { pid: process.pid, attempt: context.retryCount } }, tx),
  );
}

const registry: Registry = {
  handlers: [
    handle(testWorkQueue, work),
    handle(testLongWorkQueue, work),
    handle(testFinishQueue, work),
    handle(testPoolQueue, work, [testOtherPoolQueue]),
    handle(testTickQueue, async (_payload, context) => {
      await db.$transaction((tx) =>
        recordEffect(tx, { key: `tick:${context.scheduledFor?.toISOString() ?? "none"}:${context.jobId}:${process.pid}`, queue: context.queue, jobId: context.jobId }),
      );
    }),
  ],
  schedules: process.argv.includes("--schedule") ? [defineSchedule({ name: "test.tick.every2s", queue: testTickQueue, everySeconds: 2, payload: {} })] : [],
};

void runWorkerProcess(registry, { child: true });
