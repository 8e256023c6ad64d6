import Link from "next/link";
import { NavLinks } from "./nav-links";
import BellIcon from "lucide-react/icons/bell";
import { UserMenu } from "./user-menu";

type Props = { organizationName: string; userName: string; userEmail: string; role: "ADMIN" | "MEMBER"; demo?: boolean; attention?: number | null; notices?: number };

/** The top bar: organization, navigation, connections needing attention (admins), new notices, user menu. */
export function AppHeader({ organizationName, userName, userEmail, role, demo, attention, notices = 0 }: Props) {
  return (
    <header className="relative border-b border-slate-200 bg-white">
      {demo ? (
        <p className="bg-amber-100 px-4 py-1.5 text-center text-xs font-medium text-amber-950">
          Demo mode: Keel is connected to a local Azure DevOps emulator, not to Microsoft.
        </p>
      ) : null}
      <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-3 gap-y-2 px-4 py-3 md:gap-x-6">
        <Link href="/connections" className="flex min-w-0 flex-1 items-center gap-2 font-semibold text-slate-900 md:flex-none">
          {/* eslint-disable-next-line @next/next/no-img-element */}
          <img src="/keel.svg" alt="" width={24} height={24} className="shrink-0" />
          <span>Keel</span>
          <span className="text-slate-400" aria-hidden="true">
            /
          </span>
          <span className="min-w-0 truncate font-medium md:max-w-[16rem] text-slate-700" title={organizationName}>
            {organizationName}
          </span>
        </Link>
        <NavLinks />
        {attention ? (
          <Link
            href="/connections?status=attention"
            className="order-last rounded-full bg-red-50 px-3 py-1 md:order-none text-xs font-medium text-red-800 ring-1 ring-inset ring-red-600/30 hover:bg-red-100"
            aria-label={`${attention} connection${attention === 1 ? " needs" : "s need"} attention`}
          >
            {attention} connection{attention === 1 ? " needs" : "s need"} attention
          </Link>
        ) : null}
        <div className="flex items-center gap-2 md:ml-auto">
          <Link
            href="/notices"
            className="relative inline-flex h-9 w-9 items-center justify-center rounded-full text-slate-700 hover:bg-slate-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-600"
            aria-label={notices > 0 ? `Notices, ${notices > 99 ? "99+" : notices} new` : "Notices"}
          >
            <BellIcon className="h-5 w-5" aria-hidden="true" />
            {notices > 0 ? (
              <span aria-hidden="true" className="absolute -right-0.5 -top-0.5 min-w-[1.125rem] rounded-full bg-red-600 px-1 text-center text-[0.6875rem] font-semibold leading-[1.125rem] text-white">
                {notices > 99 ? "99+" : notices}
              </span>
            ) : null}
          </Link>
          <UserMenu name={userName} email={userEmail} role={role} />
        </div>
      </div>
    </header>
  );
}
