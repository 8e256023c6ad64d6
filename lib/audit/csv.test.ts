import { describe, expect, it } from "vitest";
import { csvCell, csvDownload, csvLine } from "./csv";

describe("the audit CSV", () => {
  it("neutralises cells a spreadsheet would run as a formula", () => {
    for (const dangerous of ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]) {
      expect(csvCell(dangerous).startsWith(`"'`), dangerous).toBe(true);
    }
    expect(csvCell("Connection deleted")).toBe('"Connection deleted"');
    expect(csvCell("a=b")).toBe('"a=b"');
  });

  it("quotes every cell, doubles quotes, keeps commas and line breaks inside the cell", () => {
    expect(csvLine(['say "hi"', "a,b", "two\nlines", null, 3])).toBe('"say ""hi""","a,b","two\nlines","","3"\r\n');
    expect(csvCell(new Date("2026-12-04T10:00:00Z"))).toBe('"2026-12-04T10:00:00.000Z"');
    expect(csvCell({ name: "x" })).toBe('"{""name"":""x""}"');
  });

  it("scrubs anything shaped like a credential, even in data that should never hold one", () => {
    const pat = `${"a".repeat(76)}AZDO${"b".repeat(4)}`;
    expect(csvCell(`token ${pat}`)).not.toContain(pat);
    expect(csvCell("Authorization: Basic dXNlcjpwYXNzd29yZA==")).not.toContain("dXNlcjpwYXNzd29yZA==");
    expect(csvCell("smtp://keel:hunter2@mail.example.com")).not.toContain("hunter2");
  });
});

describe("a CSV download", () => {
  it("streams the header and every row the batches yield, as an attachment that is never cached", async () => {
    const response = csvDownload("keel-test.csv", ["Name", "Note"], async function* () {
      yield ["Ada", "=1+1"];
      await new Promise((resolve) => setTimeout(resolve, 5));
      yield ["Grace", 'said "hi"'];
    });
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename="keel-test.csv"; filename*=UTF-8''keel-test.csv`);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.text()).toBe('"Name","Note"\r\n"Ada","\'=1+1"\r\n"Grace","said ""hi"""\r\n');
  });

  it("reads the rows only as fast as the client reads the file, a chunk at a time", async () => {
    let produced = 0;
    const response = csvDownload("keel-test.csv", ["Row"], async function* () {
      for (let index = 0; index < 20_000; index += 1) {
        produced += 1;
        yield [`row ${index} ${"x".repeat(90)}`];
      }
    });
    const reader = response.body!.getReader();
    const first = await reader.read();
    // One chunk holds the header and some hundreds of rows; the rest wait for the reader.
    expect(first.value!.byteLength).toBeGreaterThan(60 * 1024);
    expect(produced).toBeLessThan(2_000);
    let total = first.value!.byteLength;
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      total += next.value.byteLength;
    }
    expect(produced).toBe(20_000);
    // Every row once, nothing lost between chunks.
    let expected = Buffer.byteLength(csvLine(["Row"]));
    for (let index = 0; index < 20_000; index += 1) {
      expected += Buffer.byteLength(csvLine([`row ${index} ${"x".repeat(90)}`]));
    }
    expect(total).toBe(expected);
  });

  it("ends with an error when a batch fails, so a half-written file never looks complete", async () => {
    const response = csvDownload("keel-test.csv", ["Name"], async function* () {
      yield ["Ada"];
      throw new Error("the database went away");
    });
    await expect(response.text()).rejects.toThrow("the database went away");
  });
});
