import Link from "next/link";
import { Alert } from "@/components/ui/alert";
import { buttonClasses } from "@/components/ui/button";
import { AdminRequired } from "./admin-required";

/** What a wizard step shows when the draft cannot be used. */
export function WizardFallback({ state }: { state: { kind: "member"; admins: { name: string; email: string }[] } | { kind: "missing" } }) {
  if (state.kind === "member") {
    return <AdminRequired admins={state.admins} />;
  }
  return (
    <Alert tone="warning" title="This connection setup has expired or does not exist">
      <p>Setups are kept for 24 hours and belong to the admin who started them. Nothing was saved; start again.</p>
      <p>
        <Link href="/connect" className={buttonClasses("secondary")}>
          Start connecting
        </Link>
      </p>
    </Alert>
  );
}
