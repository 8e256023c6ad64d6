// Keel's one rule for moving a connection (or a wizard draft) to another address. Pure, so the
// data layer, the wizard and the edit action share it (lib/data may not import features).

/** Where a connection points: origin, path prefix (e.g. "tfs") and organization or collection. */
export type CollectionAddress = {
  serverUrl: string;
  pathPrefix: string;
  collection: string;
};

/**
 * Keel's rule for an edit that changes where a connection (or a wizard draft) points — origin,
 * path prefix or collection (Azure DevOps compares collection names case-insensitively): a
 * token entered for one address is never sent to another, so a move without a new token
 * leaves the token behind (the wizard asks for it again; a saved connection's is wiped), and a
 * CA certificate trusted for the old server is dropped with the move. `before` is the address
 * the stored token was entered for, or null when nothing is stored yet.
 */
export function addressMove(before: CollectionAddress | null, after: CollectionAddress, newToken: boolean): { moved: boolean; tokenLeftBehind: boolean } {
  const moved =
    before !== null && (before.serverUrl !== after.serverUrl || before.pathPrefix !== after.pathPrefix || before.collection.toLowerCase() !== after.collection.toLowerCase());
  return { moved, tokenLeftBehind: moved && !newToken };
}

/**
 * The wizard's rule for the token in an unsaved draft: it stays unless the server (origin)
 * changes. A draft's token has not been saved for any collection yet, and another collection or
 * path prefix on the same origin is the same server receiving it — so fixing a typo in the
 * organization never costs the pasted token. A new origin still asks for it again (and drops the
 * CA trusted for the old server). Saved connections keep `addressMove`'s stricter rule.
 */
export function draftServerMove(before: CollectionAddress | null, after: CollectionAddress, newToken: boolean): { moved: boolean; tokenLeftBehind: boolean } {
  const moved = before !== null && before.serverUrl !== after.serverUrl;
  return { moved, tokenLeftBehind: moved && !newToken };
}

/**
 * The saved connections that point at the same organization or collection as `address` (same
 * server, prefix and collection; Azure DevOps compares collection names case-insensitively): the
 * wizard warns before the same organization is connected twice, and offers the existing one.
 */
export function sameCollection<C extends CollectionAddress>(connections: readonly C[], address: CollectionAddress): C[] {
  return connections.filter(
    (connection) =>
      connection.serverUrl === address.serverUrl &&
      connection.pathPrefix.replace(/^\/+|\/+$/g, "").toLowerCase() === address.pathPrefix.replace(/^\/+|\/+$/g, "").toLowerCase() &&
      connection.collection.toLowerCase() === address.collection.toLowerCase(),
  );
}
