import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The repository stands alone: a clone anywhere runs `npm install && npm test` with nothing
 * beside it. This test reads every tracked file (package-lock.json aside: it records where
 * packages were downloaded from) and fails on a reference to a path outside the repository —
 * a relative path that climbs above its root, a home or workspace directory, the owner's
 * reference folder — and on documentation links and citations that lead nowhere.
 */

const root = fileURLToPath(new URL("../..", import.meta.url));

// Built from pieces so this file does not contain what it forbids (its samples below too).
const OWNER_FOLDER = ["", "work", "shared"].join("/");
const SIBLING_FOLDER = ["..", "shared"].join("/");
const BESIDE = ["shared", "documents", "beside", "this", "repository"].join(" ");

/** Absolute paths in places that belong to a person or a machine, not to the system. */
const PERSONAL_PATH = /(?<![\w.\/-])\/(?:work|home|root|Users|mnt|media|srv|workspaces?)\/[\w.\/-]+|(?<![\w.])~\/[\w.\/-]+|\b[A-Za-z]:\\(?:Users|work)\\/g;

/** `..`, `../..`, `../x/y` as a path — not `...spread`, `1..5` or a query value `=../x`. */
const PARENT_PATH = /(?<![\w.\/\\=-])\.\.(?=[\/\s"'`)\],;]|$)(?:\/\.\.(?=[\/\s"'`)\],;]|$))*(?:\/[^\s"'`)\]>,;*|{}]*)?/g;

/** Every reference in `text` (the content of tracked file `file`) to a path outside the repository. */
export function outsideReferences(file: string, text: string): string[] {
  const found: string[] = [];
  for (const phrase of [OWNER_FOLDER, SIBLING_FOLDER, BESIDE]) {
    if (text.includes(phrase)) {
      found.push(phrase);
    }
  }
  for (const match of text.matchAll(PERSONAL_PATH)) {
    found.push(match[0]);
  }
  const directory = path.dirname(path.join(root, file));
  for (const match of text.matchAll(PARENT_PATH)) {
    const target = path.resolve(directory, match[0]);
    if (target !== path.resolve(root) && !target.startsWith(path.resolve(root) + path.sep)) {
      found.push(match[0]);
    }
  }
  return found;
}

function trackedFiles(): string[] {
  const output = execFileSync("git", ["ls-files", "-z"], { cwd: root, encoding: "utf8" });
  return output.split("\0").filter((file) => file !== "" && existsSync(path.join(root, file)));
}

function readText(file: string): string | null {
  const buffer = readFileSync(path.join(root, file));
  return buffer.includes(0) ? null : buffer.toString("utf8");
}

describe("outsideReferences (the detector itself)", () => {
  it("flags the owner's folder, a sibling folder, personal paths and relative paths above the root", () => {
    expect(outsideReferences("lib/a.ts", `const specs = "${OWNER_FOLDER}/azure-devops/specs";`)).not.toEqual([]);
    expect(outsideReferences("lib/a.ts", `see ${SIBLING_FOLDER}/STYLE.md`)).not.toEqual([]);
    expect(outsideReferences("README.md", `the ${BESIDE}`)).not.toEqual([]);
    const home = ["", "home", "ada", "notes.md"].join("/");
    expect(outsideReferences("lib/a.ts", `readFileSync("${home}")`)).toEqual([home]);
    const tilde = ["~", "notes.md"].join("/");
    expect(outsideReferences("lib/a.ts", `cat ${tilde}`)).toEqual([tilde]);
    expect(outsideReferences("lib/a.ts", 'import x from "../../other-repo/x";')).toEqual(["../../other-repo/x"]);
    expect(outsideReferences("README.md", "[notes](../notes.md)")).toEqual(["../notes.md"]);
    const threeUp = ["..", "..", ".."].join("/");
    expect(outsideReferences("e2e/tools/a.ts", `path.resolve(dir, "${threeUp}")`)).toEqual([threeUp]);
  });

  it("leaves alone paths inside the repository, system paths, URLs and spreads", () => {
    expect(outsideReferences("lib/azure-devops/a.ts", 'import x from "../net/retry";')).toEqual([]);
    expect(outsideReferences("e2e/tools/a.ts", 'path.resolve(import.meta.dirname, "../..")')).toEqual([]);
    expect(outsideReferences("docs/a.md", "[specs](../e2e/azure-devops-emulator/specs/README.md)")).toEqual([]);
    expect(outsideReferences("lib/a.ts", '"/usr/bin/chromium", "/proc/self/status", "/tmp/x", "/var/log/keel.log"')).toEqual([]);
    expect(outsideReferences("lib/a.ts", '"https://example.com/home/x", "/api/auth/callback", [...rest], "1..5", "?project=../../x"')).toEqual([]);
  });
});

describe("the repository stands alone", () => {
  const files = trackedFiles();

  it("lists the tracked files through git", () => {
    expect(files).toContain("package.json");
    expect(files).toContain("e2e/azure-devops-emulator/specs/LICENSE");
  });

  it("no tracked file references a path outside the repository", () => {
    const problems: string[] = [];
    for (const file of files) {
      if (file === "package-lock.json") {
        continue;
      }
      const text = readText(file);
      if (text === null) {
        continue;
      }
      for (const reference of outsideReferences(file, text)) {
        problems.push(`${file}: ${reference}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("every relative link in the Markdown files leads to a file of the repository", () => {
    const broken: string[] = [];
    for (const file of files.filter((name) => name.endsWith(".md"))) {
      const text = readText(file) ?? "";
      for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1]!.split("#")[0]!;
        if (target === "" || /^[a-z][a-z0-9+.-]*:/i.test(target)) {
          continue;
        }
        if (!existsSync(path.resolve(path.dirname(path.join(root, file)), decodeURIComponent(target)))) {
          broken.push(`${file}: ${match[1]}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it("every citation of docs/azure-devops-facts.md names a section that exists", () => {
    const facts = readFileSync(path.join(root, "docs/azure-devops-facts.md"), "utf8");
    const sections = new Set([...facts.matchAll(/^#{2,3} (\d+(?:\.\d+)?)\.? /gm)].map((match) => match[1]));
    expect(sections.size).toBeGreaterThan(20);
    const missing: string[] = [];
    for (const file of files) {
      const text = readText(file) ?? "";
      for (const match of text.matchAll(/docs\/azure-devops-facts\.md §(\d+(?:\.\d+)?)/g)) {
        if (!sections.has(match[1])) {
          missing.push(`${file}: §${match[1]}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("ARCHITECTURE.md maps every lib/ folder", () => {
    const architecture = readFileSync(path.join(root, "ARCHITECTURE.md"), "utf8");
    const folders = [...new Set(files.filter((file) => /^lib\/[^/]+\//.test(file)).map((file) => file.split("/")[1]!))];
    expect(folders.length).toBeGreaterThan(5);
    expect(folders.filter((folder) => !architecture.includes(`\`lib/${folder}/\``))).toEqual([]);
  });
});
