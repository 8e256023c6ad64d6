import { codeSpans } from "@/lib/shared/names";

/** A hint written once in plain text, its `backticked` commands shown as code (no stray backticks). */
export function TextWithCode({ text }: { text: string }) {
  return (
    <>
      {codeSpans(text).map((span, index) =>
        span.code ? (
          <code key={index} className="rounded bg-slate-100 px-1 font-mono text-[0.9em]">
            {span.text}
          </code>
        ) : (
          <span key={index}>{span.text}</span>
        ),
      )}
    </>
  );
}
