import v8 from "node:v8";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { formatAbortReasonStacks } from "./abort-reasons";

// A full collection on demand, without restarting the test process with --expose-gc.
v8.setFlagsFromString("--expose-gc");
const collectGarbage = vm.runInNewContext("gc") as () => void;

// Runs `work` as a method of a large object, the way Node runs an Immediate's callback with the
// Immediate as its receiver, and reports whether that object outlives the call while the aborted
// controller is kept.
function runUnder(work: (controller: AbortController) => void, kept: AbortController[]): WeakRef<object> {
  const receiver = {
    payload: new Array<number>(100_000).fill(1),
    run(): void {
      const controller = new AbortController();
      work(controller);
      kept.push(controller);
    },
  };
  receiver.run();
  return new WeakRef(receiver);
}

async function receiverOutlives(work: (controller: AbortController) => void): Promise<boolean> {
  const kept: AbortController[] = [];
  const ref = runUnder(work, kept);
  await new Promise((resolve) => setTimeout(resolve, 0));
  collectGarbage();
  expect(kept[0]?.signal.aborted).toBe(true);
  return ref.deref() !== undefined;
}

describe("abort reasons' stacks", () => {
  it("without the fix, an abort reason keeps the receiver it was created under (the leak this guards)", async () => {
    // Runs first in this file, before the next test installs the fix in this process.
    expect(await receiverOutlives((c) => c.abort(new Error("This render completed successfully.")))).toBe(true);
  });

  it("after formatAbortReasonStacks, neither a given Error nor the default DOMException keeps it", async () => {
    formatAbortReasonStacks();
    expect(await receiverOutlives((c) => c.abort(new Error("This render completed successfully.")))).toBe(false);
    expect(await receiverOutlives((c) => c.abort())).toBe(false);
  });

  it("leaves the reason, the message and the stack's text as they were, and installs once", () => {
    formatAbortReasonStacks();
    const patched = AbortController.prototype.abort;
    formatAbortReasonStacks();
    expect(AbortController.prototype.abort).toBe(patched);

    const controller = new AbortController();
    const reason = new Error("done");
    let seen: unknown;
    controller.signal.addEventListener("abort", () => (seen = controller.signal.reason));
    controller.abort(reason);
    expect(seen).toBe(reason);
    expect(controller.signal.reason).toBe(reason);
    expect(reason.stack).toMatch(/^Error: done\n\s+at /);

    const plain = new AbortController();
    plain.abort();
    expect(plain.signal.reason).toBeInstanceOf(DOMException);
    expect((plain.signal.reason as DOMException).name).toBe("AbortError");
    const value = new AbortController();
    value.abort("a string reason");
    expect(value.signal.reason).toBe("a string reason");
  });
});
