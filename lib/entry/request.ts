import "server-only";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { searchParamsObject } from "@/lib/validation/list-query";
import { queryErrors } from "@/lib/validation/profiles";

/** A route's input: path parameters besides the target's `id`, the query string, a JSON body. */
export type RequestSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> = { params?: P; query?: Q; body?: B };

/** A request that did not parse: INVALID_INPUT with each bad field named (the JSON answer's `fields`). */
export class InvalidRequest extends AppError {
  readonly fields: Record<string, string[]>;

  constructor(fields: Record<string, string[]>) {
    super("INVALID_INPUT", Object.values(fields)[0]?.[0] ?? "The request is not valid.");
    this.fields = fields;
  }
}

/** Bodies above this are refused before they are parsed (Keel's JSON requests are small). */
export const MAX_BODY_BYTES = 256 * 1024;

const NO_QUERY = z.strictObject({});

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new InvalidRequest(queryErrors(parsed.error));
  }
  return parsed.data;
}

/**
 * Parses a route's input with strict schemas (no query parameter unless the route declares it)
 * and, for methods that change state, refuses a cross-origin request (SECURITY.md: route
 * handlers that change state check Origin; not the token API, whose callers send their token
 * themselves) and a body that is not JSON or too large.
 */
export async function parseRequest<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  request: Request,
  pathParams: Record<string, string | string[]>,
  spec: RequestSpec<P, Q, B>,
  /** Keel's own origin, which state-changing requests must come from; null for the token API (no cookie, so nothing to forge). */
  publicOrigin: string | null,
): Promise<{ params: z.output<P>; query: z.output<Q>; body: z.output<B> }> {
  if (publicOrigin !== null && !SAFE_METHODS.has(request.method)) {
    const origin = request.headers.get("origin");
    if (origin === null || origin !== publicOrigin) {
      throw new AppError("FORBIDDEN", "This request did not come from Keel's own pages.");
    }
  }
  const params = spec.params ? parse(spec.params, pathParams) : undefined;
  const query = parse(spec.query ?? NO_QUERY, searchParamsObject(new URL(request.url).searchParams));
  let body: unknown;
  if (spec.body) {
    if (Number(request.headers.get("content-length") ?? 0) > MAX_BODY_BYTES) {
      throw new InvalidRequest({ _body: [`The request body must be at most ${MAX_BODY_BYTES / 1024} KiB`] });
    }
    const text = await request.text();
    if (Buffer.byteLength(text) > MAX_BODY_BYTES) {
      throw new InvalidRequest({ _body: [`The request body must be at most ${MAX_BODY_BYTES / 1024} KiB`] });
    }
    let json: unknown;
    try {
      // No body at all (curl -X POST): the schema sees undefined, and says whether it needs one.
      json = text.trim() === "" ? undefined : JSON.parse(text);
    } catch {
      throw new InvalidRequest({ _body: ["The request body must be JSON"] });
    }
    body = parse(spec.body, json);
  }
  return { params, query, body } as { params: z.output<P>; query: z.output<Q>; body: z.output<B> };
}
