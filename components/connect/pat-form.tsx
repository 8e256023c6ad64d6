"use client";

import { useActionState, useRef, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { TextField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { buildCollectionUrl, normalizeServerUrl, parseAzureDevOpsUrl, suggestedConnectionName } from "@/lib/azure-devops/url";
import { addressMove, draftServerMove, type CollectionAddress } from "@/lib/shared/address-move";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

export type PatFormInitial = {
  name: string;
  serverUrl: string;
  collection: string;
  tokenExpiresAt: string;
  hasToken: boolean;
  tokenLastFour: string | null;
  /** Where the stored token was entered for (null: nowhere yet, or not known). */
  tokenAddress: CollectionAddress | null;
};

type Props = {
  action: Action;
  deploymentType: "SERVICES" | "SERVER";
  /** Origin that behaves like dev.azure.com (the real one, or the emulator in tests/demo). */
  servicesUrl: string;
  initial: PatFormInitial;
  submitLabel: string;
  pendingLabel: string;
  /**
   * When the stored token is left behind: "server" in the wizard (an unsaved draft keeps it for any
   * collection on the same server), "address" for a saved connection (lib/shared/address-move.ts).
   */
  tokenRule: "server" | "address";
  /**
   * The wizard only: the repository of an address pasted earlier (the draft's), sent along while
   * the fields still point where that address did, so that the picker opens searched for it.
   */
  pastedRepository?: { repository: string; address: CollectionAddress } | null;
};

/** The address the form's fields say now, or null while they do not parse. */
function addressOf(serverUrl: string, collection: string): CollectionAddress | null {
  const server = normalizeServerUrl(serverUrl);
  const name = collection.trim().replace(/^\/+|\/+$/g, "");
  if (!server.ok || !name || /[/\\?#]/.test(name)) {
    return null;
  }
  return { serverUrl: server.value.serverUrl, pathPrefix: server.value.pathPrefix, collection: name };
}

/** `tfs/DefaultCollection` typed as the collection: the server URL and collection it means. */
function pathFix(serverUrl: string, collection: string): { serverUrl: string; collection: string; prefix: string } | null {
  const segments = collection.split(/[/\\]+/).filter((segment) => segment !== "");
  const last = segments.at(-1);
  if (segments.length < 2 || !last || !serverUrl.trim()) {
    return null;
  }
  const prefix = segments.slice(0, -1).join("/");
  return { serverUrl: `${serverUrl.trim().replace(/\/+$/, "")}/${prefix}`, collection: last, prefix };
}

/** The PAT form: connection name, server URL, collection/organization, token — and "Paste any URL". */
export function PatForm({ action, deploymentType, servicesUrl, initial, submitLabel, pendingLabel, tokenRule, pastedRepository }: Props) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const values = state.status === "error" ? { ...initial, ...state.values } : initial;
  const errors = state.status === "error" ? state.fieldErrors : {};
  const collectionLabel = deploymentType === "SERVICES" ? "Organization" : "Collection Name";
  const form = useRef<HTMLFormElement>(null);
  const [pasteNote, setPasteNote] = useState<{ tone: "success" | "error" | "warning"; text: string } | null>(null);
  // What the server and collection fields say now: the token hint and the side panel's link follow them.
  const [typed, setTyped] = useState({ serverUrl: values.serverUrl ?? "", collection: values.collection ?? "" });
  const [shownState, setShownState] = useState(state);
  if (shownState !== state) {
    // A new answer re-fills the fields (React resets a form after its action): follow it.
    setShownState(state);
    setTyped({ serverUrl: values.serverUrl ?? "", collection: values.collection ?? "" });
  }
  const readTyped = () => {
    const elements = form.current?.elements;
    const server = elements?.namedItem("serverUrl");
    const collection = elements?.namedItem("collection");
    setTyped({ serverUrl: server instanceof HTMLInputElement ? server.value : "", collection: collection instanceof HTMLInputElement ? collection.value : "" });
  };
  const address = addressOf(typed.serverUrl, typed.collection);
  const [pasted, setPasted] = useState(pastedRepository ?? null);
  // A repository is only a hint while the fields point where its address did.
  const pastedHere = pasted && address && !addressMove(pasted.address, address, true).moved ? pasted.repository : "";
  const typedServer = normalizeServerUrl(typed.serverUrl);
  const after: CollectionAddress | null = address ?? (typedServer.ok ? { ...typedServer.value, collection: initial.tokenAddress?.collection ?? "" } : null);
  const tokenMoved = initial.hasToken && after !== null && (tokenRule === "server" ? draftServerMove(initial.tokenAddress, after, false) : addressMove(initial.tokenAddress, after, false)).moved;
  const tokenNeeded = !initial.hasToken || tokenMoved;
  const fix = errors.collection?.length ? pathFix(typed.serverUrl, typed.collection) : null;
  const [fixNote, setFixNote] = useState<string | null>(null);
  const applyFix = () => {
    if (!fix) {
      return;
    }
    const elements = form.current?.elements;
    const server = elements?.namedItem("serverUrl");
    const collection = elements?.namedItem("collection");
    if (server instanceof HTMLInputElement && collection instanceof HTMLInputElement) {
      server.value = fix.serverUrl;
      collection.value = fix.collection;
    }
    readTyped();
    setFixNote(`Moved /${fix.prefix} into the server URL (${fix.serverUrl}); ${collectionLabel.toLowerCase()} is now ${fix.collection}. Check the connection again.`);
    const token = elements?.namedItem("token");
    const next = tokenNeeded && token instanceof HTMLInputElement && !token.value ? token : form.current?.querySelector<HTMLButtonElement>("button[type=submit]");
    next?.focus();
  };

  const fill = (raw: string) => {
    if (!raw.trim()) {
      setPasteNote(null);
      return;
    }
    const parsed = parseAzureDevOpsUrl(raw, { servicesHosts: [servicesUrl] });
    if (!parsed.ok) {
      setPasteNote({ tone: "error", text: parsed.reason });
      return;
    }
    const location = parsed.value;
    if ((location.provider === "services") !== (deploymentType === "SERVICES")) {
      setPasteNote({
        tone: "warning",
        text: location.provider === "services" ? "This is an Azure DevOps Services address. Go back and choose Azure DevOps Services." : "This is an Azure DevOps Server address. Go back and choose Azure DevOps Server.",
      });
      return;
    }
    const elements = form.current?.elements;
    const set = (name: string, value: string) => {
      const input = elements?.namedItem(name);
      if (input instanceof HTMLInputElement) {
        input.value = value;
      }
    };
    const server = location.pathPrefix ? `${location.serverUrl}/${location.pathPrefix}` : location.serverUrl;
    set("serverUrl", server);
    set("collection", location.collection);
    readTyped();
    const pastedAddress = addressOf(server, location.collection);
    setPasted(location.repository && pastedAddress ? { repository: location.repository, address: pastedAddress } : null);
    const nameInput = elements?.namedItem("name");
    if (nameInput instanceof HTMLInputElement && !nameInput.value) {
      nameInput.value = suggestedConnectionName(location);
    }
    const where = buildCollectionUrl({ serverUrl: location.serverUrl, pathPrefix: location.pathPrefix, collection: location.collection });
    setPasteNote({
      tone: location.warnings.length ? "warning" : "success",
      text: `Filled in from the address: ${where}${location.project ? ` (project ${location.project}${location.repository ? `, repository ${location.repository}` : ""})` : ""}.${location.warnings.length ? ` ${location.warnings.join(" ")}` : ""}`,
    });
  };

  return (
    <div className="grid grid-cols-1 items-start gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
      <form ref={form} action={formAction} onChange={readTyped} noValidate className="space-y-5" aria-label="Personal Access Token connection">
        <FormMessage state={state} />
        {pastedRepository !== undefined ? <input type="hidden" name="pastedRepository" value={pastedHere} /> : null}
        <div className="rounded-md border border-dashed border-slate-300 bg-slate-50 p-4">
          <label htmlFor="paste-url" className="block text-sm font-medium text-slate-800">
            Paste any URL <span className="font-normal text-slate-500">(optional)</span>
          </label>
          <p id="paste-url-hint" className="mt-1 text-xs text-slate-600">
            A browser address, an HTTPS or SSH clone URL, or an on-premises address with or without /tfs and a port — Keel fills in the fields below.
          </p>
          <input
            id="paste-url"
            type="text"
            inputMode="url"
            autoComplete="off"
            aria-describedby="paste-url-hint paste-url-result"
            onPaste={(event) => fill(event.clipboardData.getData("text"))}
            onChange={(event) => fill(event.currentTarget.value)}
            className="mt-2 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm"
            placeholder={deploymentType === "SERVICES" ? "https://dev.azure.com/fabrikam/Mobile/_git/app" : "https://devops.example.com/tfs/DefaultCollection/Mobile/_git/app"}
          />
          <p id="paste-url-result" aria-live="polite" className={pasteNote?.tone === "error" ? "mt-2 text-sm text-red-700" : pasteNote?.tone === "warning" ? "mt-2 text-sm text-amber-800" : "mt-2 text-sm text-emerald-800"}>
            {pasteNote?.text}
          </p>
        </div>
        <TextField label="Connection Name" name="name" required maxLength={100} defaultValue={values.name} errors={errors.name} hint="How your team will recognise this connection, e.g. Fabrikam Mobile." />
        <TextField
          label="Azure DevOps Server URL"
          name="serverUrl"
          required
          inputMode="url"
          defaultValue={values.serverUrl}
          errors={errors.serverUrl}
          hint={deploymentType === "SERVICES" ? "For Azure DevOps Services this is https://dev.azure.com." : "The server address, including /tfs on servers upgraded from TFS, e.g. https://devops.example.com/tfs."}
        />
        <TextField label={collectionLabel} name="collection" required maxLength={100} defaultValue={values.collection} errors={errors.collection} hint={deploymentType === "SERVICES" ? "The name after dev.azure.com/, e.g. fabrikam." : "Usually DefaultCollection."} />
        {fix ? (
          <div className="-mt-3">
            <button type="button" onClick={applyFix} className="text-sm font-medium text-brand-700 underline">
              Move /{fix.prefix} into the server URL
            </button>
          </div>
        ) : null}
        <p aria-live="polite" className="text-sm text-emerald-800 empty:hidden">
          {fixNote}
        </p>
        <TextField
          label="Personal Access Token"
          name="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          required={tokenNeeded}
          errors={errors.token}
          hint={
            !initial.hasToken
              ? "Paste the token once; Keel encrypts it and never shows it again."
              : tokenMoved
                ? `You changed ${tokenRule === "server" ? "the server" : "where the connection points"}: paste a token for the new address. The token ending in …${initial.tokenLastFour ?? "****"} is never sent there.`
                : `A token ending in …${initial.tokenLastFour ?? "****"} is already entered. Leave this empty to keep it.`
          }
        />
        <TextField label="Token expiry date" name="tokenExpiresAt" type="date" optional defaultValue={values.tokenExpiresAt} errors={errors.tokenExpiresAt} hint="As shown in Azure DevOps. Keel reminds you before it expires." />
        <SubmitButton pendingLabel={pendingLabel}>{submitLabel}</SubmitButton>
      </form>
      <PatInstructions deploymentType={deploymentType} collectionUrl={address ? buildCollectionUrl(address) : null} />
    </div>
  );
}

/** The PAT scopes Keel needs and how to create such a token. */
export function PatInstructions({ deploymentType, collectionUrl }: { deploymentType: "SERVICES" | "SERVER"; collectionUrl: string | null }) {
  return (
    <Alert tone="info" title="Create a token with these scopes">
      <ul className="list-disc pl-5">
        <li>
          <strong>Identity</strong>: Read
        </li>
        <li>
          <strong>Code</strong>: Read and Status
        </li>
        <li>
          <strong>Notifications</strong>: Read
        </li>
      </ul>
      <ol className="list-decimal pl-5">
        <li>
          In Azure DevOps open <strong>User settings</strong> (the icon next to your picture) → <strong>Personal access tokens</strong>
          {collectionUrl ? (
            <>
              {" "}
              (
              <a href={`${collectionUrl}/_usersSettings/tokens`} target="_blank" rel="noreferrer" className="break-all font-mono underline">
                {collectionUrl}/_usersSettings/tokens
              </a>
              )
            </>
          ) : null}
          .
        </li>
        <li>
          Choose <strong>New Token</strong>
          {deploymentType === "SERVICES" ? ", select this organization (not “All accessible organizations”)" : ""}, pick an expiry, then <strong>Custom defined</strong> and tick the scopes above (use “Show all scopes” to find Identity and Notifications).
        </li>
        <li>Create it, copy it, and paste it here. Azure DevOps shows it only once.</li>
      </ol>
    </Alert>
  );
}
