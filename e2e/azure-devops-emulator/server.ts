import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { Clock } from "./clock.js";
import {
  createControl,
  describeDeployment,
  handleControlRequest,
  type DeploymentInfo,
  type EmulatorControl,
} from "./control.js";
import type { EmulatorCore } from "./core.js";
import { notFoundError, ServiceError, wrapped } from "./errors.js";
import { FaultEngine } from "./faults.js";
import { IssuerKeys } from "./federation.js";
import { disposeGit } from "./git-backend.js";
import { HookDispatcher, MICROSOFT_HOOK_POLICY, type HookPolicy } from "./hooks.js";
import { sendJson, sendServiceError, sendWrapped, splitPath, type DeploymentRuntime, type RequestContext } from "./http.js";
import { guidFrom } from "./ids.js";
import { createSigningKeys, type SigningKeys } from "./keys.js";
import type { Fixture } from "./model.js";
import { entraAuthorize, entraDiscovery, entraKeys, entraToken } from "./oauth-entra.js";
import { imdsToken } from "./imds.js";
import { legacyAuthorize, legacyToken } from "./oauth-legacy.js";
import { maskHeaders, maskJson, maskQuery, RequestLog } from "./request-log.js";
import { handleHostRequest, handleRootRequest, requestedApiVersion } from "./rest.js";
import { Store } from "./store.js";
import { createTlsMaterial, type TlsMaterial } from "./tls.js";
import { legacyUrls, serverUrls, servicesUrls } from "./urls.js";

export type ServerOptions = {
  fixture: Fixture;
  /** 0 = a free port per listener; N = N, N+1, … in deployment order (Services first). */
  basePort?: number;
  host?: string;
  /** Host name written into URLs that do not follow the request (default: `host`). */
  publicHost?: string;
  /** Extra redirect URIs registered on every OAuth app (legacy apps refuse http ones). */
  oauthRedirectUris?: readonly string[];
  /** CA certificates (PEM) trusted, besides the system's, when fetching federated-credential issuers' keys. */
  trustedCaPems?: readonly string[];
  /** Serve the Services listener over HTTPS whatever the fixture says (MSAL requires an https authority). */
  servicesTls?: boolean;
  /** Service-hook retry/probation schedule (default: Microsoft's documented one). */
  hookPolicy?: Partial<HookPolicy>;
};

/** Largest request body the emulator reads (bigger bodies get 413). */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** `{org}.visualstudio.<anything>`: the legacy Services host form. */
const LEGACY_HOST = /^([a-z0-9][a-z0-9-]*)\.visualstudio\.[^:]+$/i;

/** Reads the whole request body (bounded). */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** The running emulator: listeners, state, faults, logs. */
export class Emulator implements EmulatorCore {
  readonly fixture: Fixture;
  readonly log = new RequestLog();
  readonly faults: FaultEngine;
  readonly hooks: HookDispatcher;
  readonly deployments: DeploymentRuntime[] = [];
  readonly control: EmulatorControl;
  readonly issuerKeys: IssuerKeys;
  private currentStore: Store;
  private readonly clock = new Clock();
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly redirectUris: readonly string[];
  private tls: TlsMaterial;
  private signing: SigningKeys;
  private stopped = false;

  private constructor(options: ServerOptions, tls: TlsMaterial, signing: SigningKeys) {
    this.fixture = options.fixture;
    this.redirectUris = options.oauthRedirectUris ?? [];
    this.tls = tls;
    this.signing = signing;
    this.currentStore = new Store(options.fixture, this.clock, this.redirectUris);
    this.issuerKeys = new IssuerKeys(options.trustedCaPems ?? []);
    this.faults = new FaultEngine(() => this.clock);
    // Hook consumers over HTTPS: the emulator's own CA and the CAs it was told to trust (a Keel
    // under test with a private CA, as an on-premises server trusting its machine's store).
    this.hooks = new HookDispatcher(() => [this.tls.caCertPem, ...(options.trustedCaPems ?? [])].join("\n"), { ...MICROSOFT_HOOK_POLICY, ...options.hookPolicy }, () => this.clock.nowIso());
    this.control = createControl(this);
    for (const spec of options.fixture.faults ?? []) {
      this.faults.add(spec);
    }
  }

  /** Starts every listener of the fixture. */
  static async start(options: ServerOptions): Promise<Emulator> {
    const host = options.host ?? "127.0.0.1";
    // A wildcard listen address is no place to send clients; URLs then name the loopback.
    const publicHost = options.publicHost ?? (host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host);
    const tls = createTlsMaterial(publicHost === host ? [] : [publicHost]);
    const emulator = new Emulator(options, tls, await createSigningKeys());
    const fixture = options.fixture;
    const plans: Array<Omit<DeploymentRuntime, "port">> = [];
    if (fixture.services) {
      plans.push({
        name: "services",
        kind: "services",
        product: "services",
        pathPrefix: "",
        tls: options.servicesTls ?? fixture.services.tls ?? false,
        host,
        publicHost,
        deploymentId: guidFrom(`${fixture.name}/deployment/services`),
      });
    }
    for (const server of fixture.servers ?? []) {
      const prefix = (server.pathPrefix ?? "").replace(/\/+$/, "");
      plans.push({
        name: server.name,
        kind: "server",
        product: server.product,
        pathPrefix: prefix.length === 0 || prefix.startsWith("/") ? prefix : `/${prefix}`,
        publicUrl: server.publicUrl,
        tls: server.tls ?? false,
        host,
        publicHost,
        deploymentId: guidFrom(`${fixture.name}/deployment/${server.name}`),
      });
    }
    try {
      for (const [index, plan] of plans.entries()) {
        const port = options.basePort === undefined || options.basePort === 0 ? 0 : options.basePort + index;
        const deployment: DeploymentRuntime = { ...plan, port };
        const server = deployment.tls
          ? createHttpsServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => emulator.dispatch(deployment, req, res))
          : createHttpServer((req, res) => emulator.dispatch(deployment, req, res));
        server.on("connection", (socket: Socket) => {
          emulator.sockets.add(socket);
          socket.on("close", () => emulator.sockets.delete(socket));
        });
        server.on("secureConnection", (socket: Socket) => {
          emulator.sockets.add(socket);
          socket.on("close", () => emulator.sockets.delete(socket));
        });
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen(port, host, () => {
            server.off("error", reject);
            resolve();
          });
        });
        deployment.port = (server.address() as AddressInfo).port;
        emulator.servers.push(server);
        emulator.deployments.push(deployment);
      }
    } catch (error) {
      await emulator.stop();
      throw error;
    }
    return emulator;
  }

  get store(): Store {
    return this.currentStore;
  }

  get keys(): SigningKeys {
    return this.signing;
  }

  get caCertPem(): string {
    return this.tls.caCertPem;
  }

  /** The Services deployment, if any. */
  servicesDeployment(): DeploymentRuntime | undefined {
    return this.deployments.find((deployment) => deployment.kind === "services");
  }

  /** Deployment descriptions for handles and the state summary. */
  deploymentInfo(): DeploymentInfo[] {
    return this.deployments.map((deployment) => describeDeployment(deployment, this.currentStore.hostsOf(deployment.name)));
  }

  /** Back to the fixture's initial state: data, tokens, clock, faults, logs. */
  reset(): void {
    this.faults.clear();
    this.clock.reset();
    disposeGit(this.currentStore);
    this.currentStore = new Store(this.fixture, this.clock, this.redirectUris);
    this.log.clear();
    this.hooks.clear();
    for (const spec of this.fixture.faults ?? []) {
      this.faults.add(spec);
    }
  }

  /** Stops every listener and drops open connections (held requests included). */
  async stop(): Promise<void> {
    if (this.stopped) {
      return;
    }
    this.stopped = true;
    this.faults.clear();
    this.hooks.clear();
    await Promise.all(
      this.servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
    for (const socket of this.sockets) {
      socket.destroy();
    }
    this.sockets.clear();
    disposeGit(this.currentStore);
  }

  /** Runs a request; a failure after the response is gone must not crash the process. */
  private dispatch(deployment: DeploymentRuntime, req: IncomingMessage, res: ServerResponse): void {
    this.onRequest(deployment, req, res).catch(() => {
      if (!res.headersSent) {
        res.destroy();
      }
    });
  }

  /** Entry point of every request on every listener. */
  private async onRequest(deployment: DeploymentRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const hostHeader = req.headers.host ?? `${deployment.host}:${deployment.port}`;
    const url = new URL(req.url ?? "/", "http://emulator.invalid");
    const log = this.log.start({
      deployment: deployment.name,
      method,
      path: url.pathname,
      query: maskQuery(url.searchParams),
      headers: maskHeaders(req.headers),
    });
    res.on("close", () => {
      if (log.status === undefined) {
        log.status = res.headersSent ? res.statusCode : 0;
      }
    });
    let body: Buffer | undefined;
    try {
      body = await readBody(req);
    } catch {
      return;
    }
    const segments = splitPath(url.pathname);
    const ctx: RequestContext = {
      deployment,
      req,
      res,
      method,
      url,
      segments: segments ?? [],
      body: body ?? Buffer.alloc(0),
      log,
      extraHeaders: {},
      scheme: deployment.tls ? "https" : "http",
      hostHeader,
    };
    log.apiVersion = requestedApiVersion(ctx);
    log.body = this.loggableBody(req, ctx.body);
    try {
      if (body === undefined) {
        sendJson(ctx, 413, { message: "Request body too large." });
        return;
      }
      if (segments === undefined) {
        sendWrapped(ctx, 400, wrapped("The request path is not valid.", "System.ArgumentException, mscorlib", "ArgumentException"));
        return;
      }
      if (segments[0] === "_emulator") {
        await handleControlRequest(this.control, ctx, segments.slice(1));
        return;
      }
      if (await this.faults.apply(ctx)) {
        return;
      }
      if (deployment.kind === "services") {
        await this.handleServices(ctx);
        return;
      }
      await this.handleServer(ctx);
    } catch (error) {
      if (error instanceof ServiceError) {
        sendServiceError(ctx, error);
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      sendWrapped(ctx, 500, wrapped(`Emulator error: ${message}`, "System.Exception, mscorlib", "Exception"));
    }
  }

  /** The request body as it goes into the log (form/JSON only, secrets masked). */
  private loggableBody(req: IncomingMessage, body: Buffer): unknown {
    if (body.length === 0 || body.length > 65_536) {
      return undefined;
    }
    const type = (req.headers["content-type"] ?? "").toLowerCase();
    if (type.includes("application/x-www-form-urlencoded")) {
      return maskQuery(new URLSearchParams(body.toString("utf8")));
    }
    if (type.includes("json")) {
      try {
        return maskJson(JSON.parse(body.toString("utf8")));
      } catch {
        return undefined;
      }
    }
    return undefined;
  }

  /** Services listener: legacy host form, OAuth/OIDC roles, the vssps root, `/{org}/…`. */
  private async handleServices(ctx: RequestContext): Promise<void> {
    const segments = ctx.segments;
    const hostName = ctx.hostHeader.replace(/:\d+$/, "");
    const legacy = LEGACY_HOST.exec(hostName);
    if (legacy) {
      const org = this.store.host("services", legacy[1] ?? "");
      if (!org) {
        throw notFoundError(`The organization '${legacy[1] ?? ""}' does not exist.`, "AccountNotFoundException");
      }
      // Old organizations still answer under /DefaultCollection.
      const rest = (segments[0] ?? "").toLowerCase() === "defaultcollection" ? segments.slice(1) : segments;
      await handleHostRequest(this, ctx, org, legacyUrls(ctx), rest);
      return;
    }
    const lower = segments.map((segment) => segment.toLowerCase());
    if (lower[0] === "oauth2" && lower.length === 2) {
      if (lower[1] === "authorize") {
        legacyAuthorize(this, ctx);
        return;
      }
      if (lower[1] === "token") {
        await legacyToken(this, ctx);
        return;
      }
    }
    if (lower.join("/") === "metadata/identity/oauth2/token") {
      // The Azure Instance Metadata Service's managed-identity endpoint (169.254.169.254).
      await imdsToken(this, ctx);
      return;
    }
    const tenant = segments[0] ?? "";
    const oidcPath = lower.slice(1).join("/");
    if (oidcPath === "oauth2/v2.0/authorize") {
      entraAuthorize(this, ctx, tenant);
      return;
    }
    if (oidcPath === "oauth2/v2.0/token") {
      await entraToken(this, ctx, tenant);
      return;
    }
    if (oidcPath === "v2.0/.well-known/openid-configuration") {
      entraDiscovery(this, ctx, tenant);
      return;
    }
    if (oidcPath === "discovery/v2.0/keys" || oidcPath === "discovery/keys") {
      entraKeys(this, ctx);
      return;
    }
    if (segments.length === 0 || lower[0] === "_apis") {
      await handleRootRequest(this, ctx, servicesUrls(ctx, undefined), segments);
      return;
    }
    const org = this.store.host("services", tenant);
    if (!org) {
      throw notFoundError(`The organization '${tenant}' does not exist.`, "AccountNotFoundException");
    }
    await handleHostRequest(this, ctx, org, servicesUrls(ctx, org), segments.slice(1));
  }

  /** Server listener: optional `/tfs` prefix, then `/{collection}/…`; URLs from the public URL. */
  private async handleServer(ctx: RequestContext): Promise<void> {
    const deployment = ctx.deployment;
    let segments = ctx.segments;
    if (deployment.pathPrefix.length > 0) {
      const prefix = deployment.pathPrefix.replace(/^\//, "").toLowerCase();
      if ((segments[0] ?? "").toLowerCase() !== prefix) {
        throw notFoundError(`Nothing is served outside ${deployment.pathPrefix}.`, "VssResourceNotFoundException");
      }
      segments = segments.slice(1);
    }
    const name = segments[0];
    const collection = name === undefined ? undefined : this.store.host(deployment.name, name);
    if (!collection) {
      throw notFoundError(
        `The project collection '${name ?? ""}' does not exist or you do not have access to it.`,
        "CollectionDoesNotExistException",
      );
    }
    await handleHostRequest(this, ctx, collection, serverUrls(deployment, collection), segments.slice(1));
  }
}
