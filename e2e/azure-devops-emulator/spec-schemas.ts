import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import AjvModule, { type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

/**
 * Compiles Microsoft's swagger definitions (MicrosoftDocs/vsts-rest-api-specs, vendored in
 * ./specs with their MIT license, see specs/README.md) into JSON-schema validators for the
 * conformance test.
 *
 * "Strict" mode adds what swagger leaves implicit, so the test can actually fail: `allOf`
 * bases are merged into one object and every object definition gets
 * `additionalProperties: false` — a response field the spec does not define is an error.
 * The few places where the spec is known to be incomplete are listed in SPEC_PATCHES with a
 * reason, and the test proves the strict schemas still accept Microsoft's own examples.
 */

type Json = Record<string, unknown>;

// ajv and ajv-formats are CommonJS; under ESM the callable may sit on `.default`.
const Ajv = ((AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule) as typeof AjvModule;
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as typeof addFormatsModule;

/** Where the vendored specs live: inside the repository, so a fresh clone has them. */
export const SPECS_DIR = fileURLToPath(new URL("./specs", import.meta.url));

export type SpecArea = "core" | "git" | "hooks" | "profile" | "account";
export type SpecVersion = "7.1" | "azure-devops-server-5.0" | "azure-devops-server-6.0" | "azure-devops-server-7.1";

const FILES: Record<SpecArea, [string, string]> = {
  core: ["core.json", "core-onprem.json"],
  git: ["git.json", "git-onprem.json"],
  hooks: ["serviceHooks.json", "serviceHooks-onprem.json"],
  profile: ["profile.json", "profile.json"],
  account: ["accounts.json", "accounts.json"],
};

/** Path of a spec file. */
export function specPath(area: SpecArea, version: SpecVersion): string {
  const [cloud, onPrem] = FILES[area];
  return join(SPECS_DIR, area, version, version === "7.1" ? cloud : onPrem);
}

/** Definitions that stay open (dictionaries in practice, whatever swagger says). */
const OPEN_DEFINITIONS = new Set(["ReferenceLinks", "PropertiesCollection"]);

/**
 * Known gaps in the specs, each with its reason. Extra properties are allowed on top of the
 * strict schema; replaced properties swap a wrong swagger type for the wire type.
 */
export const SPEC_PATCHES: Record<string, { extraProperties?: Record<string, Json>; replace?: Record<string, Json>; reason: string }> = {
  Profile: {
    extraProperties: {
      displayName: { type: "string" },
      publicAlias: { type: "string" },
      emailAddress: { type: "string" },
    },
    reason: "The Profile definition omits displayName/publicAlias/emailAddress, which Microsoft's own example (GET__profile_profiles_me.json) returns with details=true.",
  },
  Avatar: {
    replace: { value: { type: "string", format: "byte" } },
    reason: "Avatar.value is byte[]; the service serializes it as one base64 string (next-auth reads coreAttributes.Avatar.value.value), not an array.",
  },
  CoreProfileAttribute: {
    replace: { value: { $ref: "#/definitions/Avatar" } },
    reason: "ProfileAttributeBase<T>.value is generic (format \"T\"); for the Avatar core attribute T is Avatar.",
  },
  Subscription: {
    replace: { probationRetries: { type: "integer", minimum: 0, maximum: 255 } },
    reason: "probationRetries is a .NET Byte, serialized as a number; swagger's `format: byte` reads as a base64 string.",
  },
  Event: {
    extraProperties: { subscriptionId: { type: "string", format: "uuid" }, notificationId: { type: "integer" } },
    reason: "Deliveries carry subscriptionId and notificationId (docs/azure-devops-facts.md §1.6), which the Event definition lacks.",
  },
};

/** Merges `allOf` bases into the definition itself (recursively). */
function flatten(name: string, definitions: Record<string, Json>, seen = new Set<string>()): Json {
  const definition = definitions[name];
  if (!definition) {
    throw new Error(`No definition ${name}`);
  }
  if (seen.has(name)) {
    return definition;
  }
  seen.add(name);
  const result: Json = { ...definition };
  const properties: Record<string, Json> = {};
  for (const part of (definition.allOf as Json[] | undefined) ?? []) {
    const ref = typeof part.$ref === "string" ? part.$ref.replace("#/definitions/", "") : undefined;
    const base = ref === undefined ? part : flatten(ref, definitions, seen);
    Object.assign(properties, (base.properties as Record<string, Json> | undefined) ?? {});
  }
  Object.assign(properties, (definition.properties as Record<string, Json> | undefined) ?? {});
  delete result.allOf;
  if (Object.keys(properties).length > 0 || definition.type === "object") {
    result.properties = properties;
  }
  return result;
}

/** The definitions of a spec, flattened and (when strict) closed. */
function prepareDefinitions(spec: Json, strict: boolean): Record<string, Json> {
  const raw = spec.definitions as Record<string, Json>;
  const prepared: Record<string, Json> = {};
  for (const name of Object.keys(raw)) {
    const definition = flatten(name, raw);
    const patch = SPEC_PATCHES[name];
    if (patch) {
      const properties = { ...((definition.properties as Record<string, Json> | undefined) ?? {}) };
      Object.assign(properties, patch.replace ?? {}, patch.extraProperties ?? {});
      definition.properties = properties;
    }
    if (strict && !OPEN_DEFINITIONS.has(name) && definition.properties !== undefined && definition.additionalProperties === undefined) {
      definition.additionalProperties = false;
    }
    prepared[name] = definition;
  }
  return prepared;
}

/** Validators for one spec file. */
export class SpecSchemas {
  private readonly ajv: InstanceType<typeof AjvModule>;
  private readonly definitions: Record<string, Json>;
  private readonly cache = new Map<string, ValidateFunction>();
  readonly source: string;

  constructor(area: SpecArea, version: SpecVersion, strict = true) {
    this.source = specPath(area, version);
    // Some spec files start with a UTF-8 BOM.
    const spec = JSON.parse(readFileSync(this.source, "utf8").replace(/^\uFEFF/, "")) as Json;
    this.definitions = prepareDefinitions(spec, strict);
    // strict:false tolerates swagger extensions (x-ms-*) and the unknown format "T".
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    // Swagger formats ajv does not know: .NET Int16, and the generic parameter "T".
    this.ajv.addFormat("int16", { type: "number", validate: (value: number) => Number.isInteger(value) && value >= -32_768 && value <= 32_767 });
    this.ajv.addFormat("T", true);
  }

  /** Names of every definition in the spec. */
  has(definition: string): boolean {
    return this.definitions[definition] !== undefined;
  }

  private validator(definition: string, list: boolean): ValidateFunction {
    const key = `${definition}|${String(list)}`;
    const cached = this.cache.get(key);
    if (cached) {
      return cached;
    }
    if (!this.has(definition)) {
      throw new Error(`${this.source} has no definition ${definition}`);
    }
    const target = { $ref: `#/definitions/${definition}` };
    const schema = list
      ? {
          type: "object",
          required: ["count", "value"],
          additionalProperties: false,
          properties: { count: { type: "integer" }, value: { type: "array", items: target } },
          definitions: this.definitions,
        }
      : { ...target, definitions: this.definitions };
    const compiled = this.ajv.compile(schema);
    this.cache.set(key, compiled);
    return compiled;
  }

  /** Validation errors of `data` against a definition (a `{count,value}` list when `list`). */
  errors(definition: string, data: unknown, list = false): string[] {
    const validate = this.validator(definition, list);
    if (validate(data)) {
      return [];
    }
    return (validate.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message ?? ""} ${JSON.stringify(error.params)}`);
  }
}
