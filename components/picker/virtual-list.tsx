"use client";

import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef, type KeyboardEvent, type ReactNode } from "react";
import { Spinner } from "@/components/ui/spinner";
import type { ApiError } from "./fetch-json";

type Props<T> = {
  /** Accessible name of the list. */
  label: string;
  items: T[];
  /** How many rows exist in all (for aria-setsize; -1 when unknown). */
  total: number;
  hasMore: boolean;
  loadingMore: boolean;
  moreError: ApiError | null;
  onLoadMore: () => void;
  /** Scrolls back to the top when it changes (a new search, another project). */
  resetKey: string;
  rowHeight: number;
  /** Most CSS height of the scrolling viewport (a short list is as tall as its rows). */
  height: string;
  /** The viewport's height in pixels before it can be measured (server rendering): rows that fit are rendered into the HTML. */
  initialHeightPx: number;
  getKey: (item: T) => string;
  renderRow: (item: T, index: number) => ReactNode;
  loadMoreLabel: string;
};

/**
 * A windowed list (TanStack Virtual): only the rows in view (plus a few) are in the DOM,
 * whatever the size of the list. Scrolling near the end loads the next page; a real button
 * at the end does the same for keyboard and screen-reader users.
 */
export function VirtualList<T>({ label, items, total, hasMore, loadingMore, moreError, onLoadMore, resetKey, rowHeight, height, initialHeightPx, getKey, renderRow, loadMoreLabel }: Props<T>) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const showTail = hasMore || loadingMore || moreError !== null;
  // Keel does not run the React Compiler; the rule only says it would skip this component.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: items.length + (showTail ? 1 : 0),
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 6,
    // On the server (and before the first measurement) the viewport is assumed to be this
    // tall, so the HTML holds the rows the browser will show and hydration changes nothing.
    initialRect: { width: 0, height: initialHeightPx },
  });

  useEffect(() => {
    virtualizer.scrollToOffset(0);
  }, [resetKey, virtualizer]);

  // Decided from the scroll position itself: the virtualizer's own range may not have caught
  // up with this scroll event yet.
  const maybeLoadMore = (element: HTMLDivElement) => {
    const nearEnd = element.scrollTop + element.clientHeight >= element.scrollHeight - rowHeight * 10;
    if (nearEnd && hasMore && !loadingMore && moreError === null) {
      onLoadMore();
    }
  };

  // Arrow keys move between rows (Home/End to the ends): the row may not be rendered yet, so the
  // list scrolls to it first and focuses its control once it is in the DOM.
  const focusRow = (index: number, attempt = 0) => {
    const control = scrollRef.current?.querySelector<HTMLElement>(`li[data-index="${index}"] button, li[data-index="${index}"] a`);
    if (control) {
      control.focus();
      return;
    }
    if (attempt < 5) {
      requestAnimationFrame(() => focusRow(index, attempt + 1));
    }
  };
  const keysId = `${label.replace(/\W+/g, "-").toLowerCase()}-keys`;
  const onKeyDown = (event: KeyboardEvent<HTMLUListElement>) => {
    const keys: Record<string, (current: number) => number> = {
      ArrowDown: (current) => current + 1,
      ArrowUp: (current) => current - 1,
      Home: () => 0,
      End: () => items.length - 1,
    };
    const move = keys[event.key];
    const from = event.target instanceof HTMLElement ? event.target.closest<HTMLElement>("li[data-index]") : null;
    if (!move || !from || items.length === 0) {
      return;
    }
    event.preventDefault();
    const target = Math.max(0, Math.min(items.length - 1, move(Number(from.dataset.index))));
    virtualizer.scrollToIndex(target, { align: "auto" });
    focusRow(target);
  };

  return (
    <div ref={scrollRef} onScroll={(event) => maybeLoadMore(event.currentTarget)} style={{ height: `min(${height}, ${virtualizer.getTotalSize() + 2}px)` }} className="overflow-y-auto overscroll-contain rounded-md border border-slate-200 bg-white" data-testid={`${label}-viewport`}>
      {/* The list's rows are buttons; arrow keys are a shortcut on top of Tab, not a replacement. */}
      <ul aria-label={label} aria-describedby={keysId} className="relative w-full" style={{ height: virtualizer.getTotalSize() }} onKeyDown={onKeyDown}>
        {virtualizer.getVirtualItems().map((row) => {
          const style = { height: row.size, transform: `translateY(${row.start}px)` };
          const item = items[row.index];
          if (item === undefined) {
            return (
              <li key="__more" className="absolute left-0 top-0 flex w-full items-center justify-center px-3 text-sm text-slate-600" style={style}>
                {loadingMore ? (
                  <span className="flex items-center gap-2" role="status">
                    <Spinner /> Loading more…
                  </span>
                ) : moreError ? (
                  <span className="flex items-center gap-2" role="alert">
                    {moreError.message}
                    <button type="button" onClick={onLoadMore} className="font-medium text-brand-700 underline">
                      Try again
                    </button>
                  </span>
                ) : (
                  <button type="button" onClick={onLoadMore} className="font-medium text-brand-700 underline">
                    {loadMoreLabel}
                  </button>
                )}
              </li>
            );
          }
          return (
            <li key={getKey(item)} data-index={row.index} aria-posinset={row.index + 1} aria-setsize={total} className="absolute left-0 top-0 w-full" style={style}>
              {renderRow(item, row.index)}
            </li>
          );
        })}
      </ul>
      <p id={keysId} className="sr-only">
        Use the up and down arrow keys to move between rows.
      </p>
    </div>
  );
}
