// The query string of a list page (/connections, /profiles, /builds, /settings/members,
// /settings/audit): its filters, sort and page. One rule for all of them, because they are all
// filled in by the same kind of form and edited by hand in the address bar:
// - an empty value is no filter: a GET form submits every field, so "Any status" arrives as
//   `status=` and a date left blank as `from=`;
// - a bad parameter is named and ignored, and the others still apply (one mistyped date does not
//   throw away the rest of a search);
// - nothing from the address is repeated on the page: the messages are the schema's own words.
import { z } from "zod";
import { CONTROL_OR_INVISIBLE } from "@/lib/shared/names";

/** A list's page number (`page=`), 1 when absent. */
export const listPageField = z.coerce.number({ error: "Page must be a number" }).int("Page must be a whole number").min(1, "Page must be at least 1").max(10_000, "Page is too large").default(1);

/** A list's search box (`q=`): trimmed, one line, at most 200 characters. */
export const listSearchField = z
  .string()
  .max(200, "Search must be at most 200 characters")
  .refine((value) => !CONTROL_OR_INVISIBLE.test(value), "Search must not contain control characters")
  .transform((value) => value.trim())
  .optional();

/** A list's sort direction (`order=`), ascending when absent. */
export const listOrderField = z.enum(["asc", "desc"], { error: "Order must be asc or desc" }).default("asc");

/** Reads URLSearchParams (or Next.js' searchParams) into a plain object; a repeated key is kept as a list (and refused). */
export function searchParamsObject(params: URLSearchParams | Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const entries: [string, string][] = params instanceof URLSearchParams ? [...params.entries()] : Object.entries(params).flatMap(([key, value]) => (value === undefined ? [] : Array.isArray(value) ? value.map((item) => [key, item] as [string, string]) : [[key, value] as [string, string]]));
  for (const [key, value] of entries) {
    const previous = out[key];
    out[key] = previous === undefined ? value : Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return out;
}

/** What a page says about parameters it does not read (never their names: they come from the address). */
function unknownParametersProblem(count: number): string {
  return `The address had ${count === 1 ? "a parameter" : "parameters"} this page does not know`;
}

/**
 * Parses a list page's query parameter by parameter (see the rules above): the parsed query, with
 * a bad parameter left at its default, and a message for each parameter that was ignored.
 */
export function parseListQuery<Shape extends z.ZodRawShape>(schema: z.ZodObject<Shape>, raw: Record<string, string | string[]>): { query: z.output<z.ZodObject<Shape>>; problems: string[] } {
  const shape = schema.shape;
  const problems: string[] = [];
  const kept: Record<string, string> = {};
  let unknown = 0;
  for (const [key, value] of Object.entries(raw)) {
    if (!Object.hasOwn(shape, key)) {
      unknown += 1;
      continue;
    }
    if (value === "") {
      continue;
    }
    if (Array.isArray(value)) {
      problems.push(`${key} must be given once`);
      continue;
    }
    const field = (shape[key] as z.ZodType).safeParse(value);
    if (field.success) {
      kept[key] = value;
    } else {
      problems.push(field.error.issues[0]?.message ?? `${key} is not valid`);
    }
  }
  if (unknown > 0) {
    problems.unshift(unknownParametersProblem(unknown));
  }
  // Each kept value parsed on its own; the object's defaults fill in the rest.
  return { query: schema.parse(kept), problems: [...new Set(problems)] };
}

/**
 * The address of a list page for a query: `path` with each value that is set and differs from
 * its default (`defaults`: the page is 1 unless said otherwise), in the order given — so the
 * defaults give the bare path, and a link never carries what the page would assume anyway.
 */
export function listHref(path: string, values: Record<string, string | number | null | undefined>, defaults: Record<string, string | number> = {}): string {
  const params = new URLSearchParams();
  const fallback: Record<string, string | number> = { page: 1, ...defaults };
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== null && value !== "" && value !== fallback[key]) {
      params.set(key, String(value));
    }
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}
