import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { rootCertificates } from "node:tls";
import type { JWK } from "jose";

/**
 * What Entra does with a federated credential's issuer: read `{issuer}/.well-known/openid-configuration`,
 * then its `jwks_uri`, over HTTP(S), to verify an external token's signature. The emulator does
 * the same against the real issuer (Keel's public URL in tests). Keys are cached per JWKS URL for
 * five minutes and fetched again when a token names a key id the cache lacks, so a rotation that
 * publishes the new key before using it never fails a token request.
 */

const FETCH_TIMEOUT_MS = 5_000;
const MAX_DOCUMENT_BYTES = 1_048_576;
const CACHE_MS = 5 * 60_000;

export class FederationError extends Error {}

type CachedKeys = { fetchedAt: number; keys: JWK[] };

/** Reads one JSON document (no redirects, bounded size and time). */
export function fetchJson(url: string, trustedCaPems: readonly string[]): Promise<unknown> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.reject(new FederationError(`'${url}' is not a URL.`));
  }
  if (target.protocol !== "https:" && target.protocol !== "http:") {
    return Promise.reject(new FederationError(`'${url}' is not an http(s) URL.`));
  }
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  const tlsOptions = target.protocol === "https:" && trustedCaPems.length > 0 ? { ca: [...rootCertificates, ...trustedCaPems] } : {};
  return new Promise((resolve, reject) => {
    const req = send(target, { method: "GET", headers: { Accept: "application/json" }, timeout: FETCH_TIMEOUT_MS, agent: false, ...tlsOptions }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_DOCUMENT_BYTES) {
          req.destroy(new FederationError(`${url} answered more than ${MAX_DOCUMENT_BYTES} bytes.`));
          return;
        }
        chunks.push(chunk);
      });
      res.on("end", () => {
        if ((res.statusCode ?? 0) !== 200) {
          reject(new FederationError(`${url} answered HTTP ${res.statusCode ?? 0}.`));
          return;
        }
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown);
        } catch {
          reject(new FederationError(`${url} did not answer JSON.`));
        }
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new FederationError(`${url} did not answer within ${FETCH_TIMEOUT_MS / 1000} s.`)));
    req.on("error", (error) => reject(error instanceof FederationError ? error : new FederationError(`${url}: ${error.message}`)));
    req.end();
  });
}

/** Reads and caches issuers' signing keys. */
export class IssuerKeys {
  private readonly cache = new Map<string, CachedKeys>();
  private readonly trustedCaPems: readonly string[];

  constructor(trustedCaPems: readonly string[]) {
    this.trustedCaPems = trustedCaPems;
  }

  /** The issuer's key for `kid` (any key when the token names none); throws FederationError. */
  async key(issuer: string, kid: string | undefined): Promise<JWK | undefined> {
    const jwksUri = await this.jwksUri(issuer);
    const cached = this.cache.get(jwksUri);
    const fresh = cached !== undefined && Date.now() - cached.fetchedAt < CACHE_MS;
    const fromCache = fresh ? pick(cached.keys, kid) : undefined;
    if (fromCache) {
      return fromCache;
    }
    const keys = await this.fetchKeys(jwksUri);
    this.cache.set(jwksUri, { fetchedAt: Date.now(), keys });
    return pick(keys, kid);
  }

  /** `jwks_uri` of the issuer's OpenID configuration, whose `issuer` must be the issuer itself. */
  private async jwksUri(issuer: string): Promise<string> {
    const discovery = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
    const document = await fetchJson(discovery, this.trustedCaPems);
    if (typeof document !== "object" || document === null) {
      throw new FederationError(`${discovery} is not an OpenID configuration.`);
    }
    const { issuer: declared, jwks_uri: jwksUri } = document as { issuer?: unknown; jwks_uri?: unknown };
    if (declared !== issuer) {
      throw new FederationError(`${discovery} declares the issuer '${String(declared)}', not '${issuer}'.`);
    }
    if (typeof jwksUri !== "string") {
      throw new FederationError(`${discovery} has no jwks_uri.`);
    }
    return jwksUri;
  }

  private async fetchKeys(jwksUri: string): Promise<JWK[]> {
    const document = await fetchJson(jwksUri, this.trustedCaPems);
    const keys = (document as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys)) {
      throw new FederationError(`${jwksUri} is not a JWKS.`);
    }
    return keys.filter((key): key is JWK => typeof key === "object" && key !== null);
  }
}

function pick(keys: readonly JWK[], kid: string | undefined): JWK | undefined {
  if (kid === undefined) {
    return keys.length === 1 ? keys[0] : undefined;
  }
  return keys.find((key) => key.kid === kid);
}
