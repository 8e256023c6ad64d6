"use server";

import { spendOutboundBudget } from "@/lib/connections/outbound-throttle";
import { action } from "@/lib/entry/action";
import { ensureListing } from "@/lib/repositories/listing";

/**
 * "Refresh" in the repository picker: drops the cached listing of the connection and lists
 * it again in the background (the page polls the progress). Members and admins.
 */
export const refreshRepositoriesAction = action(
  { name: "repositories.refresh", permission: "repositories.refresh", target: "connection", unexpected: "Refreshing the repository list failed unexpectedly. Try again." },
  async ({ scope, target: connection }) => {
    // Each refresh lists the whole organization again: a budget per connection, for everyone.
    await spendOutboundBudget(scope, "refresh", connection.id);
    const { started } = await ensureListing(scope, connection, { force: true });
    return {
      status: "success",
      message: started ? "Listing the repositories again…" : "Keel is already listing this connection's repositories.",
      data: { startedAt: new Date().toISOString() },
    };
  },
);
