/**
 * What an OAuth identity can reach: its Azure DevOps profile (who it is — the identity Keel
 * links, since the token's audience is Azure DevOps, not Microsoft Graph), the organizations it
 * is a member of (`accounts?memberId=`), and how many projects it sees in each. Framework-free;
 * every call goes through the guarded client.
 */
import { createAzureDevOpsClient, createVsspsClient } from "../azure-devops/client";
import { isAzureDevOpsError } from "../azure-devops/errors";
import type { GuardedTimeouts, HostResolver } from "../net/guarded-request";
import type { OutboundPolicy } from "../net/ssrf-policy";

export type AzureDevOpsIdentity = { id: string; displayName: string | null; uniqueName: string | null };

export type OrganizationSummary = {
  name: string;
  id: string;
  projects: number | null;
  projectsMore: boolean;
  problem?: "oauth_policy" | "error";
  problemText?: string;
};

export type ReachOptions = {
  policy: OutboundPolicy;
  vsspsUrl: string;
  servicesUrl: string;
  timeouts?: Partial<GuardedTimeouts>;
  resolve?: HostResolver;
};

const MAX_ORGANIZATIONS = 100;
const PROJECT_PAGE = 100;
const PARALLEL = 4;

function transport(options: ReachOptions, accessToken: string) {
  return {
    credential: { kind: "bearer" as const, token: accessToken },
    policy: options.policy,
    retry: { maxAttempts: 2 },
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    ...(options.resolve ? { resolve: options.resolve } : {}),
  };
}

/** `profile/profiles/me`: the Azure DevOps identity behind an access token. */
export async function readAzureDevOpsProfile(accessToken: string, options: ReachOptions): Promise<AzureDevOpsIdentity> {
  const vssps = createVsspsClient({ ...transport(options, accessToken), baseUrl: options.vsspsUrl });
  const profile = await vssps.getMyProfile();
  return {
    id: profile.id,
    displayName: typeof profile.displayName === "string" ? profile.displayName : null,
    uniqueName: typeof profile.emailAddress === "string" ? profile.emailAddress : null,
  };
}

/** The organizations the identity is a member of, by name, each with its projects count. */
export async function listReachableOrganizations(accessToken: string, memberId: string, options: ReachOptions): Promise<OrganizationSummary[]> {
  const vssps = createVsspsClient({ ...transport(options, accessToken), baseUrl: options.vsspsUrl });
  const accounts = (await vssps.listAccounts(memberId))
    .filter((account) => !["disabled", "deleted", "moved"].includes(account.accountStatus ?? ""))
    .sort((a, b) => a.accountName.localeCompare(b.accountName, "en", { sensitivity: "base" }))
    .slice(0, MAX_ORGANIZATIONS);
  const results: OrganizationSummary[] = new Array(accounts.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const index = next++;
      const account = accounts[index];
      if (account === undefined) {
        return;
      }
      results[index] = await summarize(accessToken, account.accountName, account.accountId, options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, accounts.length) }, worker));
  return results;
}

async function summarize(accessToken: string, name: string, id: string, options: ReachOptions): Promise<OrganizationSummary> {
  // The org URL is dev.azure.com/{accountName}, not accountUri (that is the vssps host, docs/azure-devops-facts.md §1.8).
  const client = createAzureDevOpsClient({ ...transport(options, accessToken), collectionUrl: `${options.servicesUrl.replace(/\/+$/, "")}/${encodeURIComponent(name)}` });
  try {
    const page = await client.listProjectsPage({ top: PROJECT_PAGE });
    return { name, id, projects: page.items.length, projectsMore: page.continuationToken !== undefined };
  } catch (error) {
    if (isAzureDevOpsError(error, "unauthorized") && error.reason.kind === "unauthorized" && error.reason.unauthorized === "oauth_policy") {
      return {
        name,
        id,
        projects: null,
        projectsMore: false,
        problem: "oauth_policy",
        problemText: 'Azure DevOps refuses Keel here (TF400813): the organization\'s policy "Third-party application access via OAuth" is probably off.',
      };
    }
    return { name, id, projects: null, projectsMore: false, problem: "error", problemText: isAzureDevOpsError(error) ? error.message : "Keel could not list the projects." };
  }
}
