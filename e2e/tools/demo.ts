// `npm run demo`: Keel against the Azure DevOps emulator's demo fixture, for trying
// every connect path on one machine with no Azure DevOps account. Starts the emulator
// in this process (fixed ports, so connections saved in the demo keep working across
// runs), starts Keel through its launcher with the demo configuration (demo-env.ts; its
// data lives in .data/demo), prints what to try, and stops both on Ctrl+C.
//   npm run demo [-- --port 3000 --emulator-port 4500]
import { spawn } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";
import { DEMO_ORGS, DEMO_PATS, DEMO_USERS } from "@/e2e/azure-devops-emulator/fixtures/demo";
import { startEmulator } from "@/e2e/azure-devops-emulator/index";
import { childProcessEnv } from "@/lib/env";
import { demoEnvironment, demoRedirectUris } from "./demo-env";

const root = path.resolve(import.meta.dirname, "../..");

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: "string", default: "3000" }, "emulator-port": { type: "string", default: "4500" } },
  });
  const keelPort = Number(values.port);
  const emulatorPort = Number(values["emulator-port"]);
  if (!Number.isInteger(keelPort) || keelPort < 1 || keelPort > 65535 || !Number.isInteger(emulatorPort) || emulatorPort < 1 || emulatorPort > 65000) {
    throw new Error("--port and --emulator-port must be port numbers");
  }

  const emulator = await startEmulator({ fixture: "demo", basePort: emulatorPort, oauthRedirectUris: demoRedirectUris(keelPort) });
  const servicesUrl = emulator.servicesUrl!;
  const server = (name: string) => emulator.deployment(name);
  const keelUrl = `http://localhost:${keelPort}`;

  const lines = [
    "",
    "Keel demo — Azure DevOps is the local emulator (fixture 'demo'); nothing here reaches Microsoft.",
    "",
    `  Keel:            ${keelUrl}   (first visit: /setup creates your demo admin; data in .data/demo)`,
    `  Azure DevOps:    ${servicesUrl}  (stands in for https://dev.azure.com)`,
    "",
    "Try, under Connections → Connect Azure DevOps:",
    `  • Services + Personal Access Token, organization "${DEMO_ORGS.tailspin.name}", token:`,
    `      ${DEMO_PATS.tailspin}`,
    `    (same for "${DEMO_ORGS.woodgrove.name}": ${DEMO_PATS.woodgrove})`,
    `  • Services + OAuth2 with Microsoft Entra ID, sign in as ${DEMO_USERS.dana.displayName} on the consent page.`,
    "    (Azure DevOps OAuth, the legacy provider, accepts only https callbacks, as the real service does: with Keel on",
    "    plain http its sign-in stops at the emulator's 400 page. Over https, \"" + DEMO_ORGS.adventureWorks.name + "\" shows the",
    `    "Third-party application access via OAuth" policy off; turn it on with: curl -XPOST ${servicesUrl}/_emulator/policies/oauth`,
    `    -d '{"organization":"${DEMO_ORGS.adventureWorks.name}","enabled":true}' -H 'content-type: application/json'. Entra ID ignores that policy.)`,
    `  • Server + PAT, paste ${server("demo-server2022").url}/DefaultCollection/MOBILE_IOS/_git/wallet`,
    `      token ${DEMO_PATS.server2022}  (Azure DevOps Server 2022.1 behind /tfs)`,
    `  • Server + PAT, ${server("demo-server").url} collection DefaultCollection, token ${DEMO_PATS.server}`,
    "      (the yearless Azure DevOps Server of December 2025: REST API 7.2, 7.1 released)",
    `  • Server + PAT, ${server("demo-server2019").url} collection DefaultCollection, token ${DEMO_PATS.server2019}`,
    "      → refused: Azure DevOps Server 2019 is too old",
    `  • Server + PAT, ${server("demo-localhost").url} collection DefaultCollection, token ${DEMO_PATS.serverLocalhost}`,
    "      → warns: the server's public URL is misconfigured as http://localhost:8080/tfs",
    "",
    `Emulator state: ${servicesUrl}/_emulator/state · every request it received: ${servicesUrl}/_emulator/requests`,
    "Press Ctrl+C to stop Keel and the emulator.",
    "",
  ];

  const keel = spawn(process.execPath, [path.join(root, "node_modules", "tsx", "dist", "cli.mjs"), "lib/runtime/keel.ts", "start"], {
    cwd: root,
    stdio: "inherit",
    env: childProcessEnv(demoEnvironment({ keelPort, servicesUrl })),
  });
  // Printed once Keel answers, so the instructions are not lost in its start-up log.
  void (async () => {
    for (let attempt = 0; attempt < 600 && keel.exitCode === null; attempt++) {
      try {
        const response = await fetch(`http://127.0.0.1:${keelPort}/api/health`);
        if (response.ok) {
          process.stdout.write(`${lines.join("\n")}\n`);
          return;
        }
      } catch {
        // not up yet
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  })();

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) {
      return;
    }
    stopping = true;
    if (keel.exitCode === null) {
      const exited = new Promise((resolve) => keel.once("exit", resolve));
      keel.kill("SIGTERM");
      await exited;
    }
    await emulator.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  keel.on("exit", (code) => void stop(code ?? 1));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
