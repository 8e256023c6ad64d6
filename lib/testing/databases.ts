import pg from "pg";

/**
 * Drops (disconnecting anyone still on it) and creates a database on the server `adminUrl`
 * points at; returns the URL of the new database. Used by Vitest's global setup (the template),
 * `npm test` (the browser tests' database) and the benchmark, each for a database of its own.
 */
export async function recreateDatabase(adminUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) {
    throw new Error(`Not a plain database name: ${name}`);
  }
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
