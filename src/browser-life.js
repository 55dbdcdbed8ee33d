/**
 * Watches the page for the moments when a socket should check itself: the network came back (`online`) or
 * went away (`offline`), the tab became visible again after its timers were throttled, or the page was
 * restored from the back/forward cache (`pageshow` with `persisted`). Sleep/wake, Wi-Fi changes and bfcache
 * restores all leave sockets that report OPEN but are dead. Returns a function that stops watching.
 * Does nothing where there is no `window` (Node, workers).
 */
export function watchBrowserLife(notify) {
    const win = globalThis.window;
    if (!win?.addEventListener || !globalThis.document)
        return () => { };
    const doc = document;
    const listeners = [
        [win, 'online', () => notify('online')],
        [win, 'offline', () => notify('offline')],
        [win, 'pageshow', (event) => event.persisted && notify('pageshow')],
        [doc, 'visibilitychange', () => doc.visibilityState === 'visible' && notify('visible')],
    ];
    for (const [target, type, listener] of listeners)
        target.addEventListener(type, listener);
    return () => {
        for (const [target, type, listener] of listeners)
            target.removeEventListener(type, listener);
    };
}
/** Whether the browser says it is offline. Unknown (Node, old browsers) counts as online. */
export const isOffline = () => globalThis.navigator?.onLine === false;
//# sourceMappingURL=browser-life.js.map