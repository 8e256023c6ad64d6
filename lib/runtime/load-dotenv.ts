// A .env in the project root configures the launcher the same way Next.js configures
// the server. Imported first by keel.ts, before any module reads the configuration;
// variables already set in the environment are not overridden.
import { existsSync } from "node:fs";

if (existsSync(".env")) {
  process.loadEnvFile(".env");
}
