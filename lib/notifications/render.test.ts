import { describe, expect, it } from "vitest";
import { renderNotice } from "./render";

const LINK = "https://keel.example.test/connections/0d6f1d2e-3b7c-4a1e-9f00-5c2b8e4d7a61";

describe("renderNotice says what to do in the words of the connection's sign-in method", () => {
  it("an expiring token: replace it; an expiring service-principal credential: a new secret or certificate in Entra ID", () => {
    const pat = renderNotice("connection.expiry_reminder", { name: "Mobile", authMethod: "PAT", daysLeft: 7, expiresAt: "2026-12-12T00:00:00.000Z" }, LINK);
    expect(pat.subject).toBe('Keel: the personal access token of "Mobile" expires in 7 days');
    expect(pat.text).toContain("expires on 2026-12-12 (in 7 days)");
    expect(pat.text).toContain("paste it in Keel with Replace token");
    expect(pat.text).toContain(LINK);

    const principal = renderNotice("connection.expiry_reminder", { name: "Robot", authMethod: "SERVICE_PRINCIPAL", daysLeft: 1, expiresAt: "2026-12-06T00:00:00.000Z" }, LINK);
    expect(principal.subject).toBe(`Keel: the service principal's credential of "Robot" expires in 1 day`);
    expect(principal.text).toContain("Certificates & secrets");
    expect(principal.text).not.toContain("Replace token");
  });

  it("a refused credential: replace the token, re-authorize, or look at the service principal's findings", () => {
    const change = (authMethod?: string) => renderNotice("connection.status_changed", { name: "Mobile", from: "HEALTHY", to: "NEEDS_REAUTH", reason: "Azure DevOps refused it.", ...(authMethod ? { authMethod } : {}) }, LINK).text;
    expect(change("PAT")).toContain("Replace the token on the connection's page");
    expect(change("OAUTH")).toContain("Re-authorize the connection on its page.");
    expect(change("OAUTH")).not.toContain("token");
    expect(change("SERVICE_PRINCIPAL")).toContain("Microsoft Entra ID");
    // Notices stored before they carried the method: a wording that fits every method.
    expect(change()).toContain("Replace the token, re-authorize, or fix the service principal");
    expect(change("PAT")).toContain("Azure DevOps refused it.");
  });

  it("a status Keel has no advice for sends the reader to the connection's page", () => {
    expect(renderNotice("connection.status_changed", { name: "Mobile", from: "HEALTHY", to: "SOMETHING_NEW" }, null).text).toContain("Open the connection's page for details.");
  });
});

describe("build notices", () => {
  const base = { buildId: "9b1f4f7e-0000-4000-8000-000000000001", profile: "Wallet iOS", number: 12, branch: "refs/heads/main", pullRequestId: null, commitId: "62d2c3068ab29e92abcb164c41fcdaa3b81e894b", commitMessage: "Tighten the formatter" };

  it("a failure names the build, how it ended, the branch, the reason and the commit, and links to the build", () => {
    const failed = renderNotice("build.failed", { ...base, status: "FAILED", reason: "Step “Test” failed with exit code 1." }, "https://keel.example/builds/x");
    expect(failed.subject).toBe("Keel: Wallet iOS #12 failed on main");
    expect(failed.text).toContain("Wallet iOS #12 failed on main. Step “Test” failed with exit code 1.");
    expect(failed.text).toContain("Commit 62d2c306: Tighten the formatter");
    expect(failed.text).toContain("Open the build in Keel: https://keel.example/builds/x");
    expect(failed.text).toContain("Turn these e-mails off under Account");
    expect(failed.text).not.toContain("What went wrong");
    // The line that says why, when the log had one.
    const why = renderNotice("build.failed", { ...base, status: "FAILED", reason: "Step “Build” failed with exit code 65.", firstError: "/src/Pay.swift:3:1: error: cannot find 'rate' in scope" }, null);
    expect(why.text).toContain("Step “Build” failed with exit code 65.\n\nWhat went wrong:\n    /src/Pay.swift:3:1: error: cannot find 'rate' in scope\n\nCommit 62d2c306");
    // With a link to Keel, the line's own address in the log.
    const linked = renderNotice("build.failed", { ...base, status: "FAILED", reason: null, firstError: "error: cannot find 'rate' in scope", firstErrorLine: 1204 }, "https://keel.example/builds/x");
    expect(linked.text).toContain("What went wrong (line 1204 of the log: https://keel.example/builds/x#L1204):\n    error: cannot find 'rate' in scope");
    // Its failed tests, new or not, after what went wrong; data that is not test news says nothing.
    const tested = renderNotice("build.failed", { ...base, status: "FAILED", reason: null, tests: { failed: 3, newCases: ["WalletTests › testBalance"], newCount: 1, older: 2, flaky: 0 } }, null);
    expect(tested.text).toContain("Wallet iOS #12 failed on main.\n\nTests: 3 failed — new in this build: WalletTests › testBalance; 2 failed before it too.\n\nCommit 62d2c306");
    expect(renderNotice("build.failed", { ...base, status: "FAILED", reason: null, tests: { failed: "3" } }, null).text).not.toContain("Tests:");
    expect(renderNotice("build.failed", { ...base, status: "TIMED_OUT", reason: null }, null).subject).toBe("Keel: Wallet iOS #12 ran out of time on main");
    expect(renderNotice("build.failed", { ...base, status: "ERROR", pullRequestId: 7, reason: null }, null).subject).toBe("Keel: Wallet iOS #12 could not run (pull request 7)");
  });

  it("a failure lists the commits since the last good build, the likely causes, and how many it leaves out", () => {
    const suspects = { since: 9, commits: [{ message: "Round the rates", author: "Mona Kane" }, { message: "Add the leaderboard", author: null }], more: 3, complete: true };
    const failed = renderNotice("build.failed", { ...base, status: "FAILED", reason: "Step “Test” failed with exit code 1.", suspects }, null);
    expect(failed.text).toContain("Commit 62d2c306: Tighten the formatter\n\nCommits since #9, the last successful build:\n    - Round the rates (Mona Kane)\n    - Add the leaderboard\n    and 3 more\n");
    expect(renderNotice("build.failed", { ...base, status: "FAILED", reason: null, suspects: { ...suspects, more: 0, complete: false } }, null).text).toContain("    - Add the leaderboard\n    and more\n");
    // Data that is not a list of commits says nothing of them.
    expect(renderNotice("build.failed", { ...base, status: "FAILED", reason: null, suspects: { since: 9, commits: [] } }, null).text).not.toContain("Commits since");
  });

  it("a fix says the build before it had not succeeded", () => {
    const fixed = renderNotice("build.fixed", { ...base, status: "SUCCEEDED" }, null);
    expect(fixed.subject).toBe("Keel: Wallet iOS #12 is fixed on main");
    expect(fixed.text).toContain("the build before it on this branch had not");
    // With the cases it made pass again.
    const again = renderNotice("build.fixed", { ...base, status: "SUCCEEDED", passingAgain: { since: 11, names: ["WalletTests › testBalance"], more: 2 } }, null);
    expect(again.text).toContain("had not.\n\nPassing again since #11: WalletTests › testBalance and 2 more.\n\nCommit 62d2c306");
    expect(renderNotice("build.fixed", { ...base, status: "SUCCEEDED", passingAgain: { since: 11, names: [], more: 0 } }, null).text).not.toContain("Passing again");
  });

  it("a success, for those who watch every build, says how long it took and the apps it made, a tag build by its tag", () => {
    const done = renderNotice("build.succeeded", { ...base, status: "SUCCEEDED", tookMs: 754_000, apps: ["Wallet 2.4.0 (4513)", "com.fabrikam.wallet 2.4.0 (4513)"] }, "https://keel.example/builds/x");
    expect(done.subject).toBe("Keel: Wallet iOS #12 succeeded on main");
    expect(done.text).toContain("Wallet iOS #12 succeeded on main in 12 min 34 s.\n\nIt made Wallet 2.4.0 (4513), com.fabrikam.wallet 2.4.0 (4513).\n\nCommit 62d2c306: Tighten the formatter");
    expect(done.text).toContain("watch its build profile");
    const tagged = renderNotice("build.succeeded", { ...base, branch: null, tag: "v2.4.0", status: "SUCCEEDED" }, null);
    expect(tagged.subject).toBe("Keel: Wallet iOS #12 succeeded (tag v2.4.0)");
    expect(tagged.text).not.toContain("It made");
  });
});

describe("a profile paused for a day", () => {
  it("says who paused it, when, why and how many builds wait, and links to the profile", async () => {
    const { noticePath, noticeLinkLabel } = await import("./render");
    const profileId = "0b7f1c7e-3f2a-4f7e-9a51-0d6c1f2e8a10";
    const data = { profileId, profile: "Wallet iOS", since: "2026-12-06T09:15:00.000Z", by: "Dee Admin", reason: "Xcode 17 upgrade", queued: 4 };
    const notice = renderNotice("profile.paused_long", data, `https://keel.example/profiles/${profileId}`);
    expect(notice.subject).toBe('Keel: the builds of "Wallet iOS" have been paused for a day');
    expect(notice.text).toMatch(/^Dee Admin paused the builds of "Wallet iOS" on 2026-12-06 09:15 UTC \("Xcode 17 upgrade"\), and they are still paused: 4 builds wait/);
    expect(notice.text).toContain("resume them on the profile's page (Resume builds)");
    expect(notice.text).toContain(`The profile in Keel: https://keel.example/profiles/${profileId}`);
    expect(renderNotice("profile.paused_long", { ...data, by: null, reason: null, queued: 0 }, null).text).toMatch(/^An admin paused the builds of "Wallet iOS" on 2026-12-06 09:15 UTC, and they are still paused: no build waits yet/);
    expect(noticePath({ kind: "profile.paused_long", data, connectionId: null })).toBe(`/profiles/${profileId}`);
    expect(noticeLinkLabel(`/profiles/${profileId}`)).toBe("Open the profile");
  });
});

describe("a build pool without a worker", () => {
  it("names the pool, how many wait since when, the command that starts its worker, and links to the workers page", async () => {
    const { noticePath } = await import("./render");
    const data = { pool: "macos", waiting: 3, profile: "Wallet iOS", number: 41, since: "2026-12-06T09:15:00.000Z" };
    const notice = renderNotice("build_pool.stranded", data, "https://keel.example/settings/workers");
    expect(notice.subject).toBe('Keel: builds wait for the build pool "macos", and no worker builds for it');
    expect(notice.text).toContain('3 builds of your organization have waited more than 10 minutes for a worker of the build pool "macos" (the oldest: Wallet iOS #41, queued 2026-12-06 09:15 UTC)');
    expect(notice.text).toContain("KEEL_BUILD_POOLS=macos npm run worker");
    expect(notice.text).toContain("Workers and build pools in Keel: https://keel.example/settings/workers");
    expect(renderNotice("build_pool.stranded", { ...data, waiting: 1 }, null).text).toMatch(/^1 build of your organization has waited/);
    expect(noticePath({ kind: "build_pool.stranded", data, connectionId: null })).toBe("/settings/workers");
  });
});

describe("a webhook that gave up a build event", () => {
  it("names the webhook, the event and build, the receiver's answer, what to do, and links to the webhook", async () => {
    const { noticePath } = await import("./render");
    const webhookId = "6f1c3a52-8d0e-4b7a-9c1d-2e3f4a5b6c7d";
    const data = { webhookId, name: "Release dashboard", host: "hooks.example.com", event: "build.finished", build: "Wallet iOS #12", status: 410, reason: "The receiver refused the delivery (410)." };
    const notice = renderNotice("webhook.failing", data, `https://keel.example/settings/webhooks/${webhookId}`);
    expect(notice.subject).toBe('Keel: the webhook "Release dashboard" is not getting build events');
    expect(notice.text).toMatch(/^Keel gave up sending build\.finished of Wallet iOS #12 to the webhook "Release dashboard" \(hooks\.example\.com\)\.\n\nThe receiver refused the delivery \(410\)\.\n\n/);
    expect(notice.text).toContain("press Redeliver on the deliveries it missed");
    expect(notice.text).toContain(`The webhook's deliveries in Keel: https://keel.example/settings/webhooks/${webhookId}`);
    expect(noticePath({ kind: "webhook.failing", data, connectionId: null })).toBe(`/settings/webhooks/${webhookId}`);
    expect(noticePath({ kind: "webhook.failing", data: { ...data, webhookId: "../admin" }, connectionId: null })).toBe("/settings/webhooks");
  });
});

describe("a signing file that ends", () => {
  it("names the file, its profile and end, says what fails and how to renew it, and links to the profile's secret files", async () => {
    const { noticePath } = await import("./render");
    const profileId = "0b6c1e2a-3d4f-4a5b-8c6d-7e8f9a0b1c2d";
    const data = { profileId, profile: "Wallet iOS", variable: "IOS_PROFILE", fileName: "Wallet_AdHoc.mobileprovision", what: "Provisioning profile “Wallet Ad Hoc”", fileKind: "provisioning-profile", expiresAt: "2026-12-13T10:00:00.000Z", daysLeft: 7 };
    const notice = renderNotice("signing_file.expiring", data, `https://keel.example/profiles/${profileId}/workflow#secret-files`);
    expect(notice.subject).toBe("Keel: Provisioning profile “Wallet Ad Hoc” of Wallet iOS expires in 7 days");
    expect(notice.text).toContain("Provisioning profile “Wallet Ad Hoc” (Wallet_AdHoc.mobileprovision in $IOS_PROFILE of the build profile “Wallet iOS”) expires on 2026-12-13 (in 7 days).");
    expect(notice.text).toContain("Renew or regenerate the profile in the Apple Developer account");
    expect(notice.text).toContain(`Its secret files in Keel: https://keel.example/profiles/${profileId}/workflow#secret-files`);
    expect(noticePath({ kind: "signing_file.expiring", data, connectionId: null })).toBe(`/profiles/${profileId}/workflow#secret-files`);

    const ended = renderNotice("signing_file.expiring", { ...data, what: "Java keystore (upload)", fileKind: "keystore", daysLeft: 0 }, null);
    expect(ended.subject).toBe("Keel: Java keystore (upload) of Wallet iOS has expired");
    expect(ended.text).toContain("expired on 2026-12-13. Builds of “Wallet iOS” that sign with it fail until it is replaced.");
    expect(ended.text).toContain("ask for an upload key reset in the Play Console");
    expect(ended.text).not.toContain("in Keel:");
    // Data from elsewhere links nowhere and still reads.
    expect(noticePath({ kind: "signing_file.expiring", data: { profileId: "../settings" }, connectionId: null })).toBeNull();
    expect(renderNotice("signing_file.expiring", { daysLeft: 1 }, null).subject).toBe("Keel: The secret file ? of a build profile expires in 1 day");
  });
});

describe("a tester's device registered", () => {
  it("names the tester, the device and the profile, says what to do in Apple's account, and links to the profile's devices", async () => {
    const { noticePath } = await import("./render");
    const profileId = "0b6c1e2a-3d4f-4a5b-8c6d-7e8f9a0b1c2d";
    const data = { profileId, profile: "Wallet iOS", udid: "00008101-000A1B2C3D4E5F60", testerName: "Ana", product: "iPhone15,2" };
    const notice = renderNotice("tester_device.registered", data, `https://keel.example/profiles/${profileId}#tester-devices`);
    expect(notice.subject).toBe("Keel: Ana registered a device (iPhone15,2) for Wallet iOS");
    expect(notice.text).toContain("UDID 00008101-000A1B2C3D4E5F60.");
    expect(notice.text).toContain("add it in the Apple Developer account (Certificates, Identifiers & Profiles → Devices");
    expect(notice.text).toContain(`The profile's testers' devices in Keel: https://keel.example/profiles/${profileId}#tester-devices`);
    expect(noticePath({ kind: "tester_device.registered", data, connectionId: null })).toBe(`/profiles/${profileId}#tester-devices`);
    expect(renderNotice("tester_device.registered", { ...data, testerName: null, product: null }, null).subject).toBe("Keel: A tester registered a device for Wallet iOS");
  });
});

describe("the week's summary", () => {
  const week = {
    from: "2026-11-30T00:00:00.000Z",
    to: "2026-12-07T00:00:00.000Z",
    builds: 42,
    succeeded: 38,
    failed: 3,
    profiles: [
      {
        id: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        name: "Wallet iOS",
        builds: 40,
        succeeded: 37,
        failed: 2,
        medianMs: 600_000,
        beforeMs: 480_000,
        branch: { name: "main", breaks: 2, redMs: 3 * 3_600_000 + 300_000, redAtEnd: { id: "x", number: 41 } },
      },
      { id: "9b2f1c55-3f0e-4d55-8f51-52a7e3c1b6a0", name: "Wallet Android", builds: 2, succeeded: 1, failed: 1, medianMs: 300_000, beforeMs: 295_000, branch: { name: "develop", breaks: 0, redMs: 0, redAtEnd: null } },
    ],
    moreProfiles: 3,
  };
  const link = "https://keel.example.test/profiles";

  it("says the week's totals, then each busy profile: outcomes, duration against the week before, time its default branch was red", () => {
    const { subject, text } = renderNotice("digest.weekly", week, link);
    expect(subject).toBe("Keel: your week of builds (2026-11-30 to 2026-12-06): 42 builds, 90 % succeeded");
    expect(text).toContain("From Monday 2026-11-30 to Sunday 2026-12-06 (UTC), 42 builds finished: 38 succeeded, 3 failed or ran out of time, 1 canceled or could not run.");
    expect(text).toContain(
      "Wallet iOS: 40 builds, 93 % succeeded; a successful build took 10 min (median), 2 min longer than the week before (8 min). main broke 2 times and was red for 3 h 5 min; still red at the week's end, since #41.\n    https://keel.example.test/profiles/7c9e6679-7425-40de-944b-e07fc1f90ae7/insights",
    );
    expect(text).toContain("Wallet Android: 2 builds, 50 % succeeded; a successful build took 5 min (median), about as long as the week before. develop stayed green.");
    expect(text).toContain("And 3 more build profiles with builds.");
    expect(text).toContain("Turn it off under Account in Keel.");
  });

  it("ends with what needs attention, when something does", () => {
    const attention = {
      connections: [{ name: "Tailspin", status: "EXPIRING", reason: "The personal access token expires in 10 days (on 2026-12-17)." }],
      connectionsTotal: 3,
      signingFiles: [
        { profile: "Wallet iOS", what: "Provisioning profile “Wallet Ad Hoc”", expiresAt: "2026-12-12T00:00:00.000Z" },
        { profile: "Wallet Android", what: "Java keystore (upload)", expiresAt: "2026-12-01T00:00:00.000Z" },
      ],
      signingTotal: 2,
      unused: { names: ["Old Tailspin"], total: 1, days: 90 },
      lostWorkers: { builds: 3, hosts: [{ host: "mac-mini-2", builds: 2 }, { host: null, builds: 1 }] },
    };
    expect(renderNotice("digest.weekly", { ...week, attention }, link).text).toContain(
      [
        "Needs attention:",
        '    - The connection "Tailspin": expiring. The personal access token expires in 10 days (on 2026-12-17).',
        "    - And 2 more connections.",
        "    - Wallet iOS: Provisioning profile “Wallet Ad Hoc” ends on 2026-12-12.",
        "    - Wallet Android: Java keystore (upload) ended on 2026-12-01.",
        '    - No build for 90 days with "Old Tailspin": if nobody needs it, delete it (its token stays valid in Azure DevOps until revoked).',
        "    - 3 builds lost their worker mid-build, on mac-mini-2 (2) and an unknown machine (1): Settings → Workers says what to check.",
      ].join("\n"),
    );
    // Lost builds alone make the paragraph too.
    expect(renderNotice("digest.weekly", { ...week, attention: { connections: [], connectionsTotal: 0, signingFiles: [], signingTotal: 0, lostWorkers: { builds: 1, hosts: [{ host: "spot-7", builds: 1 }] } } }, link).text).toContain(
      "Needs attention:\n    - 1 build lost its worker mid-build, on spot-7 (1): Settings → Workers says what to check.",
    );
    // Nothing to attend to: no such paragraph.
    expect(renderNotice("digest.weekly", { ...week, attention: { connections: [], connectionsTotal: 0, signingFiles: [], signingTotal: 0 } }, link).text).not.toContain("Needs attention");
  });

  it("on the Notices page leaves out the links and why it came; a summary it cannot read says so", () => {
    const { text } = renderNotice("digest.weekly", week, null);
    expect(text).not.toContain("https://");
    expect(text).not.toContain("Turn it off");
    expect(renderNotice("digest.weekly", { ...week, builds: "many" }, null)).toEqual({ subject: "Keel: your week of builds", text: "The summary of the week's builds could not be read.\n" });
  });

  it("links to the build profiles", async () => {
    const { noticePath } = await import("./render");
    expect(noticePath({ kind: "digest.weekly", data: week, connectionId: null })).toBe("/profiles");
  });
});

describe("the link of a notice on the Notices page", () => {
  it("names the page it opens", async () => {
    const { noticeLinkLabel, noticePath } = await import("./render");
    const id = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    const label = (kind: string, data: Record<string, unknown>, connectionId: string | null = null) => noticeLinkLabel(noticePath({ kind, data, connectionId })!);
    expect(label("build.failed", { buildId: id })).toBe("Open the build");
    expect(label("connection.status_changed", {}, id)).toBe("Open the connection");
    expect(label("build_pool.stranded", { pool: "macos" })).toBe("Open workers and build pools");
    expect(label("api_token.expiring", {})).toBe("Open your API tokens");
    expect(label("webhook.failing", { webhookId: id })).toBe("Open the webhook");
    expect(label("tester_device.registered", { profileId: id })).toBe("Open the testers' devices");
    expect(label("signing_file.expiring", { profileId: id })).toBe("Open the workflow's secret files");
    expect(label("digest.weekly", {})).toBe("Open the build profiles");
  });
});
