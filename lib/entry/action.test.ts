// The wrapper's own pipeline, through publicAction (no session needed): how bound arguments and
// forms are parsed, what a failure becomes, and that Next.js' redirect passes through. The
// session, role and target steps are exercised over HTTP by e2e/authorization-matrix.spec.ts.
import { redirect } from "next/navigation";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import type { FormState } from "@/lib/validation/form";
import { publicAction } from "./action";
import { GENERIC_FAILURE } from "./failures";

const idle: FormState = { status: "idle" };

function form(entries: Record<string, string>): FormData {
  const data = new FormData();
  for (const [key, value] of Object.entries(entries)) {
    data.append(key, value);
  }
  return data;
}

const schema = z.object({ name: z.string().min(3, "Name must be at least 3 characters"), secret: z.string().min(1, "Secret is required") });
const fields = ["name", "secret"] as const;

describe("publicAction", () => {
  it("hands the parsed form and bound arguments to the handler and returns its state", async () => {
    const handler = vi.fn(async ({ input, args }: { input: z.output<typeof schema>; args: readonly [number] }) => ({ status: "success" as const, message: `${input.name}:${args[0]}` }));
    const act = publicAction({ name: "test.ok", args: [z.number()], invalidArgs: "Bad link.", form: { schema, fields, secret: ["secret"] } }, handler);
    expect(await act(7, idle, form({ name: "Ada", secret: "s3" }))).toEqual({ status: "success", message: "Ada:7" });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("answers a form that does not parse with field errors, echoing what was typed but never a secret field", async () => {
    const handler = vi.fn();
    const act = publicAction({ name: "test.invalid", invalidArgs: "Bad link.", form: { schema, fields, secret: ["secret"] } }, handler);
    const state = await act(idle, form({ name: "Al", secret: "" }));
    expect(state).toMatchObject({ status: "error", code: "INVALID_INPUT", message: "Check the highlighted fields.", values: { name: "Al" } });
    expect(state.status === "error" && state.fieldErrors).toMatchObject({ name: ["Name must be at least 3 characters"], secret: ["Secret is required"] });
    expect(state.status === "error" && "secret" in state.values).toBe(false);
    expect(handler).not.toHaveBeenCalled();
  });

  it("refuses a field the form does not have, and input that is not a form", async () => {
    const handler = vi.fn();
    const act = publicAction({ name: "test.unknown", invalidArgs: "Bad link.", form: { schema, fields } }, handler);
    expect(await act(idle, form({ name: "Ada", secret: "x", role: "ADMIN" }))).toMatchObject({ status: "error", code: "INVALID_INPUT", message: expect.stringContaining("unexpected field: role") });
    expect(await act(idle, { name: "Ada" } as unknown as FormData)).toMatchObject({ status: "error", code: "INVALID_INPUT" });
    expect(handler).not.toHaveBeenCalled();
  });

  it("answers a tampered bound argument with its message before anything runs", async () => {
    const handler = vi.fn();
    const act = publicAction({ name: "test.args", args: [z.string().regex(/^[a-z]{20}$/)], invalidArgs: "This invitation link is not valid." }, handler);
    expect(await act("../../etc/passwd", idle, form({}))).toEqual({ status: "error", code: "INVALID_INPUT", message: "This invitation link is not valid.", fieldErrors: {}, values: {} });
    expect(handler).not.toHaveBeenCalled();
  });

  it("shows an expected AppError as it is, on its field, and keeps what was typed", async () => {
    const act = publicAction({ name: "test.conflict", invalidArgs: "Bad link.", form: { schema, fields, secret: ["secret"] } }, async () => {
      throw new AppError("CONFLICT", "That name is taken. Choose another.", { details: { field: "name" } });
    });
    expect(await act(idle, form({ name: "Ada", secret: "s3" }))).toEqual({
      status: "error",
      code: "CONFLICT",
      message: "That name is taken. Choose another.",
      fieldErrors: { name: ["That name is taken. Choose another."] },
      values: { name: "Ada" },
    });
  });

  it("replaces anything unexpected by the action's generic message, without its details", async () => {
    const act = publicAction({ name: "test.bug", invalidArgs: "Bad link.", unexpected: "Saving failed unexpectedly. Try again." }, async () => {
      throw new Error("connect ECONNREFUSED 10.0.0.5:5432 password=hunter2");
    });
    const state = await act(idle, form({}));
    expect(state).toMatchObject({ status: "error", code: "UNEXPECTED", message: "Saving failed unexpectedly. Try again." });
    expect(JSON.stringify(state)).not.toContain("hunter2");
    // An AppError marked unexpected is a bug too.
    const marked = publicAction({ name: "test.marked", invalidArgs: "Bad link." }, async () => {
      throw new AppError("CONFLICT", "internal detail", { expected: false });
    });
    expect(await marked(idle, form({}))).toMatchObject({ code: "UNEXPECTED", message: GENERIC_FAILURE });
  });

  it("lets Next.js' redirect through", async () => {
    const act = publicAction({ name: "test.redirect", invalidArgs: "Bad link." }, async () => {
      redirect("/somewhere");
    });
    await expect(act(idle, form({}))).rejects.toMatchObject({ digest: expect.stringContaining("NEXT_REDIRECT") });
  });
});
