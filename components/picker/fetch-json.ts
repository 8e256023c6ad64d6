import type { PickerProblem } from "@/lib/shared/problems";

/** The error body of Keel's JSON endpoints. */
export type ApiError = { code: string; message: string; fields?: Record<string, string[]>; problem?: PickerProblem };

export type ApiResult<T> = { ok: true; data: T } | { ok: false; status: number; error: ApiError };

/** GETs one of Keel's JSON endpoints; every failure comes back as a typed error with a message to show. */
export async function fetchJson<T>(url: string, signal?: AbortSignal): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store", ...(signal ? { signal } : {}) });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") {
      throw error;
    }
    return { ok: false, status: 0, error: { code: "NETWORK", message: "Keel could not be reached. Check your network connection and try again." } };
  }
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: handled below
  }
  if (response.ok && body !== null) {
    return { ok: true, data: body as T };
  }
  const error = (body as { error?: ApiError } | null)?.error;
  if (error && typeof error.message === "string") {
    return { ok: false, status: response.status, error };
  }
  return {
    ok: false,
    status: response.status,
    error: { code: "UNEXPECTED", message: response.status === 401 ? "Your session has ended. Sign in again to continue." : `Keel answered with HTTP ${response.status}. Try again.` },
  };
}

/** Builds a query string, skipping empty values. */
export function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") {
      search.set(key, String(value));
    }
  }
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}
