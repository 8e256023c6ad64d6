import Link from "next/link";
import { Alert } from "@/components/ui/alert";
import { buttonClasses } from "@/components/ui/button";

/** A wizard step reopened after its setup was saved (back button, an old tab): nothing to redo. */
export function SavedDraftNotice({ connectionId }: { connectionId: string }) {
  return (
    <Alert tone="success" title="This connection is saved">
      <p>This setup has already been saved as a connection; saving it again would not create another one.</p>
      <p>
        <Link href={`/connections/${connectionId}`} className={buttonClasses("secondary")}>
          Open the connection
        </Link>
      </p>
    </Alert>
  );
}
