import type { DeploymentInfo, EmulatorControl } from "./control.js";
import { getFixture } from "./fixtures/index.js";
import type { HookPolicy } from "./hooks.js";
import type { Fixture } from "./model.js";
import { Emulator } from "./server.js";

export type {
  CreatePullRequestControlInput,
  CredentialsSummary,
  DeploymentInfo,
  EmulatorControl,
  PostedStatus,
  PullRequestSnapshot,
  PushInput,
  PushResult,
  RepositoryInput,
  StateSummary,
  UpdatePullRequestControlInput,
} from "./control.js";
export type { DeliveryFilter, DeliveryRecord, HookPolicy, NotificationFilter, NotificationRecord, NotificationSummary } from "./hooks.js";
export { MICROSOFT_HOOK_POLICY } from "./hooks.js";
export type { EntraControl, EntraSummary, EntraAppSummary, ManagedIdentitySummary, PrincipalSummary, RegisterEntraAppInput } from "./control-entra.js";
export { AADSTS, aadstsMessage, type AadstsCode } from "./aadsts.js";
export type { FaultRecord } from "./faults.js";
export type { RequestLogEntry } from "./request-log.js";
export type * from "./model.js";
export * from "./fixtures/index.js";

export type StartEmulatorOptions = {
  /** A named fixture (`default`, `demo`, `large-1k`, `large-10k`, `large-50k`) or a fixture object. */
  fixture?: string | Fixture;
  /** 0 (default) = a free port per listener; N = N, N+1, N+2… in deployment order (Services first). */
  basePort?: number;
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Host name for URLs that do not follow the request (hook payloads, default Server public URLs). */
  publicHost?: string;
  /** Extra redirect URIs registered for every OAuth app (Keel's callback URL in tests); legacy apps refuse http ones. */
  oauthRedirectUris?: readonly string[];
  /** CA certificates (PEM) to trust when fetching a federated credential issuer's OpenID configuration and keys. */
  trustedCaPems?: readonly string[];
  /** Serve the Services listener (and so Entra and the instance metadata endpoint) over HTTPS; MSAL refuses an http authority. */
  servicesTls?: boolean;
  /**
   * Service-hook retries: waits before resending a transient failure, waits between retries
   * on probation (their counts are the limits), request timeout. Default: Microsoft's
   * documented schedule (1 s … 60 s; 20 min … 15 h). Tests pass milliseconds.
   */
  hookPolicy?: Partial<HookPolicy>;
};

export type EmulatorHandle = {
  fixture: Fixture;
  /** Every listener, Services first. */
  deployments: DeploymentInfo[];
  /** Deployment name → URL (origin + path prefix), e.g. `services` → `http://127.0.0.1:41234`. */
  urls: Record<string, string>;
  /** The Services listener URL (also the vssps and login.microsoftonline.com roles), if any. */
  servicesUrl?: string;
  /** PEM of the emulator's CA; trust it to reach `tls: true` deployments. */
  caCertPem: string;
  /** Same operations as the HTTP control API under `/_emulator/…`. */
  control: EmulatorControl;
  /** Deployment by name; throws when unknown. */
  deployment(name: string): DeploymentInfo;
  /** Back to the fixture's initial state (faults, clock, tokens, request log cleared). */
  reset(): void;
  /** Stops every listener; held requests are dropped. */
  stop(): Promise<void>;
};

/** Starts the Azure DevOps emulator and resolves when every listener is up. */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<EmulatorHandle> {
  const fixture = typeof options.fixture === "object" ? options.fixture : getFixture(options.fixture ?? "default");
  const emulator = await Emulator.start({
    fixture,
    basePort: options.basePort ?? 0,
    host: options.host,
    publicHost: options.publicHost,
    oauthRedirectUris: options.oauthRedirectUris,
    trustedCaPems: options.trustedCaPems,
    servicesTls: options.servicesTls,
    hookPolicy: options.hookPolicy,
  });
  const deployments = emulator.deploymentInfo();
  const urls = Object.fromEntries(deployments.map((deployment) => [deployment.name, deployment.url]));
  return {
    fixture,
    deployments,
    urls,
    servicesUrl: deployments.find((deployment) => deployment.kind === "services")?.url,
    caCertPem: emulator.caCertPem,
    control: emulator.control,
    deployment: (name) => {
      const found = deployments.find((deployment) => deployment.name === name);
      if (!found) {
        throw new Error(`No deployment named '${name}' in fixture '${fixture.name}'.`);
      }
      return found;
    },
    reset: () => emulator.reset(),
    stop: () => emulator.stop(),
  };
}
