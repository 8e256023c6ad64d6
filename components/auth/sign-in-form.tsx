"use client";

import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/field";
import { DEFAULT_AFTER_SIGN_IN, safeRedirectPath } from "@/lib/shared/safe-redirect";

type Problem = { message: string; fieldErrors: Record<string, string[]> };

function describe(error: string): Problem {
  try {
    const payload = JSON.parse(error) as { code?: string; fieldErrors?: Record<string, string[]>; retryAfterSeconds?: number };
    if (payload.code === "INVALID_INPUT") {
      return { message: "Check the highlighted fields.", fieldErrors: payload.fieldErrors ?? {} };
    }
    if (payload.code === "RATE_LIMITED") {
      const minutes = Math.max(1, Math.ceil((payload.retryAfterSeconds ?? 60) / 60));
      return {
        message: `Too many failed sign-in attempts. Wait ${minutes} minute${minutes === 1 ? "" : "s"} and try again, or ask an admin to check your account.`,
        fieldErrors: {},
      };
    }
  } catch {
    // fall through: next-auth's own codes
  }
  return { message: "Wrong email or password.", fieldErrors: {} };
}

/** Email + password sign-in through next-auth's Credentials provider. */
export function SignInForm({ callbackUrl, initialEmail }: { callbackUrl: string; initialEmail?: string }) {
  const router = useRouter();
  const [problem, setProblem] = useState<Problem | null>(null);
  const [pending, startTransition] = useTransition();

  return (
    <form
      // Before the script runs (a slow connection, scripts blocked) the browser sends the form
      // itself: POST keeps the password out of the address, the history and access logs. Keel
      // answers that post with this page again; signing in needs the script.
      method="post"
      noValidate
      className="space-y-5"
      onSubmit={(event) => {
        event.preventDefault();
        const data = new FormData(event.currentTarget);
        setProblem(null);
        startTransition(async () => {
          const result = await signIn("credentials", {
            redirect: false,
            email: String(data.get("email") ?? ""),
            password: String(data.get("password") ?? ""),
          });
          if (!result || result.error) {
            setProblem(describe(result?.error ?? ""));
            return;
          }
          // The page already checked it; checked again where the browser is sent.
          router.replace(safeRedirectPath(callbackUrl) ?? DEFAULT_AFTER_SIGN_IN);
          router.refresh();
        });
      }}
    >
      {problem ? (
        <Alert tone="error" title="Could not sign in">
          <p>{problem.message}</p>
        </Alert>
      ) : null}
      <TextField label="Email" name="email" type="email" autoComplete="username" required defaultValue={initialEmail} errors={problem?.fieldErrors.email} />
      <TextField label="Password" name="password" type="password" autoComplete="current-password" required errors={problem?.fieldErrors.password} />
      <Button type="submit" className="w-full" pending={pending} pendingLabel="Signing in…">
        Sign in
      </Button>
    </form>
  );
}
