// Steps from the repository (lib/builds/README.md, "Steps from the repository"): a profile whose
// workflow names a file (keel.yml) runs the steps that file lists in the commit being built, so a
// change to the build goes through review with the code it builds. The file holds steps only:
// variables, secrets, the time limit, artifacts, caches and the pool stay on the workflow page,
// where admins manage them (a pull request must not be able to change where secrets go).
//
//   steps:
//     - name: Install pods
//       run: pod install
//     - name: Build
//       run: |
//         xcodebuild -workspace Wallet.xcworkspace -scheme Wallet build
//     - name: Lint
//       run: swiftlint
//       continueOnError: true    # its failure does not fail the build
//     - name: Upload logs
//       run: ./ci/upload-logs.sh
//       always: true             # runs even when an earlier step failed
//
// Pure (no I/O): the runner reads the file, this checks it, naming each problem's line.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import { cleanStep, MAX_STEP_RETRIES, WORKFLOW_LIMITS, type WorkflowStep } from "@/lib/shared/workflow";
import { checkSteps } from "@/lib/validation/builds";

/** Problems reported at most (a file that is not a steps file at all has many). */
const MAX_PROBLEMS = 5;

export type WorkflowFileResult = { ok: true; steps: WorkflowStep[] } | { ok: false; problems: string[] };

/** Reads a steps file's text; every problem names the file, the line, and what to write instead. */
export function parseWorkflowFile(text: string, fileName: string): WorkflowFileResult {
  const lines = new LineCounter();
  // The core schema: plain YAML types only (no custom tags); aliases are capped by the library.
  const document = parseDocument(text, { lineCounter: lines, schema: "core", uniqueKeys: true, prettyErrors: false });
  const problems: string[] = [];
  const at = (node: Node | null | undefined) => (node?.range ? `${fileName} line ${lines.linePos(node.range[0]).line}` : fileName);
  for (const error of document.errors.slice(0, MAX_PROBLEMS)) {
    const line = lines.linePos(error.pos[0]).line;
    problems.push(`${fileName} line ${line}: ${error.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, "")} (not valid YAML).`);
  }
  if (problems.length > 0) {
    return { ok: false, problems };
  }
  const root = document.contents;
  if (!isMap(root)) {
    return { ok: false, problems: [`${fileName}: must be a mapping with a “steps:” list, for example “steps:” then “  - name: Build” and “    run: ./build.sh”.`] };
  }
  let stepsNode: Node | null = null;
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : "?";
    if (key === "steps") {
      stepsNode = pair.value as Node | null;
    } else {
      problems.push(`${at(pair.key as Node)}: “${key.slice(0, 40)}” is not something Keel reads here; the file lists steps only (variables, secrets and the time limit are on the profile's workflow page).`);
    }
  }
  if (!isSeq(stepsNode)) {
    problems.push(`${stepsNode ? at(stepsNode) : fileName}: “steps:” must be a list of steps, each with a name and a run command.`);
    return { ok: false, problems: problems.slice(0, MAX_PROBLEMS) };
  }
  const raw: Array<{ name: string; command: string; always?: boolean; continueOnError?: boolean; retries?: number; timeoutMinutes?: number }> = [];
  const nodes: Node[] = [];
  /** Steps already reported (a step that is not a mapping, a value that is not text): not reported again as empty. */
  const reported = new Set<number>();
  for (const [index, item] of stepsNode.items.entries()) {
    const node = item as Node;
    nodes.push(node);
    const label = `step ${index + 1}`;
    if (!isMap(node)) {
      problems.push(`${at(node)}: ${label} must have “name:” and “run:”.`);
      reported.add(index);
      raw.push({ name: "", command: "" });
      continue;
    }
    const fields: Record<string, string> = {};
    const conditions: { always?: boolean; continueOnError?: boolean; retries?: number; timeoutMinutes?: number } = {};
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : "?";
      const value = pair.value as Node | null;
      if (key === "always" || key === "continueOnError") {
        if (!isScalar(value) || typeof value.value !== "boolean") {
          problems.push(`${at(value ?? (pair.key as Node))}: the ${key} of ${label} must be true or false.`);
          continue;
        }
        conditions[key] = value.value;
        continue;
      }
      if (key === "retries" || key === "timeoutMinutes") {
        if (!isScalar(value) || typeof value.value !== "number") {
          const range = key === "retries" ? `from 0 to ${MAX_STEP_RETRIES}` : `of minutes from ${WORKFLOW_LIMITS.timeoutMinutes.min} to ${WORKFLOW_LIMITS.timeoutMinutes.max}`;
          problems.push(`${at(value ?? (pair.key as Node))}: the ${key} of ${label} must be a number ${range}.`);
          reported.add(index);
          continue;
        }
        conditions[key] = value.value;
        continue;
      }
      if (key !== "name" && key !== "run") {
        problems.push(`${at(pair.key as Node)}: ${label} has “${key.slice(0, 40)}”; a step has “name:”, “run:” and, if needed, “always: true” (runs even after a failure), “continueOnError: true” (may fail), “retries: 2” (tried again when it fails) and “timeoutMinutes: 10” (its own time limit).`);
        continue;
      }
      if (!isScalar(value) || (typeof value.value !== "string" && typeof value.value !== "number" && typeof value.value !== "boolean")) {
        problems.push(`${at(value ?? (pair.key as Node))}: the ${key} of ${label} must be text${key === "run" ? " (a block under “run: |” for several lines)" : ""}.`);
        reported.add(index);
        continue;
      }
      fields[key] = String(value.value);
    }
    raw.push({ name: fields.name ?? "", command: fields.run ?? "", ...conditions });
  }
  // The editor's rules (names, lengths, at least one step), told with the step's line.
  checkSteps(raw, (index, message) => {
    if (!reported.has(index)) {
      problems.push(`${index >= 0 ? at(nodes[index]) : at(stepsNode)}: ${message}`);
    }
  }, "run command");
  if (problems.length > 0) {
    return { ok: false, problems: [...new Set(problems)].slice(0, MAX_PROBLEMS) };
  }
  return { ok: true, steps: raw.map((step) => cleanStep({ ...step, name: step.name.trim(), command: step.command.replace(/\r\n?/g, "\n").trim() })) };
}
