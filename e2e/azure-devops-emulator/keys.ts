import { generateKeyPairSync, createHash, type KeyObject } from "node:crypto";
import { exportJWK, SignJWT, type JWK, type JWTPayload } from "jose";

/** The RSA key that signs ID tokens and JWT access tokens; published at the JWKS endpoint. */
export type SigningKeys = {
  kid: string;
  privateKey: KeyObject;
  publicJwk: JWK;
  /** Signs a JWT with RS256 and this key's `kid`. */
  sign(payload: JWTPayload): Promise<string>;
};

/** Generates a fresh RS256 signing key (node:crypto; fast enough for every start-up). */
export async function createSigningKeys(): Promise<SigningKeys> {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = await exportJWK(publicKey);
  const kid = createHash("sha256").update(jwk.n ?? "").digest("base64url").slice(0, 27);
  const publicJwk: JWK = { kty: "RSA", use: "sig", kid, x5t: kid, n: jwk.n, e: jwk.e, alg: "RS256" };
  return {
    kid,
    privateKey,
    publicJwk,
    sign: (payload) => new SignJWT(payload).setProtectedHeader({ alg: "RS256", typ: "JWT", kid }).sign(privateKey),
  };
}
