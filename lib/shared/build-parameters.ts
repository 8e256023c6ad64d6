// Variables for one build (lib/builds/README.md, "Variables for one build"): NAME=value pairs
// someone gives when starting a build — DEPLOY_TARGET=testflight, RELEASE_NOTES=… — that the
// steps get on top of the workflow's variables. Never secret: anyone who may see the build sees
// them. Pure: the Start build form's text, the token API's object and startBuild share it.
import { reservedVariableReason, VARIABLE_NAME, WORKFLOW_LIMITS } from "./workflow";

export type BuildParameter = { name: string; value: string };

/** At most this many per build. */
export const MAX_BUILD_PARAMETERS = 20;

// Controls but tab and line breaks, and bidi overrides (a value may span lines, like a variable's).
const CONTROL_EXCEPT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/;

/** What is wrong with one pair, in words that name it; null when it is fine. */
export function buildParameterProblem(name: string, value: string): string | null {
  if (!VARIABLE_NAME.test(name) || name.length > WORKFLOW_LIMITS.variableName) {
    return `“${name.slice(0, 40)}” is not a variable name: letters, digits and _, not starting with a digit (at most ${WORKFLOW_LIMITS.variableName} characters)`;
  }
  const reserved = reservedVariableReason(name);
  if (reserved) {
    return `${name} cannot be set: ${reserved}`;
  }
  if (value.length > WORKFLOW_LIMITS.variableValue) {
    return `${name}: the value has more than ${WORKFLOW_LIMITS.variableValue} characters`;
  }
  if (CONTROL_EXCEPT_LINES.test(value)) {
    return `${name}: the value has control or invisible characters`;
  }
  return null;
}

/** Checks a list of pairs: each pair, no name twice, at most MAX_BUILD_PARAMETERS. Returns the first problem. */
export function buildParametersProblem(parameters: readonly BuildParameter[]): string | null {
  if (parameters.length > MAX_BUILD_PARAMETERS) {
    return `At most ${MAX_BUILD_PARAMETERS} variables per build`;
  }
  const seen = new Set<string>();
  for (const { name, value } of parameters) {
    const problem = buildParameterProblem(name, value);
    if (problem) {
      return problem;
    }
    if (seen.has(name)) {
      return `${name} is given twice`;
    }
    seen.add(name);
  }
  return null;
}

/**
 * The Start build form's text: one NAME=value per line (the value is everything after the first
 * `=`, spaces kept; blank lines ignored). A line without `=` is a problem named by its number.
 */
export function parseBuildParameters(text: string): { parameters: BuildParameter[] } | { problem: string } {
  const parameters: BuildParameter[] = [];
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  for (const [index, line] of lines.entries()) {
    if (line.trim() === "") {
      continue;
    }
    const at = line.indexOf("=");
    if (at <= 0) {
      return { problem: `Line ${index + 1} is not NAME=value` };
    }
    parameters.push({ name: line.slice(0, at).trim(), value: line.slice(at + 1) });
  }
  const problem = buildParametersProblem(parameters);
  return problem ? { problem } : { parameters };
}

/** The stored JSON as pairs (anything else: none). */
export function buildParametersOf(stored: unknown): BuildParameter[] {
  return Array.isArray(stored)
    ? stored.filter((item): item is BuildParameter => typeof item === "object" && item !== null && typeof item.name === "string" && typeof item.value === "string")
    : [];
}
