import "server-only";
import { readFile } from "node:fs/promises";
import { XMLParser } from "fast-xml-parser";
import type { FoundArtifact } from "./artifacts";

// Test reports (lib/builds/README.md, "Test reports"): the JUnit XML files among a build's kept
// artifacts — what Gradle, xcpretty/fastlane scan, Jest's junit reporter and Flutter's junit
// output write — read into one summary and the failed cases, shown on the build page and told in
// the PR comment and the chat message.

/** A report bigger than this is not read (it is still kept as an artifact). */
export const MAX_REPORT_BYTES = 20 * 1024 * 1024;
/** Failed cases kept per build (the first ones, in report order). */
export const MAX_FAILURES = 50;

export type TestFailure = { suite: string; name: string; className: string; kind: "failure" | "error"; message: string };

export type TestSummary = { total: number; passed: number; failed: number; skipped: number; durationMs: number; reports: number; failures: TestFailure[] };

type Node = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  textNodeName: "#text",
  // No entity expansion (a report is untrusted input), values as written.
  processEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => ["testsuite", "testcase", "failure", "error", "skipped"].includes(name),
});

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** XML's five named entities and character references (the parser expands none: no DOCTYPE tricks). */
function decode(value: string): string {
  return value.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);/g, (whole, entity: string) => {
    if (entity.startsWith("#")) {
      const code = entity[1] === "x" ? Number.parseInt(entity.slice(2), 16) : Number.parseInt(entity.slice(1), 10);
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : whole;
    }
    return NAMED[entity] ?? whole;
  });
}

function text(value: unknown): string {
  if (typeof value === "string") {
    return decode(value);
  }
  if (value && typeof value === "object" && typeof (value as Node)["#text"] === "string") {
    return decode((value as Node)["#text"] as string);
  }
  return "";
}

function attr(node: Node, name: string): string {
  const value = node[`@${name}`];
  return typeof value === "string" ? decode(value) : "";
}

function messageOf(entries: unknown): string {
  const first = Array.isArray(entries) ? (entries[0] as unknown) : entries;
  if (first && typeof first === "object") {
    const node = first as Node;
    const summary = attr(node, "message");
    const body = text(node);
    return (summary && body && !body.startsWith(summary) ? `${summary}\n${body}` : summary || body).slice(0, 2_000);
  }
  return text(first).slice(0, 2_000);
}

/** Adds the cases of one parsed document to the summary; false when it is not a JUnit report. */
export function addJunitReport(summary: TestSummary, document: unknown): boolean {
  if (!document || typeof document !== "object") {
    return false;
  }
  const root = document as Node;
  const suites: Node[] = [];
  const collect = (node: Node) => {
    for (const suite of (node.testsuite as Node[] | undefined) ?? []) {
      if (suite && typeof suite === "object") {
        suites.push(suite);
        collect(suite);
      }
    }
  };
  if (root.testsuites && typeof root.testsuites === "object") {
    collect(root.testsuites as Node);
  } else if (root.testsuite) {
    collect(root);
  } else {
    return false;
  }
  summary.reports += 1;
  for (const suite of suites) {
    for (const testcase of (suite.testcase as Node[] | undefined) ?? []) {
      if (!testcase || typeof testcase !== "object") {
        continue;
      }
      summary.total += 1;
      const seconds = Number.parseFloat(attr(testcase, "time"));
      if (Number.isFinite(seconds) && seconds > 0) {
        summary.durationMs += Math.round(seconds * 1_000);
      }
      const failure = testcase.failure ? "failure" : testcase.error ? "error" : null;
      if (failure) {
        summary.failed += 1;
        if (summary.failures.length < MAX_FAILURES) {
          summary.failures.push({
            suite: attr(suite, "name").slice(0, 300),
            name: attr(testcase, "name").slice(0, 300),
            className: attr(testcase, "classname").slice(0, 300),
            kind: failure,
            message: messageOf(testcase[failure]),
          });
        }
      } else if (testcase.skipped !== undefined) {
        summary.skipped += 1;
      } else {
        summary.passed += 1;
      }
    }
  }
  return true;
}

/** An empty summary. */
export function emptySummary(): TestSummary {
  return { total: 0, passed: 0, failed: 0, skipped: 0, durationMs: 0, reports: 0, failures: [] };
}

/** Reads the JUnit reports among the kept files (.xml, .junit); null when there are none. */
export async function readTestReports(files: readonly FoundArtifact[]): Promise<TestSummary | null> {
  const summary = emptySummary();
  for (const file of files) {
    if (!/\.(xml|junit)$/i.test(file.path) || file.size === 0 || file.size > MAX_REPORT_BYTES) {
      continue;
    }
    let document: unknown;
    try {
      const content = await readFile(file.file, "utf8");
      if (!/<testsuites?[\s>]/.test(content.slice(0, 4_096))) {
        continue;
      }
      document = parser.parse(content);
    } catch {
      // Not well-formed: it stays an artifact; the build page counts only what could be read.
      continue;
    }
    addJunitReport(summary, document);
  }
  return summary.reports > 0 ? summary : null;
}
