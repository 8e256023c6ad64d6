import "server-only";
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { lchown } from "node:fs/promises";
import os from "node:os";
import { getEnv, isolatedChildEnv } from "@/lib/env";

// Steps as another operating-system user (lib/builds/README.md, "Isolation"). A worker started
// as root with KEEL_BUILD_USER hands each build's private folder to that user and starts the
// steps (and the tar of the cache) as it: a step can then read neither the worker's environment
// (`/proc/<pid>/environ` of another user's process is closed to it) nor Keel's files. Git, the
// artifacts and the clean-up stay the worker's, after the user's processes have all ended.

/** The user a build's steps run as. */
export type BuildUser = { name: string; uid: number; gid: number };

/** PATH of the few commands run here (chown, sh, test): the system's own. */
const SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * The build user named by KEEL_BUILD_USER, checked: this process must be root (only root starts
 * processes as another user), the user must exist and not be root, and it must be able to reach
 * `buildDir` (its folders are made there). Throws an Error whose
 * message says what to do.
 */
export function resolveBuildUser(name: string, buildDir: string): BuildUser {
  if (process.getuid?.() !== 0) {
    throw new Error(`KEEL_BUILD_USER=${name} needs the worker to run as root, which alone can start a build's steps as another user. Start the worker as root on its build machine, or unset KEEL_BUILD_USER.`);
  }
  const id = (flag: string) => {
    try {
      return Number(execFileSync("id", [flag, name], { encoding: "utf8", env: isolatedChildEnv({ PATH: SYSTEM_PATH }), stdio: ["ignore", "pipe", "ignore"] }).trim());
    } catch {
      throw new Error(`KEEL_BUILD_USER=${name}: there is no such user on this machine. Create it (Debian: useradd --system --create-home ${name}) or set another.`);
    }
  };
  const user = { name, uid: id("-u"), gid: id("-g") };
  if (user.uid === 0) {
    throw new Error(`KEEL_BUILD_USER=${name} is root: steps would run as root. Name an unprivileged user.`);
  }
  try {
    execFileSync("test", ["-x", buildDir], { uid: user.uid, gid: user.gid, cwd: "/", env: isolatedChildEnv({ PATH: SYSTEM_PATH }), stdio: "ignore" });
  } catch {
    throw new Error(`KEEL_BUILD_USER=${name} cannot reach the build folder ${buildDir}: let it pass through (chmod o+x) or set KEEL_BUILD_DIR to a folder it can.`);
  }
  return user;
}

let configured: BuildUser | null | undefined;

/** This worker's build user (KEEL_BUILD_USER, checked once: resolveBuildUser), or null when steps run as the worker's user. */
export function configuredBuildUser(): BuildUser | null {
  if (configured === undefined) {
    const env = getEnv();
    const buildDir = env.KEEL_BUILD_DIR ?? os.tmpdir();
    if (env.KEEL_BUILD_USER) {
      mkdirSync(buildDir, { recursive: true });
    }
    configured = env.KEEL_BUILD_USER ? resolveBuildUser(env.KEEL_BUILD_USER, buildDir) : null;
  }
  return configured;
}

async function run(file: string, args: string[], options: { user?: BuildUser } = {}): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd: "/", env: isolatedChildEnv({ PATH: SYSTEM_PATH }), stdio: "ignore", ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}) });
    child.once("error", () => resolve(null));
    child.once("exit", (code) => resolve(code));
  });
}

/**
 * Hands a build's folder to the build user: everything in it becomes the user's. Symbolic links
 * are changed themselves, never followed (`-h`, `-P`): a repository's link to /etc/shadow must not
 * make that file the user's.
 */
export async function handOver(dir: string, user: BuildUser): Promise<void> {
  const code = await run("chown", ["-R", "-h", "-P", `${user.uid}:${user.gid}`, "--", dir]);
  if (code !== 0) {
    throw new Error(`could not hand the build's folder to the build user ${user.name} (chown exit code ${code})`);
  }
}

/** Makes files the worker wrote into a handed-over folder the build user's too (one by one, links not followed). */
export async function giveToUser(user: BuildUser, paths: readonly string[]): Promise<void> {
  for (const file of paths) {
    await lchown(file, user.uid, user.gid);
  }
}

/**
 * Ends every process of the build user — what a step left running, in its group or not, whatever
 * its environment says — by a signal the user sends to all its own processes (`kill -1`, which
 * spares only the sender). Done before a build's folder is handed over (nothing of an earlier
 * build watches this one) and before the worker reads what the steps left (artifacts, caches):
 * nothing of the user's can change a file between the worker's check and its read.
 */
export async function endUserProcesses(user: BuildUser): Promise<void> {
  for (let round = 0; round < 2; round += 1) {
    // `--`: dash, Debian's sh, takes a bare -1 for an option.
    await run("sh", ["-c", "kill -s KILL -- -1 2>/dev/null; exit 0"], { user });
  }
}
