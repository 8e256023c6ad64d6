// Test helpers for lib/entra (not a test file): Keel's own OpenID issuer routes served over HTTP
// on a free port (the real route handlers of app/api/oidc, so the emulator — standing in for
// Microsoft Entra ID — reads exactly what Keel publishes), and a wizard run without a browser.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { GET as discoveryRoute } from "@/app/api/oidc/.well-known/openid-configuration/route";
import { GET as jwksRoute } from "@/app/api/oidc/jwks/route";
import { createDraft, getDraft, setDraftEntraSecret, updateDraft } from "@/lib/data/connect-drafts";
import { checkServicePrincipalDraft, saveServicePrincipalDraft } from "@/lib/connections/service-principal";
import type { CheckSummary } from "@/lib/connections/summary";
import type { Scope } from "@/lib/scope";
import { randomUUID } from "node:crypto";

export type TestIssuerServer = {
  /** Base URL to use as KEEL_PUBLIC_URL (the issuer is `{it}/api/oidc`). */
  publicUrl: string;
  /** Paths served, in order. */
  served: string[];
  stop(): Promise<void>;
};

/** Serves Keel's discovery document and JWKS through the real route handlers. */
export async function startIssuerServer(): Promise<TestIssuerServer> {
  const served: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://issuer.invalid").pathname;
    served.push(path);
    const handler = path === "/api/oidc/.well-known/openid-configuration" ? discoveryRoute : path === "/api/oidc/jwks" ? jwksRoute : null;
    if (!handler) {
      res.writeHead(404).end();
      return;
    }
    void handler(new Request(`http://${req.headers.host}${req.url}`)).then(
      async (response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers.entries())).end(Buffer.from(await response.arrayBuffer()));
      },
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    publicUrl: `http://127.0.0.1:${port}`,
    served,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export type WizardPrincipal =
  | { kind: "CLIENT_SECRET"; tenantId: string; clientId: string; clientSecret: string; expiresAt?: Date }
  | { kind: "CERTIFICATE"; tenantId: string; clientId: string; certificatePem: string; privateKeyPem: string }
  | { kind: "FEDERATED"; tenantId: string; clientId: string }
  | { kind: "MANAGED_IDENTITY"; clientId?: string };

/**
 * The wizard's service-principal steps without a browser: a draft, the method step's reserved
 * connection id, the details (secret or key sealed), the check; `save` saves it like the last step.
 */
export async function principalDraft(scope: Scope, input: WizardPrincipal & { name: string; organization: string; servicesUrl: string }) {
  const { id } = await createDraft(scope, "SERVICES");
  const connectionId = randomUUID();
  await updateDraft(scope, id, {
    authMethod: "SERVICE_PRINCIPAL",
    entraConnectionId: connectionId,
    name: input.name,
    serverUrl: new URL(input.servicesUrl).origin,
    pathPrefix: "",
    collection: input.organization,
    entraCredentialKind: input.kind,
    entraTenantId: input.kind === "MANAGED_IDENTITY" ? null : input.tenantId,
    entraClientId: input.clientId ?? null,
    entraCertificatePem: input.kind === "CERTIFICATE" ? input.certificatePem : null,
    tokenExpiresAt: input.kind === "CLIENT_SECRET" ? (input.expiresAt ?? new Date(Date.now() + 90 * 86_400_000)) : null,
  });
  if (input.kind === "CLIENT_SECRET") {
    await setDraftEntraSecret(scope, id, input.clientSecret);
  } else if (input.kind === "CERTIFICATE") {
    await setDraftEntraSecret(scope, id, input.privateKeyPem);
  }
  const load = async () => {
    const draft = await getDraft(scope, id);
    if (!draft) {
      throw new Error("draft vanished");
    }
    return draft;
  };
  return {
    draftId: id,
    connectionId,
    check: async (): Promise<CheckSummary> => checkServicePrincipalDraft(scope, await load()),
    save: async (): Promise<string> => {
      const draft = await load();
      return saveServicePrincipalDraft(scope, { ...draft, name: draft.name ?? input.name });
    },
  };
}
