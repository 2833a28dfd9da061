interface EventTargetLike {
  addEventListener(type: string, listener: (event: { type: string }) => void): void;
  removeEventListener(type: string, listener: (event: { type: string }) => void): void;
}

/**
 * Listens to the page, in browsers only: `beforeunload` (`unloading(true)`: no
 * reconnects while the page goes away), `pageshow` (back from the back/forward
 * cache: `unloading(false)`, then `wake()`), `online`, and `visibilitychange`
 * to visible (`wake()`: reconnect at once instead of waiting out a backoff that
 * grew while the laptop slept or the tab was hidden).
 * Returns the remover; a no-op outside browsers.
 */
export function watchPage(unloading: (unloading: boolean) => void, wake: () => void): () => void {
  const g = globalThis as { window?: EventTargetLike; document?: EventTargetLike & { visibilityState?: string } };
  const win = g.window;
  if (win === undefined || typeof win.addEventListener !== 'function') return () => {};
  const doc = g.document;
  const onEvent = ({ type }: { type: string }): void => {
    if (type === 'beforeunload') return unloading(true);
    if (type === 'pageshow') unloading(false);
    if (type !== 'visibilitychange' || doc?.visibilityState === 'visible') wake();
  };
  const listen = (method: 'addEventListener' | 'removeEventListener'): void => {
    for (const type of ['beforeunload', 'pageshow', 'online']) win[method](type, onEvent);
    doc?.[method]('visibilitychange', onEvent);
  };
  listen('addEventListener');
  return () => listen('removeEventListener');
}

/** True while the page is hidden (a background tab, whose timers browsers throttle); false outside browsers. */
export function pageHidden(): boolean {
  const doc = (globalThis as { document?: { visibilityState?: string } }).document;
  return doc?.visibilityState === 'hidden';
}
