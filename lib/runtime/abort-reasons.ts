// Abort reasons give up the stack frames they were created in (issue 17, memory under load).
//
// An Error keeps its stack as structured call sites until something reads `.stack`; each call
// site holds the function it ran and the receiver it ran on. For code that runs in an
// `Immediate` — React's Flight renderer flushes there — the first receiver is the `Immediate`
// object itself, and Node 20 leaves an executed `Immediate` linked to the ones queued after it
// (`_idleNext`), each carrying its request's AsyncLocalStorage context. When React finishes a
// render it aborts the request's cache controller with a fresh Error ("This render completed
// successfully…"), and that controller stays reachable from the request's stores. Put together,
// a finished request's abort reason kept the Immediate it was created in, which kept every
// Immediate queued after it, which kept those requests' contexts, responses, gzip streams and
// rendered output — under 50 users in a closed loop, thousands of finished requests and more
// than a gigabyte per web process (a heap snapshot, followed with WeakMap semantics, showed the
// chain end to end).
//
// Reading `.stack` formats the trace into a string and lets V8 drop the call sites, and with
// them the receivers. So every AbortController's reason has its stack formatted the moment it
// is aborted: the reason and its message stay exactly as they were, only the frames' objects are
// let go. It costs one stack formatting per aborted controller (microseconds; source maps are
// off in web processes). Installed once, by the web server, before Next.js loads.
const installed = Symbol.for("keel.abort-reasons.formatted");

type Patched = typeof AbortController.prototype.abort & { [installed]?: true };

export function formatAbortReasonStacks(): void {
  const proto = AbortController.prototype;
  const original = proto.abort as Patched;
  if (original[installed]) {
    return;
  }
  const abort: Patched = function abort(this: AbortController, reason?: unknown): void {
    original.call(this, reason);
    // The default reason (no argument) is a DOMException created inside abort(): read it back.
    const given: unknown = this.signal.reason;
    if (given instanceof Error) {
      try {
        void given.stack;
      } catch {
        // A throwing Error.prepareStackTrace is not this function's business: the abort happened.
      }
    }
  };
  abort[installed] = true;
  proto.abort = abort;
}
