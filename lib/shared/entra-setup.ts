/**
 * What an admin runs (Azure CLI) or clicks (Entra admin center, Azure DevOps) to set up a
 * service-principal connection, filled in with this connection's values: the app registration,
 * its credential (client secret, certificate, federated credential) or the managed identity, and
 * the principal's place in the Azure DevOps organization. Pure text builders, shared by the
 * wizard (a client component that updates as the admin types), the connection page and the
 * doctor's findings. Facts behind the commands: docs/azure-devops-facts.md §3.7.
 */

export type EntraCredentialKindName = "CLIENT_SECRET" | "CERTIFICATE" | "FEDERATED" | "MANAGED_IDENTITY";

/** The Azure DevOps resource (application) id in Entra. */
export const AZURE_DEVOPS_APP_ID = "499b84ac-1321-427f-aa17-267ca6975798";
/** The audience Entra expects on a federated credential's token (its default, Microsoft's only recommended value). */
export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";
/** The tenant id of personal Microsoft accounts (outlook.com, live.com): it holds no app registrations. */
export const PERSONAL_ACCOUNTS_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a GUID (tenant, client and object ids are GUIDs). */
export function isGuid(value: string): boolean {
  return GUID.test(value.trim());
}

/** The federated credential's subject for a connection: stable, and names the connection. */
export function federatedSubjectFor(connectionId: string): string {
  return `keel:connection:${connectionId.toLowerCase()}`;
}

export type EntraSetupInput = {
  kind: EntraCredentialKindName;
  connectionName: string;
  organization: string;
  tenantId?: string;
  clientId?: string;
  /** FEDERATED: Keel's issuer URL and this connection's subject. */
  issuer?: string;
  subject?: string;
  /** The service principal's object id, once Keel saw it in a token. */
  objectId?: string;
  /** Today (yyyy-mm-dd), to say when a new secret or certificate expires. */
  today?: string;
};

export type EntraSetupStep = {
  id: "register" | "credential" | "identity" | "organization" | "projects";
  title: string;
  /** Azure CLI (bash), with this connection's values. */
  commands?: string;
  /** The same in the Entra admin center / Azure DevOps, click by click. */
  portal: string[];
};

/** A short name safe in file names, credential names and shell words: `fabrikam-mobile`. */
export function setupSlug(text: string): string {
  const slug = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return slug || "connection";
}

/** A value for a double-quoted bash word (backslash, quote, dollar and backtick escaped). */
function quoted(value: string): string {
  return `"${value.replace(/[\\"$`]/g, (character) => `\\${character}`)}"`;
}

/** JSON inside single quotes for bash: a single quote in the JSON cannot appear unescaped. */
function singleQuotedJson(value: unknown): string {
  return `'${JSON.stringify(value).replace(/'/g, "'\\''")}'`;
}

function orPlaceholder(value: string | undefined, placeholder: string): string {
  const trimmed = value?.trim();
  return trimmed ? trimmed : placeholder;
}

function addYears(today: string | undefined, years: number): string {
  const base = today && /^\d{4}-\d{2}-\d{2}$/.test(today) ? new Date(`${today}T00:00:00Z`) : new Date();
  base.setUTCFullYear(base.getUTCFullYear() + years);
  return base.toISOString().slice(0, 10);
}

/** Every step to set up this connection's principal, in order. */
export function entraSetupSteps(input: EntraSetupInput): EntraSetupStep[] {
  const organization = orPlaceholder(input.organization, "<organization>");
  const name = input.connectionName.trim() || organization;
  const slug = setupSlug(name);
  const tenant = orPlaceholder(input.tenantId, "<tenant-id>");
  const steps: EntraSetupStep[] = [];
  const managed = input.kind === "MANAGED_IDENTITY";

  if (managed) {
    const user = input.clientId?.trim();
    steps.push({
      id: "identity",
      title: user ? "Find the user-assigned managed identity" : "Turn on the machine's system-assigned managed identity",
      commands: user
        ? `PRINCIPAL_ID=$(az identity list --query ${quoted(`[?clientId=='${user}'].principalId | [0]`)} -o tsv)\necho "$PRINCIPAL_ID"   # its object id`
        : `# The Azure VM (or scale set) Keel runs on:\naz vm identity assign --resource-group <resource-group> --name <vm-name>\nPRINCIPAL_ID=$(az vm identity show --resource-group <resource-group> --name <vm-name> --query principalId -o tsv)`,
      portal: user
        ? ["Azure portal → the virtual machine Keel runs on → Security → Identity → User assigned: make sure this identity is assigned to the machine.", "Managed Identities → the identity: note its Object (principal) ID."]
        : ["Azure portal → the virtual machine Keel runs on → Security → Identity → System assigned: Status On → Save.", "Note the Object (principal) ID it shows."],
    });
  } else {
    const knownClient = input.clientId?.trim();
    steps.push({
      id: "register",
      title: knownClient ? "Use the app registration" : "Register an application in Microsoft Entra ID",
      commands: knownClient
        ? `az login --tenant ${quoted(tenant)}\nAPP_ID=${quoted(knownClient)}\naz ad sp show --id "$APP_ID" --query id -o tsv || az ad sp create --id "$APP_ID"`
        : `az login --tenant ${quoted(tenant)}\nAPP_ID=$(az ad app create --display-name ${quoted(`Keel ${name}`)} --sign-in-audience AzureADMyOrg --query appId -o tsv)\naz ad sp create --id "$APP_ID"\necho "Application (client) ID: $APP_ID"`,
      portal: [
        "Microsoft Entra admin center → Identity → Applications → App registrations → New registration.",
        `Name: Keel ${name}. Supported account types: Accounts in this organizational directory only (single tenant). No redirect URI. Register.`,
        "Copy the Application (client) ID and the Directory (tenant) ID from the Overview page into Keel.",
      ],
    });
    if (input.kind === "CLIENT_SECRET") {
      steps.push({
        id: "credential",
        title: "Create a client secret",
        commands: `az ad app credential reset --id "$APP_ID" --append --display-name ${quoted(`keel-${slug}`)} --years 1 --query password -o tsv\n# Paste the printed value into Keel; it expires on ${addYears(input.today, 1)}.`,
        portal: [
          "App registration → Certificates & secrets → Client secrets → New client secret.",
          `Description: keel-${slug}. Expires: the longest your policy allows. Add.`,
          "Copy the Value (not the Secret ID) at once — it is shown only now — into Keel, with its expiry date.",
        ],
      });
    } else if (input.kind === "CERTIFICATE") {
      steps.push({
        id: "credential",
        title: "Create a certificate and upload its public part",
        commands: `openssl req -x509 -newkey rsa:2048 -sha256 -days 365 -nodes -subj ${quoted(`/CN=keel-${slug}`)} -keyout keel-${slug}.key -out keel-${slug}.crt\naz ad app credential reset --id "$APP_ID" --append --cert @keel-${slug}.crt\n# Paste keel-${slug}.crt and keel-${slug}.key into Keel; the certificate expires on ${addYears(input.today, 1)}.`,
        portal: [
          "Create a certificate with its private key (for example with the openssl command shown), or use one from your PKI. Keel needs an RSA key.",
          "App registration → Certificates & secrets → Certificates → Upload certificate: the .crt (public part only).",
          "Paste the certificate and its private key (PEM) into Keel. Keel keeps the key sealed and signs with it.",
        ],
      });
    } else {
      const credential = { name: `keel-${slug}`, issuer: orPlaceholder(input.issuer, "<keel-issuer>"), subject: orPlaceholder(input.subject, "<subject>"), audiences: [TOKEN_EXCHANGE_AUDIENCE], description: `Keel connection ${name}` };
      steps.push({
        id: "credential",
        title: "Add a federated credential that trusts Keel",
        commands: `az ad app federated-credential create --id "$APP_ID" --parameters ${singleQuotedJson(credential)}`,
        portal: [
          "App registration → Certificates & secrets → Federated credentials → Add credential.",
          "Federated credential scenario: Other issuer.",
          `Issuer: ${credential.issuer}`,
          `Type: Explicit subject identifier. Value: ${credential.subject}`,
          `Name: ${credential.name}. Audience: ${TOKEN_EXCHANGE_AUDIENCE} (the default). Add.`,
          "No secret is created: Keel proves the app's identity with a short-lived token it signs itself.",
        ],
      });
    }
  }

  const principal = managed ? "$PRINCIPAL_ID" : "$SP_ID";
  const knownObject = input.objectId?.trim();
  const lookup = managed ? "" : knownObject ? `SP_ID=${quoted(knownObject)}\n` : `SP_ID=$(az ad sp show --id "$APP_ID" --query id -o tsv)\n`;
  const entitlement = `{\\"accessLevel\\":{\\"accountLicenseType\\":\\"express\\"},\\"servicePrincipal\\":{\\"origin\\":\\"aad\\",\\"originId\\":\\"${principal}\\",\\"subjectKind\\":\\"servicePrincipal\\"}}`;
  steps.push({
    id: "organization",
    title: `Add the ${managed ? "managed identity" : "service principal"} to the organization ${organization}`,
    commands: `${lookup}az rest --method post \\\n  --url ${quoted(`https://vsaex.dev.azure.com/${organization}/_apis/serviceprincipalentitlements?api-version=7.1-preview.1`)} \\\n  --resource ${AZURE_DEVOPS_APP_ID} \\\n  --body "${entitlement}"`,
    portal: [
      `Azure DevOps → ${organization} → Organization settings → Users → Add users.`,
      `Search for the ${managed ? "managed identity" : "app"} by its name${managed ? "" : ` (Keel ${name})`} and choose it. Access level: Basic.`,
      "Add it to the projects whose repositories Keel should build (next step), then Add.",
    ],
  });
  steps.push({
    id: "projects",
    title: "Give it access to the projects Keel builds",
    portal: [
      `Azure DevOps → ${organization} → the project → Project settings → Permissions → Contributors → Members → Add.`,
      `Choose the ${managed ? "managed identity" : "app"}${managed ? "" : ` Keel ${name}`}. Contributors may read code and post build statuses; repeat for every project Keel should see.`,
      "Keel lists only the projects the principal was given: a project it may not see does not exist for it.",
    ],
  });
  return steps;
}

/** All steps as one script (comments for the portal-only steps), for copying. */
export function entraSetupScript(input: EntraSetupInput): string {
  return entraSetupSteps(input)
    .map((step, index) => `# ${index + 1}. ${step.title}\n${step.commands ?? step.portal.map((line) => `#    ${line}`).join("\n")}`)
    .join("\n\n");
}

/**
 * The app registration for signing in with Microsoft Entra ID (user OAuth): a single-tenant web
 * app with Keel's exact redirect URI and the delegated Azure DevOps permissions Keel asks for,
 * then the three values Keel's configuration needs. The permission ids differ per scope, so the
 * script reads them from the Azure DevOps service principal of the tenant instead of hard-coding.
 */
export function entraUserOAuthScript(input: { redirectUri: string; scopes: readonly string[]; tenantId?: string }): string {
  const tenant = orPlaceholder(input.tenantId, "<tenant-id>");
  return [
    `az login --tenant ${quoted(tenant)}`,
    `APP_ID=$(az ad app create --display-name "Keel" --sign-in-audience AzureADMyOrg --web-redirect-uris ${quoted(input.redirectUri)} --query appId -o tsv)`,
    `az ad sp create --id "$APP_ID"`,
    `ADO=${AZURE_DEVOPS_APP_ID}   # Azure DevOps`,
    `az ad sp show --id "$ADO" --query id -o tsv || az ad sp create --id "$ADO"`,
    `for scope in ${input.scopes.join(" ")}; do`,
    `  SCOPE_ID=$(az ad sp show --id "$ADO" --query "oauth2PermissionScopes[?value=='$scope'].id | [0]" -o tsv)`,
    `  az ad app permission add --id "$APP_ID" --api "$ADO" --api-permissions "$SCOPE_ID=Scope"`,
    "done",
    `az ad app permission admin-consent --id "$APP_ID"   # optional: consent once for the whole tenant`,
    `SECRET=$(az ad app credential reset --id "$APP_ID" --display-name keel --years 1 --query password -o tsv)`,
    `echo "ENTRA_CLIENT_ID=$APP_ID"`,
    `echo "ENTRA_TENANT_ID=$(az account show --query tenantId -o tsv)"`,
    `echo "ENTRA_CLIENT_SECRET=$SECRET"`,
  ].join("\n");
}
