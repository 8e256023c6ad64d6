// Human-readable words for the audit log (issue 12): a label per action, and one line of
// details read from the event's data (names, outcomes, statuses — the data never holds a
// secret; lib/audit/csv.ts scrubs the export once more anyway). Pure.
import { isConnectionStatus, statusLabel } from "@/lib/connections/status";
import { buildTriggerLabel } from "@/lib/shared/builds";

const LABELS: Record<string, string> = {
  "setup.completed": "Keel set up",
  "auth.signed_in": "Signed in",
  "auth.sign_in_failed": "Sign-in failed",
  "auth.signed_out": "Signed out",
  "auth.signed_out_everywhere": "Signed out everywhere",
  "auth.password_changed": "Password changed",
  "auth.password_reset_completed": "New password set with a reset link",
  "member.added": "Member added",
  "member.role_changed": "Role changed",
  "member.disabled": "Member disabled",
  "member.enabled": "Member enabled",
  "member.invitation_accepted": "Invitation accepted",
  "member.password_reset": "Password reset by an admin",
  "member.sign_in_unlocked": "Sign-in unlocked",
  "network.allowlist_updated": "Outbound allowlist changed",
  "oauth.identity_linked": "Azure DevOps identity linked",
  "oauth.link_refused": "Identity link refused",
  "oauth.link_failed": "Identity link failed",
  "oauth.token_refreshed": "OAuth token refreshed",
  "connection.created": "Connection created",
  "connection.updated": "Connection edited",
  "connection.check_ran": "Connection check ran",
  "connection.checked": "Connection checked",
  "connection.checks_requested": "Checks of all connections requested",
  "connection.status_changed": "Connection status changed",
  "connection.expiry_reminder": "Expiry reminder sent",
  "connection.token_replaced": "Token replaced",
  "connection.token_replace_refused": "Token replacement refused",
  "connection.reauthorized": "Connection re-authorized",
  "connection.reauthorize_refused": "Re-authorization refused",
  "connection.provider_switched": "Switched to Microsoft Entra ID",
  "connection.owner_changed": "Owner changed",
  "connection.deleted": "Connection deleted",
  "connection.credentials_unreadable": "Credentials unreadable",
  "connection.renamed": "Connection renamed",
  "connection.credential_replaced": "Service principal credential replaced",
  "service_principal.token_issued": "Service principal token issued",
  "connection.ca_uploaded": "CA certificate trusted",
  "connection.ca_removed": "CA certificate removed",
  "outbound.refused": "Outbound call refused (SSRF policy)",
  "profile.created": "Build profile created",
  "profile.synced": "Build profile updated from Azure DevOps",
  "profile.disconnected": "Build profile disconnected",
  "profile.rebound": "Build profile re-bound",
  "profile.deleted": "Build profile deleted",
  "profile.updated": "Build profile edited",
  "profile.triggers_updated": "Triggers changed",
  "profile.chat_updated": "Chat channel set",
  "profile.chat_removed": "Chat channel removed",
  "profile.badge_enabled": "Status badge turned on",
  "profile.badge_rotated": "Status badge address changed",
  "profile.badge_disabled": "Status badge turned off",
  "workflow.updated": "Workflow changed",
  "profile.build_number_set": "Next build number set",
  "workflow.secret_file_saved": "Secret file saved",
  "workflow.secret_file_removed": "Secret file removed",
  "profile.caches_cleared": "Build caches cleared",
  "profile.builds_paused": "Builds paused",
  "workflow.secrets_for": "Who gets the secrets changed",
  "profile.builds_resumed": "Builds resumed",
  "build.started": "Build started",
  "build.canceled": "Build canceled",
  "build.kept": "Build kept forever",
  "build.run_next": "Build moved to the front of the queue",
  "build.shared": "Build shared with a link",
  "build.share_revoked": "Share link turned off",
  "profile.shared": "Link to the newest build made",
  "profile.share_revoked": "Link to the newest build turned off",
  "profile.tester_device_registered": "Tester's device registered",
  "profile.tester_device_removed": "Tester's device removed",
  "build.unkept": "Build no longer kept",
  "variable_group.created": "Variable group created",
  "variable_group.updated": "Variable group changed",
  "variable_group.deleted": "Variable group deleted",
  "api_token.created": "API token created",
  "api_token.revoked": "API token revoked",
  "webhook.created": "Webhook added",
  "webhook.updated": "Webhook changed",
  "webhook.deleted": "Webhook deleted",
  "webhook.secret_rotated": "Webhook secret replaced",
  "webhook.redelivered": "Webhook delivery sent again",
  "hooks.subscription_created": "Service hook created",
  "hooks.subscription_recreated": "Service hook recreated",
  "hooks.subscription_repaired": "Service hook repaired",
  "hooks.subscription_removed": "Service hook removed",
  "hooks.subscription_refused": "Service hook refused by Azure DevOps",
  "hooks.credentials_issued": "Service hook credentials issued",
  "hooks.delivery_replayed": "Delivery replayed",
  "hooks.backfilled": "Deliveries backfilled",
  "member.invitation_regenerated": "Invitation link renewed",
  "repositories.listed": "Repositories listed",
  "repositories.listing_failed": "Repository listing failed",
  "audit.exported": "Audit log exported",
};

/** Every action with a label, for the filter (grouped by what they are about). */
export const AUDIT_ACTIONS: readonly { value: string; label: string }[] = Object.entries(LABELS).map(([value, label]) => ({ value, label }));

/** The words for an action (unknown ones are shown as they are). */
export function auditLabel(action: string): string {
  return LABELS[action] ?? action;
}

const TARGET_TYPES: Record<string, string> = {
  connection: "Connection",
  build_profile: "Build profile",
  user: "Member",
  connect_draft: "Connection setup",
  organization: "Organization",
  variable_group: "Variable group",
  build: "Build",
  api_token: "API token",
  webhook: "Webhook",
  hook_subscription: "Service hook",
  hook_delivery: "Delivery",
  account: "Azure DevOps identity",
};

/** The words for a target type. */
export function targetTypeLabel(type: string | null): string {
  return type ? (TARGET_TYPES[type] ?? type) : "—";
}

function text(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : typeof value === "number" || typeof value === "boolean" ? String(value) : null;
}

function status(value: unknown): string {
  const raw = text(value);
  return raw && isConnectionStatus(raw) ? statusLabel(raw).toLowerCase() : (raw ?? "?");
}

const PROVIDERS: Record<string, string> = { "azure-devops": "Azure DevOps OAuth", "microsoft-entra-id": "Microsoft Entra ID" };

const names = (value: unknown) => (Array.isArray(value) ? value.map(String).join(", ") : "?");

/** A variable's change as saveVariables records it ({ NAME: "value changed" }): "FLAVOR value changed". */
function variableChangeWords(value: unknown): string[] {
  return value && typeof value === "object" && !Array.isArray(value) ? Object.entries(value as Record<string, unknown>).map(([variable, change]) => `${variable} ${text(change) ?? "changed"}`) : [];
}

/** What a workflow save changed, from its audit data (lib/data/builds.ts, updateWorkflow): "steps (Build, Test → Build, Lint, Test); time limit 30 → 45 min". */
function workflowChangeWords(data: Record<string, unknown>): string {
  const changed = Array.isArray(data.changed) ? data.changed.map(String) : [];
  const words = changed.map((item) => {
    switch (item) {
      case "steps":
        return `steps (${names(data.stepsBefore)} → ${names(data.steps)})`;
      case "timeLimit":
        return `time limit ${text(data.timeoutMinutesBefore) ?? "?"} → ${text(data.timeoutMinutes) ?? "?"} min`;
      case "variables": {
        const variables = variableChangeWords(data.variables);
        return variables.length > 0 ? `variables (${variables.join(", ")})` : "variables";
      }
      case "variableGroups":
        return `variable groups (${names(data.variableGroupsBefore) || "none"} → ${names(data.variableGroups) || "none"})`;
      case "artifacts":
        return `artifacts (${names(data.artifacts) || "none"})`;
      case "caches":
        return "caches";
      case "pool":
        return `runs on ${text(data.poolBefore) ?? "?"} → ${text(data.pool) ?? "?"}`;
      case "submodules":
        return data.fetchSubmodules === false ? "submodules no longer fetched" : "submodules fetched";
      case "lfs":
        return data.fetchLfs === false ? "Git LFS files no longer fetched" : "Git LFS files fetched";
      case "oneAtATime":
        return data.oneAtATime === true ? "one build at a time" : "builds side by side";
      case "retryLostBuilds":
        return data.retryLostBuilds === true ? "builds started again when their worker is lost" : "lost builds no longer started again";
      case "workflowFile":
        return text(data.workflowFile) ? `steps from ${text(data.workflowFile)}` : "steps on the page";
      default:
        return item;
    }
  });
  return words.join("; ");
}

/** One line of details of an event, from its data; a script's act names the API token it used. */
export function describeAudit(action: string, raw: unknown): string {
  const data = typeof raw === "object" && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const details = describeData(action, data);
  const token = text(data.apiToken);
  return token ? `${details}${details ? " " : ""}(with the API token “${token}”)` : details;
}

function describeData(action: string, data: Record<string, unknown>): string {
  const name = text(data.name);
  switch (action) {
    case "build.started":
      return `#${text(data.number) ?? "?"}${text(data.branch) ? ` of ${text(data.branch)?.replace(/^refs\/heads\//, "")}` : ""}, trigger: ${buildTriggerLabel(text(data.trigger) ?? "?")}`;
    case "api_token.created":
      return `${name ?? ""} (${text(data.prefix) ?? "?"}…)${data.readOnly === true ? ", read only" : ""}, ends ${text(data.expiresAt)?.slice(0, 10) ?? "?"}`;
    case "api_token.revoked":
      return `${name ?? ""} (${text(data.prefix) ?? "?"}…) of ${text(data.owner) ?? "?"}`;
    case "webhook.created":
    case "webhook.deleted":
      return `${name ?? ""} → ${text(data.host) ?? "?"}${Array.isArray(data.events) ? ` (${data.events.join(", ")})` : ""}`;
    case "webhook.updated":
      return `${name ?? ""}: ${Array.isArray(data.changed) ? data.changed.join(", ") : "?"} changed${Array.isArray(data.events) ? ` (now ${data.events.join(", ")})` : ""}`;
    case "webhook.redelivered":
      return `${text(data.event) ?? "?"} again`;
    case "connection.status_changed":
      return `${name ? `${name}: ` : ""}${status(data.from)} → ${status(data.to)}${text(data.reason) ? ` (${text(data.reason)})` : ""}${text(data.source) === "scheduled_check" ? ", scheduled check" : ""}`;
    case "connection.checked":
      return `${data.ok === true ? "passed" : "failed"}; status ${status(data.status)}${text(data.finding) ? ` (${text(data.finding)})` : ""}`;
    case "connection.check_ran":
      return `${data.ok === true ? "no errors" : `findings: ${Array.isArray(data.findings) ? data.findings.join(", ") : "?"}`}`;
    case "connection.expiry_reminder":
      return `${name ?? "connection"}: expires ${text(data.expiresAt)?.slice(0, 10) ?? "soon"} (${text(data.daysLeft) ?? "?"} days left, ${text(data.tier)}-day reminder)`;
    case "connection.token_replaced":
      return `${name ?? ""} new token …${text(data.tokenLastFour) ?? "????"}${text(data.tokenExpiresAt) ? `, expires ${text(data.tokenExpiresAt)?.slice(0, 10)}` : ""}`.trim();
    case "connection.token_replace_refused":
      return `${name ?? ""} kept the old token; the new one failed: ${Array.isArray(data.findings) ? data.findings.join(", ") : "?"}`.trim();
    case "connection.provider_switched":
      return `${name ?? ""} ${PROVIDERS[text(data.from) ?? ""] ?? text(data.from)} → ${PROVIDERS[text(data.to) ?? ""] ?? text(data.to)}`.trim();
    case "connection.reauthorized":
      return `${name ?? ""} with ${PROVIDERS[text(data.provider) ?? ""] ?? text(data.provider) ?? "?"}`.trim();
    case "connection.owner_changed":
      return `${name ?? ""}: ${text(data.fromName) ?? "nobody"} → ${text(data.toName) ?? "?"}`;
    case "connection.deleted":
      return `${name ?? ""}; ${text(data.profilesDisconnected) ?? "0"} build profile(s) disconnected`;
    case "connection.created":
      return `${name ?? ""} (${text(data.method) ?? "?"}${text(data.collection) ? `, ${text(data.collection)}` : ""})`;
    case "profile.rebound":
      return `${name ?? ""}: ${text(data.fromConnectionName) ?? "disconnected"} → ${text(data.toConnectionName) ?? "?"}`;
    case "profile.disconnected":
      return `${name ?? ""} (connection ${text(data.connectionName) ?? "?"} deleted)`;
    case "profile.created":
    case "profile.deleted":
      return `${name ?? ""} (${text(data.projectName) ?? "?"} / ${text(data.repositoryName) ?? "?"})`;
    case "profile.shared":
      return `${name ?? ""}: newest build of ${text(data.branch)?.replace(/^refs\/heads\//, "") ?? "?"}, ${text(data.days) ?? "?"} days`;
    case "profile.tester_device_registered":
    case "profile.tester_device_removed":
      return `${text(data.testerName) ?? text(data.product) ?? "a device"} (${text(data.udid) ?? "?"})${data.again === true ? ", again" : ""}`;
    case "workflow.updated":
      return workflowChangeWords(data);
    case "workflow.secret_file_saved":
      return `${text(data.fileName) ?? "?"} as $${text(data.variable) ?? "?"}${data.replaced === true ? ", replacing the one before" : ""}`;
    case "workflow.secret_file_removed":
      return `${text(data.fileName) ?? "?"} ($${text(data.variable) ?? "?"})`;
    case "variable_group.updated":
      return `${name ?? ""}: ${[...(Array.isArray(data.changed) ? data.changed.filter((item) => item !== "variables").map(String) : []), ...variableChangeWords(data.variables)].join("; ") || "?"}`;
    case "profile.builds_paused":
      return `${name ?? ""}${text(data.reason) ? `: “${text(data.reason)}”` : ""}${text(data.queued) && data.queued !== 0 ? `; ${text(data.queued)} queued` : ""}`;
    case "build.run_next":
      return `${text(data.profile) ?? "?"} #${text(data.number) ?? "?"}`;
    case "workflow.secrets_for":
      return `${name ?? ""}: ${text(data.secretsFor) ?? "?"}`;
    case "profile.builds_resumed":
      return `${name ?? ""}${text(data.queued) && data.queued !== 0 ? `; ${text(data.queued)} queued builds start` : ""}`;
    case "profile.build_number_set":
      return `${name ?? ""}: next build #${text(data.from) ?? "?"} → #${text(data.to) ?? "?"}`;
    case "member.role_changed":
      return `${text(data.from) ?? "?"} → ${text(data.to) ?? "?"}`;
    case "auth.sign_in_failed":
      return text(data.reason) ?? "";
    case "outbound.refused":
      return Array.isArray(data.calls) ? data.calls.map((call) => (typeof call === "object" && call !== null ? `${text((call as Record<string, unknown>).method) ?? ""} ${text((call as Record<string, unknown>).url) ?? ""}`.trim() : "")).join(", ") : "";
    default:
      return name ?? "";
  }
}
