import LoaderCircleIcon from "lucide-react/icons/loader-circle";

/** A small inline spinner; decorative (the surrounding text says what is happening). */
export function Spinner({ className = "h-4 w-4" }: { className?: string }) {
  return <LoaderCircleIcon className={`shrink-0 animate-spin ${className}`} aria-hidden="true" />;
}
