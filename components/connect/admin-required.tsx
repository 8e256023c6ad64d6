import Link from "next/link";
import { Alert } from "@/components/ui/alert";

/** What a member sees in the connect wizard: connecting is an admin's job. */
export function AdminRequired({ admins }: { admins: { name: string; email: string }[] }) {
  return (
    <Alert tone="info" title="An admin must connect Azure DevOps">
      <p>Connections hold credentials for your whole organization, so only admins create them. Ask one of your admins to connect the organization or collection you need:</p>
      <ul className="list-disc pl-5">
        {admins.map((admin) => (
          <li key={admin.email}>
            {admin.name} ({admin.email})
          </li>
        ))}
      </ul>
      <p>
        Once a connection exists, you can <Link href="/profiles" className="font-medium underline">create build profiles</Link> from its repositories.
      </p>
    </Alert>
  );
}
