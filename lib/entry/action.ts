import "server-only";
import { ActionBindArgsValidationError, createSafeActionClient } from "next-safe-action";
import { z } from "zod";
import type { Permission } from "@/lib/policy";
import { parseForm, readForm, echoValues, type ErrorState, type FormState } from "@/lib/validation/form";
import { authorizeCaller, authorizeTarget, type Caller } from "./caller";
import { GENERIC_FAILURE, safeFailure } from "./failures";
import { loadTarget, targetMissing, type TargetKind, type TargetOf } from "./targets";

// Every server action is built here, on next-safe-action (ARCHITECTURE.md says why), in one
// order: the session → the role the policy asks for → zod parse of the bound arguments and the
// form → the organization-scoped load of the target → the action's own code → one mapping of
// whatever failed to a FormState a form can show (lib/validation/form.ts). Next.js' redirect()
// and forbidden() pass through untouched. lib/entry/README.md shows how to write one.

/** A form's fields: the schema, every field it may send (anything else is refused), and the fields never echoed back. */
export type FormSpec<S extends z.ZodType = z.ZodType> = { schema: S; fields: readonly string[]; secret?: readonly string[] };

/**
 * The form of an action. Its schema may depend on the target (a field's label, whether the
 * token is optional): then the fields are still checked first, and the schema runs right after
 * the target is loaded.
 */
export type ActionForm<S extends z.ZodType, T> = { schema: S | ((target: T) => S); fields: readonly string[]; secret?: readonly string[] };

/** The schema of a form: it reads the form's fields as strings. */
type FormFields = z.ZodType<unknown, Record<string, string>>;

const NO_FIELDS = { schema: z.object({}), fields: [] } satisfies FormSpec;
type NoFields = typeof NO_FIELDS.schema;

type Meta = {
  /** Log label: `area.verb`, e.g. `connections.check`. */
  name: string;
  /** null: anonymous by design (the handler decides who may). */
  permission: Permission | null;
  target: TargetKind | null;
  fields: readonly string[];
  secret: readonly string[];
  unexpected: string;
  invalidArgs: string;
};

type ArgsOut<A extends readonly z.ZodType[]> = { [I in keyof A]: z.output<A[I]> };
type ArgsIn<A extends readonly z.ZodType[]> = { [I in keyof A]: z.input<A[I]> };

type Common<S extends z.ZodType, A extends readonly z.ZodType[], T> = {
  /** Log label: `area.verb`, e.g. `connections.check`. */
  name: string;
  /** The form; omitted: a button form that sends no fields (any field is refused). */
  form?: ActionForm<S, T>;
  /** Bound arguments after the target id (`.bind(null, id, …)`), each parsed before anything runs. */
  args?: A;
  /** Shown instead of any unexpected failure (logged once); default: a generic message. */
  unexpected?: string;
};

type TargetValue<K extends TargetKind | undefined> = K extends TargetKind ? TargetOf<K> : undefined;

export type ActionConfig<K extends TargetKind | undefined, S extends z.ZodType, A extends readonly z.ZodType[]> = Common<S, A, TargetValue<K>> & {
  /** Who may: a permission of lib/policy.ts. */
  permission: Permission;
  /** The thing acted on: its id is the first bound argument, loaded in the caller's organization. */
  target?: K;
};

export type PublicActionConfig<S extends z.ZodType, A extends readonly z.ZodType[]> = Common<S, A, undefined> & {
  /** What a malformed bound argument (a link's token) is answered. */
  invalidArgs: string;
};

/** What the action's own code receives: who acts, on what, with which input. */
export type ActionContext<K extends TargetKind | undefined, S extends z.ZodType, A extends readonly z.ZodType[]> = Caller & {
  target: TargetValue<K>;
  input: z.output<S>;
  args: ArgsOut<A>;
  /** The form's non-secret fields as typed, to echo in an error state the action returns itself. */
  values: Record<string, string>;
};

export type PublicActionContext<S extends z.ZodType, A extends readonly z.ZodType[]> = {
  input: z.output<S>;
  args: ArgsOut<A>;
  values: Record<string, string>;
};

/** A server action as React's useActionState calls it, after `.bind(null, targetId, …args)`. */
export type KeelAction<K extends TargetKind | undefined, A extends readonly z.ZodType[]> = (
  ...args: [...(K extends TargetKind ? [targetId: string] : []), ...ArgsIn<A>, previous: FormState, formData: FormData]
) => Promise<FormState>;

function echoOf(clientInput: unknown, meta: Pick<Meta, "fields" | "secret">): Record<string, string> {
  return clientInput instanceof FormData ? echoValues(readForm(clientInput, meta.fields).values, meta.secret) : {};
}

function errorOf(code: NonNullable<ErrorState["code"]>, message: string, fieldErrors: ErrorState["fieldErrors"], values: ErrorState["values"]): ErrorState {
  return { status: "error", code, message, fieldErrors, values };
}

const client = createSafeActionClient({
  defineMetadataSchema: () => z.custom<Meta>(),
  handleServerError(error, { metadata, clientInput }): ErrorState {
    if (error instanceof ActionBindArgsValidationError) {
      // A tampered or stale `.bind()` argument: answered like a missing target.
      return metadata.target ? errorOf("NOT_FOUND", targetMissing(metadata.target).message, {}, {}) : errorOf("INVALID_INPUT", metadata.invalidArgs, {}, {});
    }
    const failure = safeFailure(`action.${metadata.name}`, error, metadata.unexpected);
    // A refused caller gets nothing back; everyone else keeps what they typed.
    const refused = failure.code === "UNAUTHENTICATED" || failure.code === "FORBIDDEN";
    return errorOf(failure.code, failure.message, failure.field ? { [failure.field]: [failure.message] } : {}, refused ? {} : echoOf(clientInput, metadata));
  },
});

/** Reads a FormData into its fields as text; a field the form does not have is refused. */
function fieldsOf(fields: readonly string[]) {
  return z
    .custom<FormData>((value) => value instanceof FormData)
    .transform((formData, ctx) => {
      const { values, unknown } = readForm(formData, fields);
      if (unknown.length > 0) {
        ctx.addIssue({ code: "custom", message: "unexpected fields" });
        return z.NEVER;
      }
      return values;
    });
}

/** The state of a form that did not parse: the same answer parseForm gives (field errors, echo, unknown fields). */
function formFailure(clientInput: unknown, spec: FormSpec): ErrorState {
  if (!(clientInput instanceof FormData)) {
    return errorOf("INVALID_INPUT", "This form could not be read. Reload the page and try again.", { _form: ["Not a form"] }, {});
  }
  const parsed = parseForm(clientInput, spec.schema, { fields: spec.fields, secretFields: spec.secret ?? [] });
  return parsed.ok ? errorOf("UNEXPECTED", GENERIC_FAILURE, {}, {}) : { ...parsed.state, code: "INVALID_INPUT" };
}

type Handler = (context: { caller: Caller | null; target: unknown; input: unknown; args: unknown[]; values: Record<string, string> }) => Promise<FormState>;

type AnyForm = ActionForm<z.ZodType, unknown>;

function build(meta: Meta, form: AnyForm, argSchemas: readonly z.ZodType[], handler: Handler): (...args: unknown[]) => Promise<FormState> {
  const { permission, target } = meta;
  const bound = [...(target ? [z.string()] : []), ...argSchemas];
  const staticSchema = typeof form.schema === "function" ? null : form.schema;
  const fieldsOnly = fieldsOf(form.fields);
  const safe = client
    .metadata(meta)
    .use(async ({ next }) => next({ ctx: { caller: permission === null ? null : await authorizeCaller(permission) } }))
    .bindArgsSchemas(bound)
    .inputSchema(staticSchema ? fieldsOnly.pipe(staticSchema as FormFields) : fieldsOnly, {
      handleValidationErrorsShape: async (_errors, { clientInput }) => formFailure(clientInput, { schema: staticSchema ?? z.unknown(), fields: form.fields, secret: form.secret ?? [] }),
    })
    .useValidated(async ({ next, ctx, bindArgsParsedInputs }) => {
      if (!target || permission === null || ctx.caller === null) {
        return next({ ctx: { target: undefined as unknown } });
      }
      const loaded: unknown = await loadTarget(target, ctx.caller.scope, bindArgsParsedInputs[0]);
      authorizeTarget(ctx.caller.scope, permission, loaded);
      return next({ ctx: { target: loaded } });
    })
    .stateAction(async ({ parsedInput, bindArgsParsedInputs, ctx, clientInput }) => {
      let input: unknown = parsedInput;
      if (typeof form.schema === "function") {
        // The schema that depends on the target, now that the target is known.
        const parsed = parseForm(clientInput as FormData, form.schema(ctx.target), { fields: form.fields, secretFields: form.secret ?? [] });
        if (!parsed.ok) {
          return { ...parsed.state, code: "INVALID_INPUT" } satisfies ErrorState;
        }
        input = parsed.data;
      }
      return handler({ caller: ctx.caller, target: ctx.target, input, args: bindArgsParsedInputs.slice(target ? 1 : 0), values: echoOf(clientInput, meta) });
    }) as unknown as (...args: unknown[]) => Promise<{ data?: FormState; serverError?: ErrorState; validationErrors?: ErrorState }>;
  return async (...args) => {
    const result = await safe(...args);
    return result.data ?? result.serverError ?? result.validationErrors ?? errorOf("UNEXPECTED", meta.unexpected, {}, {});
  };
}

/**
 * A server action for signed-in users the policy allows `permission`. With `target`, the first
 * bound argument is the target's id, loaded in the caller's organization (NOT_FOUND otherwise)
 * and, for rules that let creators act, checked against the policy once more.
 */
export function action<K extends TargetKind | undefined = undefined, S extends z.ZodType = NoFields, const A extends readonly z.ZodType[] = []>(
  config: ActionConfig<K, S, A>,
  handler: (context: ActionContext<K, S, A>) => Promise<FormState>,
): KeelAction<K, A> {
  const form = (config.form ?? NO_FIELDS) as AnyForm;
  const meta: Meta = {
    name: config.name,
    permission: config.permission,
    target: config.target ?? null,
    fields: form.fields,
    secret: form.secret ?? [],
    unexpected: config.unexpected ?? GENERIC_FAILURE,
    invalidArgs: GENERIC_FAILURE,
  };
  return build(meta, form, config.args ?? [], ({ caller, ...rest }) => handler({ ...(caller as Caller), ...rest } as ActionContext<K, S, A>)) as KeelAction<K, A>;
}

/**
 * A server action anyone may call, signed in or not (first-run setup, accepting an invitation):
 * the handler itself decides, from what the request carries. Everything else is as `action()`.
 */
export function publicAction<S extends z.ZodType = NoFields, const A extends readonly z.ZodType[] = []>(
  config: PublicActionConfig<S, A>,
  handler: (context: PublicActionContext<S, A>) => Promise<FormState>,
): KeelAction<undefined, A> {
  const form = (config.form ?? NO_FIELDS) as AnyForm;
  const meta: Meta = {
    name: config.name,
    permission: null,
    target: null,
    fields: form.fields,
    secret: form.secret ?? [],
    unexpected: config.unexpected ?? GENERIC_FAILURE,
    invalidArgs: config.invalidArgs,
  };
  return build(meta, form, config.args ?? [], ({ input, args, values }) => handler({ input, args, values } as PublicActionContext<S, A>)) as KeelAction<undefined, A>;
}
