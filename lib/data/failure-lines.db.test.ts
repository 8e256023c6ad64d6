// "What went wrong" (lib/shared/log-errors.ts) against PostgreSQL's own regular expressions: the
// lines of a failed step that say why, from output shaped like xcodebuild's, Gradle's, npm's and
// CocoaPods', repeats dropped; the step's last lines when nothing looks like an error.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { testScope } from "@/lib/testing/scopes";
import { seedOrganization, walletProfileSuite } from "@/lib/repositories/test-support";

const suite = walletProfileSuite();
let number = 0;

/** A build whose step 1 ("Build") failed after writing `output` (step 0, the fetch, wrote an "error:" that must not count). */
async function failedBuild(output: string[], status: "FAILED" | "TIMED_OUT" = "FAILED"): Promise<string> {
  number += 1;
  const build = await suite.database.prisma.build.create({
    data: { organizationId: suite.seeded.organizationId, profileId: suite.profileId, number, status, trigger: "MANUAL", idempotencyKey: randomUUID(), commitId: "b".repeat(40), steps: [], timeoutSeconds: 600, finishedAt: new Date() },
  });
  await suite.database.prisma.buildStep.createMany({
    data: [
      { buildId: build.id, index: 0, name: "Fetch commit", command: "git fetch", status: "SUCCEEDED", startedAt: new Date() },
      { buildId: build.id, index: 1, name: "Build", command: "./build.sh", status: status === "FAILED" ? "FAILED" : "CANCELED", startedAt: new Date() },
      { buildId: build.id, index: 2, name: "Test", command: "./test.sh", status: "SKIPPED" },
    ],
  });
  const lines = [{ step: 0, text: "warning: error: in a fetch hint, not the failure" }, ...output.map((text) => ({ step: 1, text }))];
  await suite.database.prisma.buildLogLine.createMany({ data: lines.map((line, seq) => ({ buildId: build.id, seq, step: line.step, stream: "OUT" as const, text: line.text })) });
  return build.id;
}

describe("what went wrong", () => {
  it("picks compiler errors and xcodebuild's verdict from a failed step, each once, with their log line numbers", async () => {
    const { failureLines } = await import("./builds");
    const id = await failedBuild([
      "CompileSwift normal arm64 /src/Wallet/PaymentService.swift",
      "/src/Wallet/PaymentService.swift:42:17: error: cannot find 'amount' in scope",
      "        return amount * rate",
      "CompileSwift normal x86_64 /src/Wallet/PaymentService.swift",
      "/src/Wallet/PaymentService.swift:42:17: error: cannot find 'amount' in scope",
      "\u001b[31m** BUILD FAILED **\u001b[0m",
      "The following build commands failed:",
    ]);
    expect(await failureLines(suite.admin, id)).toEqual({
      step: { index: 1, name: "Build" },
      matched: true,
      lines: [
        { seq: 2, text: "/src/Wallet/PaymentService.swift:42:17: error: cannot find 'amount' in scope" },
        { seq: 6, text: "** BUILD FAILED **" },
        { seq: 7, text: "The following build commands failed:" },
      ],
    });
  });

  it("follows Gradle's 'What went wrong' to its reason, and finds Kotlin, npm and CocoaPods failures", async () => {
    const { failureLines } = await import("./builds");
    const gradle = await failedBuild([
      "> Task :app:compileDebugKotlin FAILED",
      "e: file:///src/app/Main.kt:12:5 Unresolved reference: walletId",
      "",
      "FAILURE: Build failed with an exception.",
      "",
      "* What went wrong:",
      "Execution failed for task ':app:compileDebugKotlin'.",
      "> Compilation error. See log for more details",
      "",
      "* Try:",
    ]);
    expect((await failureLines(suite.admin, gradle))?.lines.map((line) => line.text)).toEqual([
      "> Task :app:compileDebugKotlin FAILED",
      "e: file:///src/app/Main.kt:12:5 Unresolved reference: walletId",
      "FAILURE: Build failed with an exception.",
      "* What went wrong:",
      "Execution failed for task ':app:compileDebugKotlin'.",
      "> Compilation error. See log for more details",
    ]);
    const others = await failedBuild(["npm ERR! code ERESOLVE", "added 3 packages", "[!] CocoaPods could not find compatible versions for pod \"Firebase\"", "Terror: not a word boundary"]);
    expect((await failureLines(suite.admin, others))?.lines.map((line) => line.text)).toEqual(["npm ERR! code ERESOLVE", '[!] CocoaPods could not find compatible versions for pod "Firebase"']);
  });

  it("shows the step's last lines when nothing looks like an error, and nothing for a build that did not fail", async () => {
    const { failureLines } = await import("./builds");
    const quiet = await failedBuild(["one", "two", "", "three", "four", "five", "six"], "TIMED_OUT");
    expect(await failureLines(suite.admin, quiet)).toMatchObject({ step: { name: "Build" }, matched: false, lines: ["two", "three", "four", "five", "six"].map((text) => ({ text })) });
    const succeeded = await failedBuild(["error: but the build passed"]);
    await suite.database.prisma.build.update({ where: { id: succeeded }, data: { status: "SUCCEEDED" } });
    expect(await failureLines(suite.admin, succeeded)).toBeNull();
    // Another organization reads nothing of it.
    const other = await seedOrganization(suite.database, "Contoso");
    expect(await failureLines(testScope(other.organizationId, other.adminId), quiet)).toBeNull();
  });
});
