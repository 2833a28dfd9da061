/** What the client does when the page tells it something. */
export interface PageHooks {
  /** The page is unloading (or came back from the back/forward cache). */
  setUnloading(unloading: boolean): void;
  /** The network or the tab came back: reconnect now if closed, check the socket if open. */
  wake(): void;
}

interface EventTargetLike {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

/**
 * Listens to the page, in browsers only: `beforeunload` (no reconnects while
 * the page goes away), `pageshow` (back from the back/forward cache),
 * `online`, and `visibilitychange` to visible (reconnect at once instead of
 * waiting out a backoff that grew while the laptop slept or the tab was hidden).
 * Returns the remover; a no-op outside browsers.
 */
export function watchPage(hooks: PageHooks): () => void {
  const g = globalThis as { window?: EventTargetLike; document?: EventTargetLike & { visibilityState?: string } };
  const win = g.window;
  if (win === undefined || typeof win.addEventListener !== 'function') return () => {};
  const doc = g.document;

  const onBeforeUnload = (): void => hooks.setUnloading(true);
  const onPageShow = (): void => {
    hooks.setUnloading(false);
    hooks.wake();
  };
  const onOnline = (): void => hooks.wake();
  const onVisibility = (): void => {
    if (doc?.visibilityState === 'visible') hooks.wake();
  };

  win.addEventListener('beforeunload', onBeforeUnload);
  win.addEventListener('pageshow', onPageShow);
  win.addEventListener('online', onOnline);
  doc?.addEventListener('visibilitychange', onVisibility);
  return () => {
    win.removeEventListener('beforeunload', onBeforeUnload);
    win.removeEventListener('pageshow', onPageShow);
    win.removeEventListener('online', onOnline);
    doc?.removeEventListener('visibilitychange', onVisibility);
  };
}

/** True while the page is hidden (a background tab, whose timers browsers throttle); false outside browsers. */
export function pageHidden(): boolean {
  const doc = (globalThis as { document?: { visibilityState?: string } }).document;
  return doc?.visibilityState === 'hidden';
}
