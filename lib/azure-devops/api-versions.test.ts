import { describe, expect, it } from "vitest";

import { chooseApiVersion, compareApiVersions, isSupportedServer, parseApiVersion, productFromCeiling, summarizeLocations } from "./api-versions";
import type { ApiResourceLocation } from "./types";

function location(maxVersion: string, releasedVersion: string): ApiResourceLocation {
  return { id: "x", area: "git", resourceName: "r", routeTemplate: "_apis/r", resourceVersion: 1, minVersion: "1.0", maxVersion, releasedVersion };
}

describe("api versions", () => {
  it("parses and compares major.minor numerically, ignoring -preview", () => {
    expect(parseApiVersion("7.1-preview.3")).toEqual({ major: 7, minor: 1 });
    expect(parseApiVersion("seven")).toBeNull();
    expect(compareApiVersions("10.0", "9.9")).toBeGreaterThan(0);
    expect(compareApiVersions("6.0", "6.1")).toBeLessThan(0);
  });

  it.each([
    ["hosted", "7.2", "Azure DevOps Services"],
    ["hosted", null, "Azure DevOps Services"],
    ["onPremises", "7.2", "Azure DevOps Server"],
    ["onPremises", "7.1", "Azure DevOps Server 2022.1"],
    ["onPremises", "7.0", "Azure DevOps Server 2022"],
    ["onPremises", "6.1", "Azure DevOps Server 2020"],
    ["onPremises", "6.0", "Azure DevOps Server 2020"],
    ["onPremises", "5.1", "Azure DevOps Server 2019"],
    ["onPremises", "5.0", "Azure DevOps Server 2019"],
    ["onPremises", "4.1", "Team Foundation Server 2018"],
    ["onPremises", "4.0", "Team Foundation Server 2018"],
    ["onPremises", "3.2", "Team Foundation Server 2017"],
    ["onPremises", "2.3", "Team Foundation Server 2015 or older"],
    ["onPremises", "1.0", "Team Foundation Server 2015 or older"],
    ["onPremises", null, "Unknown Azure DevOps Server"],
  ] as const)("%s with ceiling %s is %s", (deploymentType, ceiling, product) => {
    expect(productFromCeiling(deploymentType, ceiling)).toBe(product);
  });

  it("supports Services and Server 2020 or newer only", () => {
    expect(isSupportedServer("Azure DevOps Services")).toBe(true);
    expect(isSupportedServer("Azure DevOps Server 2020")).toBe(true);
    expect(isSupportedServer("Azure DevOps Server")).toBe(true);
    expect(isSupportedServer("Azure DevOps Server 2019")).toBe(false);
    expect(isSupportedServer("Team Foundation Server 2018")).toBe(false);
    expect(isSupportedServer("Unknown Azure DevOps Server")).toBe(false);
  });

  it("chooses min(7.1, released), and the product's released version when OPTIONS said nothing", () => {
    expect(chooseApiVersion({ product: "Azure DevOps Services", ceiling: "7.2", released: "7.1" })).toBe("7.1");
    expect(chooseApiVersion({ product: "Azure DevOps Server", ceiling: "7.2", released: "7.2" })).toBe("7.1");
    expect(chooseApiVersion({ product: "Azure DevOps Server 2020", ceiling: "6.1", released: null })).toBe("6.0");
    expect(chooseApiVersion({ product: "Azure DevOps Server 2022", ceiling: "7.0", released: null })).toBe("7.0");
    expect(chooseApiVersion({ product: "Team Foundation Server 2018", ceiling: "4.1", released: null })).toBe("4.1");
    expect(chooseApiVersion({ product: "Unknown Azure DevOps Server", ceiling: null, released: null })).toBe("7.1");
  });

  it("summarizes OPTIONS locations, ignoring never-released resources", () => {
    expect(summarizeLocations([location("7.2", "7.1"), location("7.2", "0.0"), location("6.0", "6.0")])).toEqual({ maxVersion: "7.2", releasedVersion: "7.1" });
    expect(summarizeLocations([location("7.2", "0.0")])).toEqual({ maxVersion: "7.2", releasedVersion: null });
    expect(summarizeLocations([])).toEqual({ maxVersion: null, releasedVersion: null });
  });
});
