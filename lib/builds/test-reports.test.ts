import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { describeTests, failureName, testSummaryOf } from "@/lib/shared/tests";
import { MAX_FAILURES, readTestReports } from "./test-reports";

const dir = mkdtempSync(path.join(tmpdir(), "keel-junit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string) {
  const target = path.join(dir, name.replace(/\//g, "_"));
  writeFileSync(target, content);
  return { path: name, file: target, size: Buffer.byteLength(content) };
}

// Gradle's per-class file: a <testsuite> root.
const gradle = `<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="com.example.wallet.BalanceTest" tests="3" skipped="1" failures="1" errors="0" time="0.42">
  <testcase name="formatsPositive" classname="com.example.wallet.BalanceTest" time="0.1"/>
  <testcase name="formatsNegative" classname="com.example.wallet.BalanceTest" time="0.3">
    <failure message="expected: &lt;-1.00&gt; but was: &lt;1.00&gt;" type="org.opentest4j.AssertionFailedError">org.opentest4j.AssertionFailedError: expected: &lt;-1.00&gt; but was: &lt;1.00&gt;
	at BalanceTest.formatsNegative(BalanceTest.kt:21)</failure>
  </testcase>
  <testcase name="formatsZero" classname="com.example.wallet.BalanceTest" time="0"><skipped/></testcase>
</testsuite>`;

// xcpretty / fastlane scan: <testsuites> with nested suites, an error, entities and a character reference.
const xcode = `<testsuites name="WalletTests.xctest" tests="2" failures="1">
  <testsuite name="WalletTests.SyncTests" tests="2">
    <testcase classname="WalletTests.SyncTests" name="testSync" time="1.5"/>
    <testsuite name="Nested">
      <testcase classname="WalletTests.SyncTests" name="testOffline &amp; retry"><error message="Crash: EXC_BAD_ACCESS &#x1F4A5;"/></testcase>
    </testsuite>
  </testsuite>
</testsuites>`;

describe("JUnit test reports", () => {
  it("adds up Gradle's and Xcode's reports: counts, time, failed cases with their messages", async () => {
    const summary = await readTestReports([file("build/test-results/TEST-BalanceTest.xml", gradle), file("fastlane/report.junit", xcode), file("notes.txt", "not a report")]);
    expect(summary).toMatchObject({ total: 5, passed: 2, failed: 2, skipped: 1, durationMs: 1_900, reports: 2 });
    expect(summary!.failures).toEqual([
      {
        suite: "com.example.wallet.BalanceTest",
        name: "formatsNegative",
        className: "com.example.wallet.BalanceTest",
        kind: "failure",
        message: "expected: <-1.00> but was: <1.00>\norg.opentest4j.AssertionFailedError: expected: <-1.00> but was: <1.00>\n\tat BalanceTest.formatsNegative(BalanceTest.kt:21)",
      },
      { suite: "Nested", name: "testOffline & retry", className: "WalletTests.SyncTests", kind: "error", message: "Crash: EXC_BAD_ACCESS 💥" },
    ]);
    expect(describeTests(summary!)).toBe("5 tests: 2 passed, 2 failed, 1 skipped");
    expect(failureName(summary!.failures[1]!)).toBe("WalletTests.SyncTests › testOffline & retry");
    expect(testSummaryOf(JSON.parse(JSON.stringify(summary)))).toEqual(summary);
  });

  it("ignores XML that is not a test report, broken XML, and expands no DOCTYPE entities", async () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><testsuite name="s"><testcase name="&lol2;"><failure message="&lol2;"/></testcase></testsuite>`;
    expect(await readTestReports([file("AndroidManifest.xml", `<manifest package="x"/>`), file("broken.xml", "<testsuite><testcase")])).toBeNull();
    const summary = await readTestReports([file("bomb.xml", bomb)]);
    expect(summary?.failures[0]?.name).toBe("&lol2;");
  });

  it("keeps the first failed cases only", async () => {
    const many = `<testsuite name="many">${Array.from({ length: MAX_FAILURES + 5 }, (_, index) => `<testcase name="t${index}"><failure message="no"/></testcase>`).join("")}</testsuite>`;
    const summary = await readTestReports([file("many.xml", many)]);
    expect(summary).toMatchObject({ total: MAX_FAILURES + 5, failed: MAX_FAILURES + 5 });
    expect(summary!.failures).toHaveLength(MAX_FAILURES);
  });
});
