"use client";

import { ActionButton } from "@/components/ui/action-button";
import { Badge } from "@/components/ui/badge";
import type { FormState } from "@/lib/shared/form-state";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

export type TesterDeviceRow = {
  id: string;
  udid: string;
  name: string;
  model: string | null;
  registered: string;
  /** Whether the newest successful build's provisioning profile lists it (null: that build has none Keel read). */
  listed: boolean | null;
  removeAction: Action | null;
};

/** The devices testers registered from the profile's testers' links, each with whether the newest build's profile lists it. */
export function TesterDevices({ devices }: { devices: TesterDeviceRow[] }) {
  return (
    <ul className="space-y-3 text-sm" aria-label="Registered devices">
      {devices.map((device) => (
        <li key={device.id} className="border-t border-slate-200 pt-3 first:border-t-0 first:pt-0">
          <div className="flex items-start justify-between gap-2">
            <div className="min-w-0">
              <p className="font-medium text-slate-900">{device.name}</p>
              <p className="text-xs text-slate-600">
                {device.model ? `${device.model} · ` : ""}registered {device.registered}
              </p>
              <p className="font-mono text-xs break-all text-slate-800">{device.udid}</p>
              {device.listed === null ? null : device.listed ? (
                <Badge tone="success" className="mt-1">
                  In the newest build&apos;s profile
                </Badge>
              ) : (
                <Badge tone="warning" className="mt-1">
                  Not in the newest build&apos;s profile
                </Badge>
              )}
            </div>
            {device.removeAction ? (
              <ActionButton
                action={device.removeAction}
                label="Remove"
                pendingLabel="Removing…"
                variant="ghost"
                className=""
                buttonClassName="px-0 text-red-700"
                formLabel={`Remove ${device.name}`}
                buttonLabel={`Remove the device of ${device.name}`}
              />
            ) : null}
          </div>
        </li>
      ))}
    </ul>
  );
}
