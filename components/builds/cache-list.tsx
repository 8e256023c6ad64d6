"use client";

import { DataTable } from "@/components/ui/data-table";
import { DeleteButton } from "@/components/ui/confirm-dialog";
import type { FormState } from "@/lib/shared/form-state";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

type CacheRow = { id: string; branch: string; paths: string; size: string; savedBy: string; saved: string; used: string };

/** A profile's saved caches (workflow page) and Clear caches, which asks first. */
export function CacheList({ caches, configured, clearAction }: { caches: CacheRow[]; configured: boolean; clearAction: Action }) {
  // Kept on the page when the list empties, so the dialog can say what clearing did.
  const clear = (
    <DeleteButton
      label="Clear caches"
      action={clearAction}
      text={{
        title: "Clear this profile's caches?",
        description: <p>Every saved cache of this profile is deleted. The next build of each branch starts without one (slower) and saves a new one if it succeeds. Use this when a cache breaks builds.</p>,
        confirmLabel: "Clear caches",
        pendingLabel: "Clearing…",
      }}
    />
  );
  if (caches.length === 0) {
    return (
      <div className="space-y-4">
        <p className="text-sm text-slate-600">
          {configured ? "No cache yet: the next successful build of a branch saves one." : "This workflow caches nothing. Name folders under Caches in the workflow (dependencies such as Pods or $HOME/.gradle/caches) to make builds faster."}
        </p>
        {configured ? clear : null}
      </div>
    );
  }
  return (
    <div className="space-y-4">
      <DataTable
        caption="Saved caches"
        columns={[
          { key: "branch", label: "Branch" },
          { key: "size", label: "Size" },
          { key: "saved", label: "Saved" },
          { key: "used", label: "Last used" },
        ]}
      >
        {caches.map((cache) => (
          <tr key={cache.id} className="border-t border-slate-100">
            <td className="px-4 py-3">
              <span className="font-medium text-slate-900">{cache.branch}</span>
              <span className="block text-xs text-slate-600">{cache.paths}</span>
            </td>
            <td className="px-4 py-3" data-label="Size">
              {cache.size}
            </td>
            <td className="px-4 py-3" data-label="Saved">
              {cache.saved} by {cache.savedBy}
            </td>
            <td className="px-4 py-3" data-label="Last used">
              {cache.used}
            </td>
          </tr>
        ))}
      </DataTable>
      {clear}
    </div>
  );
}
