"use client";

import { useCallback, useEffect, useState } from "react";
import type { ListingStatusDto, PageDto } from "@/lib/shared/repository-dto";
import { fetchJson, type ApiError } from "./fetch-json";

type PagedState<T> = {
  /** The URL (without cursor) and reload token the state belongs to. */
  url: string;
  token: number;
  items: T[];
  total: number;
  totalCapped: boolean;
  nextCursor: string | null;
  error: ApiError | null;
  loadingMore: boolean;
  moreError: ApiError | null;
};

export type PagedList<T> = {
  items: T[];
  total: number;
  /** More rows match than the server counts: `total` is a lower bound. */
  totalCapped: boolean;
  hasMore: boolean;
  /** The first page for this URL has not arrived yet (show skeletons). */
  loading: boolean;
  /** A silent reload of the same URL is in flight (keep showing the rows). */
  refreshing: boolean;
  loadingMore: boolean;
  error: ApiError | null;
  moreError: ApiError | null;
  loadMore: () => void;
};

const EMPTY = { items: [], total: 0, totalCapped: false, nextCursor: null, error: null, loadingMore: false, moreError: null };

/** A first page the server already rendered, for the URL it answers (no fetch on mount). */
export type InitialPage<T> = { url: string; page: PageDto<T> };

function fromPage<T>(url: string, token: number, page: PageDto<T>): PagedState<T> {
  return { url, token, items: page.items, total: page.total ?? page.items.length, totalCapped: page.totalCapped, nextCursor: page.nextCursor, error: null, loadingMore: false, moreError: null };
}

/**
 * One of the picker's keyset-paged lists: fetches the first page whenever `url` (or the
 * reload token) changes — aborting the previous request, so a slow answer to an old search
 * never overwrites a newer one — and appends pages on `loadMore`. Every answer carries the
 * listing's state, handed to `onListing`. With `initial` (the first page, rendered on the
 * server into the HTML), the list starts with it and fetches nothing until the URL changes.
 */
export function usePagedList<T>(url: string | null, reloadToken: number, onListing: (listing: ListingStatusDto) => void, initial?: InitialPage<T>): PagedList<T> {
  const [state, setState] = useState<PagedState<T>>(() => (initial ? fromPage(initial.url, 0, initial.page) : { url: "", token: -1, ...EMPTY }));
  const loadedUrl = state.url;
  const loadedToken = state.token;

  useEffect(() => {
    // Already holds this URL's first page (rendered by the server, or just fetched).
    if (url === null || (loadedUrl === url && loadedToken === reloadToken)) {
      return;
    }
    const controller = new AbortController();
    fetchJson<PageDto<T>>(url, controller.signal).then(
      (result) => {
        if (result.ok) {
          onListing(result.data.listing);
          setState(fromPage(url, reloadToken, result.data));
        } else {
          setState({ url, token: reloadToken, ...EMPTY, error: result.error });
        }
      },
      () => undefined,
    );
    return () => controller.abort();
  }, [url, reloadToken, onListing, loadedUrl, loadedToken]);

  const loadMore = useCallback(() => {
    if (url === null || state.url !== url || state.nextCursor === null || state.loadingMore) {
      return;
    }
    const cursor = state.nextCursor;
    setState((previous) => ({ ...previous, loadingMore: true, moreError: null }));
    const separator = url.includes("?") ? "&" : "?";
    fetchJson<PageDto<T>>(`${url}${separator}cursor=${encodeURIComponent(cursor)}`).then(
      (result) => {
        setState((previous) => {
          if (previous.url !== url || previous.nextCursor !== cursor) {
            return previous;
          }
          if (!result.ok) {
            return { ...previous, loadingMore: false, moreError: result.error };
          }
          return { ...previous, items: [...previous.items, ...result.data.items], nextCursor: result.data.nextCursor, loadingMore: false };
        });
        if (result.ok) {
          onListing(result.data.listing);
        }
      },
      () => undefined,
    );
  }, [url, state.url, state.nextCursor, state.loadingMore, onListing]);

  const current = state.url === url;
  return {
    items: current ? state.items : [],
    total: current ? state.total : 0,
    totalCapped: current && state.totalCapped,
    hasMore: current && state.nextCursor !== null,
    loading: url !== null && !current,
    refreshing: current && state.token !== reloadToken,
    loadingMore: current && state.loadingMore,
    error: current ? state.error : null,
    moreError: current ? state.moreError : null,
    loadMore,
  };
}
