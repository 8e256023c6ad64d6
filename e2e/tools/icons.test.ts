import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * Keel's icons are lucide-react, imported one file per icon (components/README.md) so a page
 * ships only the icons it shows. The per-icon paths share one type declaration, so the type
 * checker cannot tell a misspelt icon name: this test does, and it refuses the barrel import.
 */

const root = fileURLToPath(new URL("../..", import.meta.url));

function sources(folder: string): string[] {
  return readdirSync(path.join(root, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)));
}

const files = [...sources("app"), ...sources("components")];
const imports = files.flatMap((file) => [...readFileSync(path.join(root, file), "utf8").matchAll(/from\s+"(lucide-react[^"]*)"/g)].map((match) => ({ file, specifier: match[1]! })));

describe("lucide-react icons", () => {
  it("are used, and every one is imported from its own file", () => {
    expect(imports.length).toBeGreaterThan(0);
    const barrel = imports.filter(({ specifier }) => !/^lucide-react\/icons\/[a-z0-9-]+$/.test(specifier));
    expect(barrel, "import icons as lucide-react/icons/<name>").toEqual([]);
  });

  it("name icons that exist in the installed package", () => {
    const missing = imports.filter(({ specifier }) => !existsSync(path.join(root, "node_modules/lucide-react/dist/esm/icons", `${specifier.slice("lucide-react/icons/".length)}.mjs`)));
    expect(missing).toEqual([]);
  });
});
