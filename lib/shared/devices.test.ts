import { describe, expect, it } from "vitest";
import { appleDeviceList, deviceAttributesSchema, normalizeUdid, testerNameSchema } from "./devices";

// What iOS sends about a device, and the list Apple's "Register Multiple Devices" takes.

describe("testers' devices", () => {
  it("take both forms of UDID, each in the case Apple shows it, and refuse anything else", () => {
    expect(normalizeUdid(" 00008030-001a2d3e0c38802e ")).toBe("00008030-001A2D3E0C38802E");
    expect(normalizeUdid("A1B2C3D4E5F60718293A4B5C6D7E8F9012345678")).toBe("a1b2c3d4e5f60718293a4b5c6d7e8f9012345678");
    for (const bad of ["", "00008030-001A2D3E0C38802", "00008030001A2D3E0C38802E", "g1b2c3d4e5f60718293a4b5c6d7e8f9012345678", "00008030-001A2D3E0C38802E-1"]) {
      expect(normalizeUdid(bad), bad).toBeNull();
    }
  });

  it("read what iOS sends: the UDID must be one, the rest is kept only when it looks right", () => {
    expect(deviceAttributesSchema.parse({ UDID: "00008030-001a2d3e0c38802e", PRODUCT: "iPhone15,2", VERSION: "22B83", DEVICE_NAME: "Ana's\tiPhone\n", CHALLENGE: "x" })).toEqual({
      UDID: "00008030-001A2D3E0C38802E",
      PRODUCT: "iPhone15,2",
      VERSION: "22B83",
      DEVICE_NAME: "Ana's iPhone",
    });
    expect(deviceAttributesSchema.parse({ UDID: "00008030-001A2D3E0C38802E", PRODUCT: "<script>", VERSION: 17 })).toEqual({ UDID: "00008030-001A2D3E0C38802E", PRODUCT: undefined, VERSION: undefined, DEVICE_NAME: undefined });
    expect(deviceAttributesSchema.safeParse({ UDID: "not a udid" }).success).toBe(false);
    expect(deviceAttributesSchema.safeParse({}).success).toBe(false);
  });

  it("take a tester's name of one line, blank meaning none", () => {
    expect(testerNameSchema.parse("  Ana  ")).toBe("Ana");
    expect(testerNameSchema.parse("")).toBeNull();
    expect(testerNameSchema.safeParse("a".repeat(61)).error?.issues[0]?.message).toBe("Your name must be at most 60 characters");
    expect(testerNameSchema.safeParse("Ana\nBob").error?.issues[0]?.message).toBe("Your name must be one line of text");
  });

  it("make Apple's device list: a header, then UDID, a name of at most 50 characters (the tester's, the device's, its model) and the platform", () => {
    expect(
      appleDeviceList([
        { udid: "00008030-001A2D3E0C38802E", testerName: "Ana", deviceName: "iPhone", product: "iPhone15,2" },
        { udid: "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", testerName: null, deviceName: null, product: "iPad13,1" },
        { udid: "00008101-000A1B2C3D4E5F60", testerName: `${"Long name ".repeat(8)}`, deviceName: null, product: null },
      ]),
    ).toBe(
      "Device ID\tDevice Name\tDevice Platform\n" +
        "00008030-001A2D3E0C38802E\tAna\tios\n" +
        "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678\tiPad13,1\tios\n" +
        `00008101-000A1B2C3D4E5F60\t${"Long name ".repeat(5).trim()}\tios\n`,
    );
  });
});
