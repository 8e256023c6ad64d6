import Link from "next/link";

/** Whose builds a webhook hears of, in the webhooks' table: all, the profiles by name, or none left. */
export function WebhookProfiles({ webhook }: { webhook: { allProfiles: boolean; profiles: Array<{ id: string; name: string }> } }) {
  if (webhook.allProfiles) {
    return <span className="text-slate-700">All profiles</span>;
  }
  if (webhook.profiles.length === 0) {
    return <span className="text-amber-800">None: its profiles were deleted</span>;
  }
  const named = webhook.profiles.slice(0, 3);
  return (
    <span className="text-sm">
      {named.map((profile, index) => (
        <span key={profile.id}>
          {index > 0 ? ", " : null}
          <Link href={`/profiles/${profile.id}`} className="text-brand-700 underline">
            {profile.name}
          </Link>
        </span>
      ))}
      {webhook.profiles.length > named.length ? ` and ${webhook.profiles.length - named.length} more` : null}
    </span>
  );
}
