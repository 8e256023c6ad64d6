import Link from "next/link";
import { NavLinks } from "./nav-links";
import { UserMenu } from "./user-menu";

type Props = { organizationName: string; userName: string; userEmail: string; role: "ADMIN" | "MEMBER"; demo?: boolean; attention?: number | null };

/** The top bar: organization, navigation, connections needing attention (admins), user menu. */
export function AppHeader({ organizationName, userName, userEmail, role, demo, attention }: Props) {
  return (
    <header className="border-b border-slate-200 bg-white">
      {demo ? (
        <p className="bg-amber-100 px-4 py-1.5 text-center text-xs font-medium text-amber-950">
          Demo mode: Keel is connected to a local Azure DevOps emulator, not to Microsoft.
        </p>
      ) : null}
      <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
        <Link href="/connections" className="flex items-center gap-2 font-semibold text-slate-900">
          {/* eslint-disable-next-line @next/next/no-img-element */}
          <img src="/keel.svg" alt="" width={24} height={24} />
          <span>Keel</span>
          <span className="text-slate-400" aria-hidden="true">
            /
          </span>
          <span className="max-w-[16rem] truncate font-medium text-slate-700" title={organizationName}>
            {organizationName}
          </span>
        </Link>
        <NavLinks />
        {attention ? (
          <Link
            href="/connections?status=attention"
            className="rounded-full bg-red-50 px-3 py-1 text-xs font-medium text-red-800 ring-1 ring-inset ring-red-600/30 hover:bg-red-100"
            aria-label={`${attention} connection${attention === 1 ? " needs" : "s need"} attention`}
          >
            {attention} connection{attention === 1 ? " needs" : "s need"} attention
          </Link>
        ) : null}
        <div className="ml-auto">
          <UserMenu name={userName} email={userEmail} role={role} />
        </div>
      </div>
    </header>
  );
}
