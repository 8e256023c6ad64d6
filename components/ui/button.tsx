import type { ButtonHTMLAttributes } from "react";
import { cn } from "./cn";
import { Spinner } from "./spinner";

/**
 * Keel's one button hierarchy: `primary` for the page's main action (one per view), `secondary`
 * for the others, `ghost` for quiet actions in lists and menus, `danger` only for the final
 * confirmation of something destructive (the button that starts it lives in a danger zone).
 */
export type ButtonVariant = "primary" | "secondary" | "danger" | "ghost";
export type ButtonSize = "md" | "sm";

const variants: Record<ButtonVariant, string> = {
  primary: "bg-brand-600 text-white shadow-sm hover:bg-brand-700 disabled:bg-brand-600/60",
  secondary: "bg-white text-slate-800 shadow-sm ring-1 ring-inset ring-slate-300 hover:bg-slate-50 disabled:text-slate-400",
  danger: "bg-red-600 text-white shadow-sm hover:bg-red-700 disabled:bg-red-600/60",
  ghost: "text-slate-700 hover:bg-slate-100 disabled:text-slate-400",
};

const sizes: Record<ButtonSize, string> = {
  md: "gap-2 px-3.5 py-2",
  sm: "gap-1.5 px-2.5 py-1.5",
};

/** Class names for a button-styled element (also used on links). */
export function buttonClasses(variant: ButtonVariant = "primary", extra?: string, size: ButtonSize = "md"): string {
  return cn("inline-flex items-center justify-center rounded-md text-sm font-semibold transition-colors disabled:cursor-not-allowed", sizes[size], variants[variant], extra);
}

export type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & { variant?: ButtonVariant; size?: ButtonSize; pending?: boolean; pendingLabel?: string };

/** A button that shows a spinner and a pending label while its action runs. */
export function Button({ variant = "primary", size = "md", pending = false, pendingLabel, className, children, disabled, ...rest }: ButtonProps) {
  return (
    <button {...rest} className={buttonClasses(variant, className, size)} disabled={disabled || pending} aria-busy={pending || undefined}>
      {pending ? <Spinner /> : null}
      {pending && pendingLabel ? pendingLabel : children}
    </button>
  );
}
