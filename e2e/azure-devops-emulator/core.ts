import type { Principal } from "./auth.js";
import type { FaultEngine } from "./faults.js";
import type { IssuerKeys } from "./federation.js";
import type { DeploymentRuntime, RequestContext } from "./http.js";
import type { HookDispatcher } from "./hooks.js";
import type { SigningKeys } from "./keys.js";
import type { RequestLog } from "./request-log.js";
import type { HostRecord, ProjectRecord, Store } from "./store.js";
import type { HostUrls } from "./urls.js";

/** What every handler can reach; `store` is replaced by reset(), so read it per request. */
export type EmulatorCore = {
  readonly store: Store;
  readonly log: RequestLog;
  readonly faults: FaultEngine;
  readonly hooks: HookDispatcher;
  readonly keys: SigningKeys;
  readonly deployments: readonly DeploymentRuntime[];
  readonly caCertPem: string;
  /** Signing keys of federated-credential issuers, fetched over HTTP(S) and cached. */
  readonly issuerKeys: IssuerKeys;
  /** The Services deployment, when the fixture has one. */
  servicesDeployment(): DeploymentRuntime | undefined;
};

/** Per-request context of an organization/collection-scoped REST call. */
export type ApiContext = {
  core: EmulatorCore;
  ctx: RequestContext;
  host: HostRecord;
  urls: HostUrls;
  principal: Principal;
  /** The api-version to echo in Content-Type. */
  apiVersion: string;
  project?: ProjectRecord;
};

/** Per-request context of a Services-root (vssps role) call. */
export type RootApiContext = {
  core: EmulatorCore;
  ctx: RequestContext;
  urls: HostUrls;
  principal: Principal;
  apiVersion: string;
};
