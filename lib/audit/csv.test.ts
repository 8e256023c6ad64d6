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
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="keel-test.csv"');
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.text()).toBe('"Name","Note"\r\n"Ada","\'=1+1"\r\n"Grace","said ""hi"""\r\n');
  });

  it("ends with an error when a batch fails, so a half-written file never looks complete", async () => {
    const response = csvDownload("keel-test.csv", ["Name"], async function* () {
      yield ["Ada"];
      throw new Error("the database went away");
    });
    await expect(response.text()).rejects.toThrow("the database went away");
  });
});
