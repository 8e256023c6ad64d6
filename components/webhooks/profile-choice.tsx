"use client";

import { useId, useMemo, useState } from "react";
import { platformLabel } from "@/lib/shared/platforms";
import { FieldErrors } from "@/components/ui/field";

export type ProfileOption = { id: string; name: string; platform: string };

/** Above this many profiles the list gets a filter box. */
const FILTER_FROM = 8;

/**
 * "Builds of": every profile, or the ones ticked. Both answers are the form's one `profiles`
 * field — the first radio sends "all", the second the ticked profiles' ids as JSON — so the
 * checkboxes themselves send nothing (a form field is sent once).
 */
export function ProfileChoice({ profiles, initial, errors, more }: { profiles: ProfileOption[]; initial: string[] | null; errors?: string[]; more: number }) {
  const id = useId();
  const [all, setAll] = useState(initial === null);
  const [chosen, setChosen] = useState<string[]>(initial ?? []);
  const [filter, setFilter] = useState("");
  const shown = useMemo(() => {
    const needle = filter.trim().toLocaleLowerCase();
    return needle ? profiles.filter((profile) => profile.name.toLocaleLowerCase().includes(needle)) : profiles;
  }, [profiles, filter]);
  const named = new Set(profiles.map((profile) => profile.id));
  // Profiles deleted since the page was drawn are not sent back.
  const value = JSON.stringify(chosen.filter((entry) => named.has(entry)));
  const toggle = (profileId: string, on: boolean) => setChosen((current) => (on ? [...current, profileId] : current.filter((entry) => entry !== profileId)));
  const errorId = `${id}-error`;
  return (
    <fieldset className="space-y-2" aria-describedby={errors?.length ? errorId : undefined}>
      <legend className="text-sm font-medium text-slate-800">Builds of</legend>
      <label className="flex items-start gap-2 text-sm text-slate-800">
        <input type="radio" name="profiles" value="all" className="mt-1" checked={all} onChange={() => setAll(true)} />
        <span>All build profiles, and those added later</span>
      </label>
      <label className="flex items-start gap-2 text-sm text-slate-800">
        <input type="radio" name="profiles" value={value} className="mt-1" checked={!all} onChange={() => setAll(false)} disabled={profiles.length === 0} />
        <span>
          Only the profiles chosen here{!all ? ` (${chosen.filter((entry) => named.has(entry)).length} chosen)` : ""}
          {profiles.length === 0 ? <span className="block text-xs text-slate-500">Your organization has no build profiles yet.</span> : null}
        </span>
      </label>
      {!all && profiles.length > 0 ? (
        <div className="ml-6 space-y-2">
          {profiles.length > FILTER_FROM ? (
            <input
              type="search"
              aria-label="Filter the profiles"
              placeholder="Filter by name"
              value={filter}
              onChange={(event) => setFilter(event.target.value)}
              className="w-full max-w-xs rounded-md border border-slate-300 px-2 py-1 text-sm"
            />
          ) : null}
          <ul className="max-h-56 space-y-1 overflow-auto rounded-md border border-slate-200 p-2" aria-label="Build profiles">
            {shown.map((profile) => (
              <li key={profile.id}>
                <label className="flex items-center gap-2 text-sm text-slate-800">
                  <input type="checkbox" checked={chosen.includes(profile.id)} onChange={(event) => toggle(profile.id, event.target.checked)} />
                  <span>
                    {profile.name} <span className="text-xs text-slate-500">{platformLabel(profile.platform)}</span>
                  </span>
                </label>
              </li>
            ))}
            {shown.length === 0 ? <li className="text-sm text-slate-500">No profile matches “{filter.trim()}”.</li> : null}
          </ul>
          {more > 0 ? <p className="text-xs text-slate-500">{more} more profiles are not listed: choose “All build profiles” to include them.</p> : null}
        </div>
      ) : null}
      <FieldErrors id={errorId} errors={errors} />
    </fieldset>
  );
}
