/** Moments when an open connection may have died, or a waiting retry is likely to succeed. */
export type LifeEvent = 'online' | 'offline' | 'visible' | 'pageshow';

/**
 * Watches for the moments when a socket should check itself: the network came back (`online`) or went away
 * (`offline`), the tab became visible again after its timers were throttled, or the page was restored from the
 * back/forward cache (`pageshow` with `persisted`). Sleep/wake, Wi-Fi changes and bfcache restores all leave
 * sockets that report OPEN but are dead. These fire on the global scope — `window` in a page, `self` in a Web
 * Worker (which has `online`/`offline` only) — and on the document, where there is one. Returns a function that
 * stops watching. Does nothing where the global scope is not an event target (Node).
 */
export function watchBrowserLife(notify: (event: LifeEvent) => void): () => void {
  const scope = globalThis as Partial<EventTarget> as EventTarget;
  if (!scope.addEventListener) return () => {};
  const doc = globalThis.document as Document | undefined;
  const listeners: Array<[EventTarget, string, (event: Event) => void]> = [
    [scope, 'online', () => notify('online')],
    [scope, 'offline', () => notify('offline')],
    [scope, 'pageshow', (event) => (event as PageTransitionEvent).persisted && notify('pageshow')],
  ];
  if (doc)
    listeners.push([doc, 'visibilitychange', () => doc.visibilityState === 'visible' && notify('visible')]);
  for (const [target, type, listener] of listeners) target.addEventListener(type, listener);
  return () => {
    for (const [target, type, listener] of listeners) target.removeEventListener(type, listener);
  };
}

/** Whether the browser (page or worker) says it is offline. Unknown (Node, old browsers) counts as online. */
export const isOffline = (): boolean => globalThis.navigator?.onLine === false;
