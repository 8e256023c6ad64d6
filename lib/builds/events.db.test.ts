import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "@/lib/testing/db";
import { testScope } from "@/lib/testing/scopes";
import { pickerTestDatabase, seedConnection, seedOrganization } from "@/lib/repositories/test-support";
import type { Scope } from "@/lib/scope";

// The build page's event stream, read from PostgreSQL: resuming after a line id, state
// changes, the end, and nothing for another organization's build.

let database: TestDatabase;
let scope: Scope;
let other: Scope;
let buildId: string;

async function collect(stream: ReadableStream<Uint8Array>): Promise<{ event: string; id?: string; data: unknown }[]> {
  const text = await new Response(stream).text();
  return text
    .split("\n\n")
    .filter((block) => block.includes("event: "))
    .map((block) => ({ event: /^event: (.*)$/m.exec(block)![1]!, id: /^id: (.*)$/m.exec(block)?.[1], data: JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as unknown }));
}

beforeAll(async () => {
  database = await pickerTestDatabase();
  const seeded = await seedOrganization(database);
  scope = testScope(seeded.organizationId, seeded.memberId, "MEMBER");
  const stranger = await seedOrganization(database, "Another org");
  other = testScope(stranger.organizationId, stranger.adminId);
  const connection = await seedConnection(database, seeded, { origin: "https://dev.azure.com", collection: "fabrikam", token: "x".repeat(52) });
  const profile = await database.prisma.buildProfile.create({
    data: { organizationId: seeded.organizationId, connectionId: connection.id, name: "Wallet", nameKey: "wallet", platform: "IOS", projectId: "p", projectName: "P", repositoryId: "r", repositoryName: "R" },
  });
  const build = await database.prisma.build.create({
    data: { organizationId: seeded.organizationId, profileId: profile.id, number: 1, status: "SUCCEEDED", trigger: "MANUAL", idempotencyKey: "k", commitId: "a".repeat(40), steps: [], timeoutSeconds: 60, startedAt: new Date(), finishedAt: new Date(), logLines: 8 },
  });
  buildId = build.id;
  await database.prisma.buildLogLine.createMany({ data: Array.from({ length: 8 }, (_, seq) => ({ buildId, seq, step: 1, stream: "OUT" as const, text: `line ${seq}` })) });
});

afterAll(async () => {
  await database?.drop();
});

describe("the build event stream", () => {
  it("sends the state, the lines after the given id (with the last id), then ends", async () => {
    const { buildEventStream } = await import("./events");
    const events = await collect(buildEventStream(scope, buildId, 4, new AbortController().signal, { pollMs: 10 }));
    expect(events.map((event) => event.event)).toEqual(["state", "lines", "end"]);
    expect((events[0]!.data as { status: string }).status).toBe("SUCCEEDED");
    expect((events[1]!.data as { text: string }[]).map((line) => line.text)).toEqual(["line 5", "line 6", "line 7"]);
    expect(events[1]!.id).toBe("7");
    expect(events[2]!.data).toEqual({ status: "SUCCEEDED" });
  });

  it("sends another organization nothing of the build", async () => {
    const { buildEventStream } = await import("./events");
    const events = await collect(buildEventStream(other, buildId, -1, new AbortController().signal, { pollMs: 10 }));
    expect(events.map((event) => event.event)).toEqual(["gone"]);
  });
});
