import type { ReactNode } from "react";
import { EntraSetupGuide } from "@/components/connect/entra-setup-guide";
import { Card } from "@/components/ui/card";
import { TOKEN_EXCHANGE_AUDIENCE, type EntraCredentialKindName } from "@/lib/shared/entra-setup";
import { formatDay } from "@/lib/shared/dates";

export type ServicePrincipalDetails = {
  kind: EntraCredentialKindName;
  tenantId: string | null;
  clientId: string | null;
  objectId: string | null;
  certificateThumbprint: string | null;
  federatedSubject: string | null;
  /** The connection's credential expiry (client secret or certificate). */
  expiresAt: Date | null;
  secretLastFour: string | null;
  hasClientSecret: boolean;
};

const KIND_LABEL: Record<EntraCredentialKindName, string> = {
  CLIENT_SECRET: "Client secret",
  CERTIFICATE: "Certificate",
  FEDERATED: "Federated credential (no secret stored)",
  MANAGED_IDENTITY: "Managed identity of Keel's Azure machine",
};

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt className="text-slate-500">{label}</dt>
      <dd className="break-all text-slate-900">{children}</dd>
    </div>
  );
}

/** A service-principal connection's Entra side: which principal, its credential, and how to set it up. */
export function ServicePrincipalCard({ details, organization, connectionName, issuer, replace }: { details: ServicePrincipalDetails; organization: string; connectionName: string; issuer: string; replace?: ReactNode }) {
  const date = (value: Date | null) => (value ? formatDay(value) : "—");
  const managed = details.kind === "MANAGED_IDENTITY";
  return (
    <Card title="Service principal" description="The Microsoft Entra identity this connection signs in as. It belongs to no person: it keeps working when people leave." className="mt-6">
      <dl className="grid grid-cols-1 gap-3 text-sm sm:grid-cols-2">
        <Row label="Credential">{KIND_LABEL[details.kind]}</Row>
        {managed ? (
          <Row label="Identity">{details.clientId ? `User-assigned, client ID ${details.clientId}` : "System-assigned"}</Row>
        ) : (
          <>
            <Row label="Directory (tenant) ID">
              <span className="break-all font-mono text-xs">{details.tenantId ?? "—"}</span>
            </Row>
            <Row label="Application (client) ID">
              <span className="break-all font-mono text-xs">{details.clientId ?? "—"}</span>
            </Row>
          </>
        )}
        {details.objectId ? (
          <Row label="Object ID (as Entra reports it)">
            <span className="break-all font-mono text-xs">{details.objectId}</span>
          </Row>
        ) : null}
        {details.kind === "CLIENT_SECRET" ? (
          <Row label="Client secret">
            {details.hasClientSecret ? `Stored${details.secretLastFour ? ` (ends in …${details.secretLastFour})` : ""}, expires ${date(details.expiresAt)}` : "No secret stored"}
          </Row>
        ) : null}
        {details.kind === "CERTIFICATE" ? (
          <Row label="Certificate">
            <span className="break-all font-mono text-xs">SHA-256 {details.certificateThumbprint ?? "—"}</span>
            <span className="block">Expires {date(details.expiresAt)}</span>
          </Row>
        ) : null}
        {details.kind === "FEDERATED" ? (
          <>
            <Row label="Issuer">
              <span className="break-all font-mono text-xs">{issuer}</span>
            </Row>
            <Row label="Subject identifier">
              <span className="break-all font-mono text-xs">{details.federatedSubject ?? "—"}</span>
            </Row>
            <Row label="Audience">
              <span className="break-all font-mono text-xs">{TOKEN_EXCHANGE_AUDIENCE}</span>
            </Row>
          </>
        ) : null}
      </dl>
      {replace ? <div className="mt-4 border-t border-slate-100 pt-4">{replace}</div> : null}
      <details className="mt-4">
        <summary className="cursor-pointer text-sm font-medium text-brand-700">Setup steps for this connection</summary>
        <div className="mt-3">
          <EntraSetupGuide
            headingLevel={3}
            input={{
              kind: details.kind,
              connectionName,
              organization,
              ...(details.tenantId ? { tenantId: details.tenantId } : {}),
              ...(details.clientId ? { clientId: details.clientId } : {}),
              ...(details.objectId ? { objectId: details.objectId } : {}),
              issuer,
              ...(details.federatedSubject ? { subject: details.federatedSubject } : {}),
            }}
          />
        </div>
      </details>
    </Card>
  );
}
