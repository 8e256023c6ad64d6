import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";
import type { OAuthFailureReason } from "./failures";

/**
 * Per-request state of one next-auth call (the route handler runs NextAuth inside it): the
 * precise reason a callback failed, which next-auth itself reduces to "OAuthCallback". Only
 * the first reason noted counts — it is the cause, later ones are consequences.
 */
type FlowState = { failure?: { reason: OAuthFailureReason; providerError?: string } };

const storage = new AsyncLocalStorage<FlowState>();

/** Runs `fn` (a NextAuth call) with a fresh flow state; returns its result and the state. */
export async function runOAuthFlow<T>(fn: () => Promise<T>): Promise<{ result: T; state: FlowState }> {
  const state: FlowState = {};
  const result = await storage.run(state, fn);
  return { result, state };
}

/** Records why this callback failed (ignored outside a flow and after the first reason). */
export function noteOAuthFailure(reason: OAuthFailureReason, providerError?: string): void {
  const state = storage.getStore();
  if (state && !state.failure) {
    state.failure = providerError === undefined ? { reason } : { reason, providerError };
  }
}
