import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { QueueStatusLine, type QueueStatus } from "@/components/builds/queue-status";

// The builds list's queue line (components/builds/queue-status.tsx), rendered as the server does:
// builds waiting with no worker alive get an alert that says what to do; otherwise a status line.

const render = (status: QueueStatus) => renderToStaticMarkup(createElement(QueueStatusLine, { status }));

describe("the queue status line", () => {
  it("says builds wait for a worker, and how to start one, when none is alive", () => {
    const html = render({ workers: 0, queued: 2, running: 0 });
    expect(html).toContain("No worker is running, so builds wait in the queue");
    expect(html).toContain("<code>npm run worker</code>");
  });

  it("otherwise counts workers, running and queued builds", () => {
    expect(render({ workers: 2, queued: 3, running: 1 })).toContain("2 workers online · 1 running · 3 queued");
    expect(render({ workers: 1, queued: 0, running: 0 })).toContain("1 worker online · 0 running · 0 queued");
    // Builds of paused profiles are counted as what they are, and raise no alarm about workers.
    expect(render({ workers: 1, queued: 3, paused: 2, running: 0 })).toContain("1 worker online · 0 running · 3 queued (2 of them paused by an admin)");
    const pausedOnly = render({ workers: 0, queued: 2, paused: 2, running: 0 });
    expect(pausedOnly).toContain("No worker is running · 0 running · 2 queued (2 of them paused by an admin)");
    expect(pausedOnly).not.toContain("builds wait");
    // Nothing waits: no alarm even without a worker.
    const idle = render({ workers: 0, queued: 0, running: 0 });
    expect(idle).toContain("No worker is running · 0 running · 0 queued");
    expect(idle).not.toContain("builds wait");
  });

  it("names a build pool whose builds wait while no live worker builds for it, and how to start one", () => {
    const html = render({ workers: 1, queued: 3, running: 0, byPool: [{ pool: "default", queued: 1 }, { pool: "macos", queued: 2 }], pools: ["default"] });
    expect(html).toContain("1 worker online · 0 running · 3 queued");
    expect(html).toContain("No worker builds for the pool “macos”, so 2 builds wait in the queue");
    expect(html).toContain("<code>KEEL_BUILD_POOLS=macos npm run worker</code>");
    // The default pool has its worker: no alert for it.
    expect(html).not.toContain("the pool “default”");
    // Served pools are listed once there is more than the default one.
    expect(render({ workers: 2, queued: 1, running: 0, byPool: [{ pool: "macos", queued: 1 }], pools: ["default", "macos"] })).toContain("1 queued · build pools: default, macos");
    expect(render({ workers: 2, queued: 1, running: 0, byPool: [{ pool: "macos", queued: 1 }], pools: ["default", "macos"] })).not.toContain("No worker builds");
  });
});
