import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { fixtureNames, startEmulator } from "./index.js";

/**
 * `npm run emulator -- --fixture NAME --port N [--host H] [--public-host H] [--redirect-uri URI…]`
 * Prints every deployment's URL and the fixture's credentials (test data), then runs until
 * SIGINT/SIGTERM and stops gracefully.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      fixture: { type: "string", default: "default" },
      port: { type: "string", default: "0" },
      host: { type: "string", default: "127.0.0.1" },
      "public-host": { type: "string" },
      "redirect-uri": { type: "string", multiple: true },
      "trust-ca": { type: "string", multiple: true },
      "services-tls": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      `Usage: npm run emulator -- --fixture NAME --port N [--host H] [--public-host H] [--redirect-uri URI]... [--trust-ca FILE]... [--services-tls]\nFixtures: ${fixtureNames().join(", ")}\n`,
    );
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be an integer 0-65535, got '${values.port}'.`);
  }
  const handle = await startEmulator({
    fixture: values.fixture,
    basePort: port,
    host: values.host,
    publicHost: values["public-host"],
    oauthRedirectUris: values["redirect-uri"],
    // CA certificates to trust when fetching federated-credential issuers' keys (Keel over HTTPS in tests).
    trustedCaPems: (values["trust-ca"] ?? []).map((file) => readFileSync(file, "utf8")),
    servicesTls: values["services-tls"] ? true : undefined,
  });
  // Signal handlers before the ready message: a supervisor that stops the emulator as soon as it
  // reads "Press Ctrl+C to stop." must find them installed (the write can wake it first).
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      return;
    }
    stopping = true;
    process.stdout.write(`\n${signal}: stopping…\n`);
    handle
      .stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        process.stderr.write(`${String(error)}\n`);
        process.exit(1);
      });
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  const lines: string[] = [`Azure DevOps emulator — fixture '${handle.fixture.name}'`, ""];
  for (const deployment of handle.deployments) {
    lines.push(`${deployment.name} (${deployment.productLabel}, api ≤ ${deployment.maxApiVersion})${deployment.tls ? " [TLS]" : ""}`);
    lines.push(`  listener:   ${deployment.url}`);
    if (deployment.publicUrl !== undefined) {
      lines.push(`  public URL: ${deployment.publicUrl}`);
    }
    for (const host of deployment.hosts) {
      lines.push(`  ${deployment.kind === "services" ? "organization" : "collection  "}: ${host.url}`);
    }
    lines.push(`  control:    ${deployment.origin}/_emulator/state`);
  }
  const credentials = handle.control.credentials();
  lines.push("", "Users (test data):");
  for (const user of credentials.users) {
    lines.push(`  ${user.displayName} <${user.email}> ${user.kind} id=${user.id}`);
  }
  lines.push("", "PATs (test data):");
  for (const pat of credentials.pats) {
    const scopes = pat.scopes === "full" ? "full access" : pat.scopes.join(" ");
    const orgs = pat.organizations === "all" ? "all" : pat.organizations.join(",");
    lines.push(`  ${pat.label}: ${pat.token}`);
    lines.push(`      deployment=${pat.deployment} organizations=${orgs} scopes=${scopes} expires=${pat.expiresAt}${pat.revoked ? " REVOKED" : ""}`);
  }
  lines.push("", "OAuth apps (test data):");
  for (const app of credentials.oauth.legacy) {
    lines.push(`  legacy ${app.name}: client_id=${app.clientId} client_secret=${app.clientSecret}`);
    lines.push(`      redirect URIs: ${app.redirectUris.join(" ")}`);
  }
  for (const app of credentials.oauth.entra) {
    lines.push(`  entra ${app.name}: tenant=${app.tenantId} client_id=${app.clientId} client_secret=${app.clientSecret}`);
    lines.push(`      redirect URIs: ${app.redirectUris.join(" ")}`);
  }
  const entra = handle.control.entra();
  if (entra.refusedLegacyRedirectUris.length > 0) {
    lines.push("", `Refused by the legacy OAuth apps (Azure DevOps requires https callbacks): ${entra.refusedLegacyRedirectUris.join(" ")}`);
  }
  lines.push("", "Service principals and managed identities (test data):");
  for (const app of entra.apps) {
    const orgs = app.servicePrincipal.organizations.map((org) => `${org.name}${org.projects === "all" ? "" : ` [${org.projects.join(", ") || "no projects"}]`}`).join(", ");
    lines.push(`  ${app.name}: tenant=${app.tenantId} client_id=${app.clientId} identity=${app.servicePrincipal.identityId} organizations=${orgs || "none"}`);
  }
  for (const identity of entra.managedIdentities) {
    lines.push(`  managed identity ${identity.displayName} (${identity.kind}${identity.assigned ? "" : ", not attached"}): client_id=${identity.clientId} identity=${identity.identityId}`);
  }
  lines.push(`  instance metadata endpoint: ${handle.servicesUrl ?? ""}/metadata/identity/oauth2/token`);
  if (handle.deployments.some((deployment) => deployment.tls)) {
    lines.push("", `CA certificate: ${handle.deployments[0]?.origin ?? ""}/_emulator/ca.pem`);
  }
  lines.push("", "Press Ctrl+C to stop.");
  process.stdout.write(`${lines.join("\n")}\n`);

}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
