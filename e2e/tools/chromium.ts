// Finds Debian's Chromium for Playwright (its own browser download is unreachable
// here), installing it with apt when running as root, else saying how to.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { childProcessEnv, getToolingEnv } from "@/lib/env";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

/** Path of an installed Chromium, or undefined. CHROMIUM_PATH overrides the search. */
export function findChromium(): string | undefined {
  const override = getToolingEnv().CHROMIUM_PATH;
  if (override) {
    return existsSync(override) ? override : undefined;
  }
  return CANDIDATES.find((candidate) => existsSync(candidate));
}

/** Returns Chromium's path, installing Debian's package first when possible; exits with the command to run otherwise. */
export function ensureChromium(): string {
  const found = findChromium();
  if (found) {
    return found;
  }
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync("sh", ["-c", "command -v apt-get"], { encoding: "utf8" }).status === 0;
  if (isRoot && hasApt) {
    console.log("Chromium is missing: installing Debian's chromium package (apt-get install chromium)…");
    const env = childProcessEnv({ DEBIAN_FRONTEND: "noninteractive" });
    const update = spawnSync("apt-get", ["update"], { stdio: "inherit", env });
    const install = update.status === 0 ? spawnSync("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], { stdio: "inherit", env }) : update;
    const installed = findChromium();
    if (install.status === 0 && installed) {
      return installed;
    }
  }
  console.error(
    "Chromium is needed for the browser tests and is not installed.\n" +
      "Install Debian's package, then run the tests again:\n\n" +
      "  sudo apt-get update && sudo apt-get install -y chromium\n\n" +
      "(or set CHROMIUM_PATH to an existing Chromium binary)",
  );
  process.exit(1);
}
