import { describe, expect, it } from "vitest";
import { applyDeclaredLength, declaredLength, DECLARED_LENGTH_HEADER } from "./declared-length";

function headers(initial: Record<string, string>) {
  const map = new Map(Object.entries(initial));
  return { map, get: (name: string) => map.get(name), set: (name: string, value: string) => void map.set(name, value), remove: (name: string) => void map.delete(name) };
}

describe("a download's declared length", () => {
  it("goes out as Content-Length, and the internal header does not go out at all", () => {
    const out = headers({ "content-type": "application/octet-stream", ...declaredLength(209_715_200) });
    applyDeclaredLength(out);
    expect(Object.fromEntries(out.map)).toEqual({ "content-type": "application/octet-stream", "content-length": "209715200" });
  });

  it("is dropped when the body is sent encoded (its length is not the declared one) or the value is not a byte count", () => {
    for (const [extra, value] of [[{ "content-encoding": "gzip" }, "10"], [{ "transfer-encoding": "chunked" }, "10"], [{}, "-1"], [{}, "10, 12"], [{}, ""]] as const) {
      const out = headers({ ...extra, [DECLARED_LENGTH_HEADER]: value });
      applyDeclaredLength(out);
      expect(out.map.has("content-length")).toBe(false);
      expect(out.map.has(DECLARED_LENGTH_HEADER)).toBe(false);
    }
  });

  it("leaves a response without one as it is", () => {
    const out = headers({ "content-type": "application/json" });
    applyDeclaredLength(out);
    expect(Object.fromEntries(out.map)).toEqual({ "content-type": "application/json" });
  });
});
