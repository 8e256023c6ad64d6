// Keel runs behind HTTPS in the browser tests (Azure DevOps OAuth apps accept only https
// callbacks, and next-auth's secure cookies and Origin checks should be the production ones).
// The harness makes its own CA and a certificate for localhost once per run; the browser
// ignores certificate errors, the emulator is told to trust the CA (federated credentials
// fetch Keel's OpenID configuration), Node code can pass the CA file.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createTlsMaterial } from "@/e2e/azure-devops-emulator/tls";
import { e2eDataDir } from "./keel-env";

export type KeelTls = { caPath: string; certPath: string; keyPath: string };

/** The harness's TLS files under the e2e data directory, created when missing. */
export function keelTls(): KeelTls {
  const dir = path.join(e2eDataDir(), "tls");
  const files: KeelTls = { caPath: path.join(dir, "ca.pem"), certPath: path.join(dir, "keel.pem"), keyPath: path.join(dir, "keel-key.pem") };
  if (!existsSync(files.caPath) || !existsSync(files.certPath) || !existsSync(files.keyPath)) {
    mkdirSync(dir, { recursive: true });
    const material = createTlsMaterial();
    // Key and certificate first: the CA file's presence is what marks the set complete.
    writeFileSync(files.keyPath, material.keyPem, { mode: 0o600 });
    writeFileSync(files.certPath, material.certPem);
    writeFileSync(files.caPath, material.caCertPem);
  }
  return files;
}

/** The CA certificate (PEM) Keel's certificate chains to. */
export function keelCaPem(): string {
  return readFileSync(keelTls().caPath, "utf8");
}
