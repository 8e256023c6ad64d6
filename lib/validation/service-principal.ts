import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from "node:crypto";
import { z } from "zod";
import { collectionField, connectionNameField } from "./connections";
import { calendarDate } from "./form";

// The service-principal form of the connect wizard (and the credential replacement on a saved
// connection): tenant id, client id and one credential. Every field is checked on the server and
// every failure names the field and the fix; secrets and keys are never echoed back.

export const ENTRA_CREDENTIAL_KINDS = ["CLIENT_SECRET", "CERTIFICATE", "FEDERATED", "MANAGED_IDENTITY"] as const;
export type EntraCredentialKindInput = (typeof ENTRA_CREDENTIAL_KINDS)[number];

export const servicePrincipalFields = ["name", "organization", "credentialKind", "tenantId", "clientId", "clientSecret", "secretExpiresAt", "certificatePem", "privateKeyPem"] as const;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{3,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;
const TENANT_ALIASES = new Set(["common", "organizations", "consumers"]);
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const MAX_PEM = 16 * 1024;

const optionalText = z
  .string()
  .optional()
  .transform((value) => value?.trim() ?? "");

/** The Directory (tenant) id: a GUID or a verified domain (contoso.onmicrosoft.com). */
const tenantField = optionalText.pipe(
  z
    .string()
    .max(253, "Directory (tenant) ID must be at most 253 characters")
    .refine((value) => value === "" || GUID.test(value) || DOMAIN.test(value) || TENANT_ALIASES.has(value.toLowerCase()), {
      message: "Directory (tenant) ID is a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47 (or a domain like contoso.onmicrosoft.com): copy it from the app's Overview page",
    }),
);

/** The Application (client) id: a GUID. */
const clientIdField = optionalText.pipe(
  z.string().refine((value) => value === "" || GUID.test(value), { message: "Application (client) ID is a GUID like 2c5a8f3e-0d4b-4e69-a7f2-3a9b1d0e8f54: copy it from the app's Overview page" }),
);

/** A client secret's Value (never its Secret ID). */
const clientSecretField = optionalText.pipe(
  z
    .string()
    .max(1_024, "Client secret must be at most 1024 characters")
    .refine((value) => !/\s/.test(value), "Client secret must not contain spaces or line breaks: paste only the secret's Value")
    // The Secret ID beside the Value in the portal is a GUID; the Value never is.
    .refine((value) => !GUID.test(value), "This is the Secret ID: paste the secret's Value instead (shown once, right after the secret was created)"),
);

/** The secret's expiry date as the portal shows it (yyyy-mm-dd). */
const secretExpiryField = optionalText.transform((value, ctx) => {
  if (!value) {
    return null;
  }
  const day = calendarDate(value);
  if (!day) {
    ctx.addIssue({ code: "custom", message: "Secret expiry date must be a real date like 2027-03-31" });
    return z.NEVER;
  }
  const date = new Date(day.getTime() + 86_399_000);
  if (date.getTime() < Date.now()) {
    ctx.addIssue({ code: "custom", message: "This date is in the past: the secret has expired. Create a new client secret." });
    return z.NEVER;
  }
  if (date.getTime() > Date.now() + 10 * 366 * 24 * 3600 * 1000) {
    ctx.addIssue({ code: "custom", message: "Check the date: it is more than ten years away" });
    return z.NEVER;
  }
  return date;
});

const pemField = (label: string) => optionalText.pipe(z.string().max(MAX_PEM, `${label} must be at most 16 KB`));

/** A checked certificate with its private key, or the message that names the problem and the field. */
export function checkCertificatePair(
  certificatePem: string,
  privateKeyPem: string,
  now: Date = new Date(),
): { ok: true; certificatePem: string; privateKeyPem: string; expiresAt: Date } | { ok: false; field: "certificatePem" | "privateKeyPem"; message: string } {
  const blocks = certificatePem.match(PEM_CERTIFICATE);
  if (!blocks || blocks.length === 0) {
    return { ok: false, field: "certificatePem", message: "This is not a PEM certificate: it must contain -----BEGIN CERTIFICATE-----. Paste the .crt/.pem file (the public part)." };
  }
  if (blocks.length > 1) {
    return { ok: false, field: "certificatePem", message: "Paste one certificate: the one uploaded to the app registration (without its chain)" };
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(blocks[0]!);
  } catch {
    return { ok: false, field: "certificatePem", message: "This certificate cannot be read. Export it as Base-64 (PEM)." };
  }
  if (new Date(certificate.validTo).getTime() < now.getTime()) {
    return { ok: false, field: "certificatePem", message: `This certificate expired on ${certificate.validTo}. Create a new one.` };
  }
  if (certificate.publicKey.asymmetricKeyType !== "rsa") {
    return { ok: false, field: "certificatePem", message: "Microsoft Entra ID needs a certificate with an RSA key." };
  }
  if (/ENCRYPTED PRIVATE KEY|Proc-Type: 4,ENCRYPTED/.test(privateKeyPem)) {
    return { ok: false, field: "privateKeyPem", message: "This private key is protected by a passphrase: export it without one (openssl pkey -in key.pem -out plain.pem)" };
  }
  if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(privateKeyPem)) {
    return { ok: false, field: "privateKeyPem", message: "This is not a PEM private key: it must contain -----BEGIN PRIVATE KEY----- (the .key file created with the certificate)." };
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch {
    return { ok: false, field: "privateKeyPem", message: "This private key cannot be read. Paste the whole PEM file." };
  }
  const matches = createPublicKey(key).export({ type: "spki", format: "der" }).equals(certificate.publicKey.export({ type: "spki", format: "der" }));
  if (!matches) {
    return { ok: false, field: "privateKeyPem", message: "This private key does not belong to the certificate: paste the key that was created together with it." };
  }
  // Normalized: the key as PKCS#8 (what is sealed), the certificate as one PEM block.
  return { ok: true, certificatePem: `${blocks[0]!}\n`, privateKeyPem: key.export({ type: "pkcs8", format: "pem" }).toString(), expiresAt: new Date(certificate.validTo) };
}

export type ServicePrincipalFormOptions = {
  /** The draft already holds a secret (client secret or private key): an empty field keeps it. */
  hasStoredSecret: boolean;
  /** The draft already holds a certificate. */
  hasStoredCertificate: boolean;
  /** The operator allows managed identity (KEEL_MANAGED_IDENTITY). */
  managedIdentityEnabled: boolean;
};

/** The wizard's service-principal form; the credential fields a kind needs are required for it. */
export function servicePrincipalSchema(options: ServicePrincipalFormOptions) {
  return z
    .object({
      name: connectionNameField,
      organization: collectionField("Organization"),
      credentialKind: z.enum(ENTRA_CREDENTIAL_KINDS, { error: "Choose how the service principal proves who it is" }),
      tenantId: tenantField,
      clientId: clientIdField,
      clientSecret: clientSecretField,
      secretExpiresAt: secretExpiryField,
      certificatePem: pemField("Certificate"),
      privateKeyPem: pemField("Private key"),
    })
    .transform((input, ctx) => {
      const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
      const managed = input.credentialKind === "MANAGED_IDENTITY";
      if (managed && !options.managedIdentityEnabled) {
        issue("credentialKind", "Managed identity is turned off for this Keel: whoever runs Keel can allow it (KEEL_MANAGED_IDENTITY=true)");
      }
      if (!managed && input.tenantId === "") {
        issue("tenantId", "Directory (tenant) ID is required");
      }
      if (!managed && input.clientId === "") {
        issue("clientId", "Application (client) ID is required");
      }
      let certificate: { certificatePem: string; privateKeyPem: string; expiresAt: Date } | null = null;
      if (input.credentialKind === "CLIENT_SECRET") {
        if (input.clientSecret === "" && !options.hasStoredSecret) {
          issue("clientSecret", "Client secret is required");
        }
        if (input.clientSecret !== "" && input.secretExpiresAt === null) {
          issue("secretExpiresAt", "Enter the secret's expiry date (Certificates & secrets lists it): Keel reminds you before it expires");
        }
      }
      if (input.credentialKind === "CERTIFICATE") {
        const typed = input.certificatePem !== "" || input.privateKeyPem !== "";
        if (typed || !(options.hasStoredCertificate && options.hasStoredSecret)) {
          if (input.certificatePem === "") {
            issue("certificatePem", "Certificate is required");
          }
          if (input.privateKeyPem === "") {
            issue("privateKeyPem", "Private key is required");
          }
          if (input.certificatePem !== "" && input.privateKeyPem !== "") {
            const checked = checkCertificatePair(input.certificatePem, input.privateKeyPem);
            if (!checked.ok) {
              issue(checked.field, checked.message);
            } else {
              certificate = checked;
            }
          }
        }
      }
      return {
        name: input.name,
        organization: input.organization,
        credentialKind: input.credentialKind,
        tenantId: managed ? null : input.tenantId,
        clientId: input.clientId === "" ? null : input.clientId,
        clientSecret: input.credentialKind === "CLIENT_SECRET" && input.clientSecret !== "" ? input.clientSecret : null,
        secretExpiresAt: input.credentialKind === "CLIENT_SECRET" ? input.secretExpiresAt : null,
        certificate,
      };
    });
}

export type ServicePrincipalInput = z.output<ReturnType<typeof servicePrincipalSchema>>;

export const replaceCredentialFields = ["clientSecret", "secretExpiresAt", "certificatePem", "privateKeyPem"] as const;

/** Replacing a saved connection's client secret or certificate (the same kind as it has). */
export function replaceCredentialSchema(kind: "CLIENT_SECRET" | "CERTIFICATE") {
  return z
    .object({ clientSecret: clientSecretField, secretExpiresAt: secretExpiryField, certificatePem: pemField("Certificate"), privateKeyPem: pemField("Private key") })
    .transform((input, ctx) => {
      const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
      if (kind === "CLIENT_SECRET") {
        if (input.clientSecret === "") {
          issue("clientSecret", "Client secret is required");
        }
        if (input.secretExpiresAt === null) {
          issue("secretExpiresAt", "Enter the secret's expiry date: Keel reminds you before it expires");
        }
        return { kind, clientSecret: input.clientSecret, expiresAt: input.secretExpiresAt, certificate: null };
      }
      if (input.certificatePem === "") {
        issue("certificatePem", "Certificate is required");
      }
      if (input.privateKeyPem === "") {
        issue("privateKeyPem", "Private key is required");
      }
      let certificate: { certificatePem: string; privateKeyPem: string; expiresAt: Date } | null = null;
      if (input.certificatePem !== "" && input.privateKeyPem !== "") {
        const checked = checkCertificatePair(input.certificatePem, input.privateKeyPem);
        if (checked.ok) {
          certificate = checked;
        } else {
          issue(checked.field, checked.message);
        }
      }
      return { kind, clientSecret: "", expiresAt: certificate?.expiresAt ?? null, certificate };
    });
}
