/**
 * What a WebDriver page keeps inside the browser: a registry of handles (so a test can hold on to an in-page
 * object, as with Playwright's JSHandle), a record of uncaught errors (Playwright's `pageerror`), and the
 * call protocol every evaluation goes through.
 *
 * {@link installRuntime} runs in the page, shipped as source with the codec: it closes over nothing.
 */
import type { Codec, CodecHooks, HandleRef, Serialized } from './codec.js';

/** An uncaught error, or a thrown value, made serialisable. */
export interface PageError {
  name: string;
  message: string;
  stack: string;
}

/** One evaluation, as the test asks for it. */
export interface CallRequest {
  /** A function's source, or an expression's when `isFunction` is false. */
  source: string;
  isFunction: boolean;
  /** For `JSHandle.evaluate()`: the handle whose value is the function's first argument. */
  target?: HandleRef;
  /** The function's (last) argument. */
  arg: Serialized;
  /** Send back the value, a handle to it, or (for waitForFunction) a handle only if the value is truthy. */
  returns: 'value' | 'handle' | 'truthy-handle';
}

/** The answer to a {@link CallRequest}, with the page errors recorded since the last answer. */
export type CallResult = { documentId: string; errors: PageError[] } & (
  | { outcome: 'value'; value: Serialized }
  | { outcome: 'handle'; handle: HandleRef }
  | { outcome: 'falsy' }
  | { outcome: 'threw'; error: PageError }
);

export interface PageRuntime {
  /** Tells documents apart: a handle from one cannot be used in another. */
  readonly documentId: string;
  call(request: CallRequest): Promise<CallResult>;
  dispose(id: number): void;
  /** Records an error as uncaught (used for errors thrown by init scripts). */
  reportError(error: unknown): void;
  /** The errors recorded since the last call, oldest first. */
  drainErrors(): PageError[];
}

/** The property of `window` that holds the runtime. */
export const RUNTIME_KEY = '__webdriverPageRuntime';

/** Sets up the runtime in `win`: listeners for uncaught errors, an empty handle registry. */
export function installRuntime(win: Window, makeCodec: (hooks: CodecHooks) => Codec): PageRuntime {
  const documentId = `${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  const handles = new Map<number, unknown>();
  let nextHandle = 1;
  let errors: PageError[] = [];

  const toPageError = (error: unknown): PageError =>
    error instanceof Error
      ? { name: error.name, message: error.message, stack: String(error.stack ?? '') }
      : { name: 'Error', message: String(error), stack: '' };
  win.addEventListener('error', (event) => errors.push(toPageError(event.error ?? event.message)));
  win.addEventListener('unhandledrejection', (event) => errors.push(toPageError(event.reason)));

  const codec = makeCodec({
    handleRef: () => undefined,
    resolveHandle: (ref) => {
      if (ref.doc !== documentId || !handles.has(ref.id)) {
        throw new Error('JSHandle is disposed: it was disposed, or its page navigated since it was made');
      }
      return handles.get(ref.id);
    },
  });

  // Called through a variable, eval is indirect: global scope, like a script, whatever this function's scope.
  const indirectEval = (win as unknown as typeof globalThis).eval;
  const globalEval = (source: string): unknown => indirectEval(source);
  const compile = (source: string): ((...args: unknown[]) => unknown) => {
    try {
      return globalEval(`(${source})`) as (...args: unknown[]) => unknown;
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
    }
    // A method shorthand (`name() {}`, `async name() {}`) is not an expression by itself.
    const asFunction = source.startsWith('async ')
      ? `async function ${source.slice(6)}`
      : `function ${source}`;
    return globalEval(`(${asFunction})`) as (...args: unknown[]) => unknown;
  };

  const drainErrors = (): PageError[] => {
    const drained = errors;
    errors = [];
    return drained;
  };

  async function run(request: CallRequest): Promise<CallResult> {
    const done = { documentId, errors: [] };
    try {
      let value: unknown;
      if (request.isFunction) {
        const head = request.target ? [codec.deserialize(request.target)] : [];
        value = await compile(request.source)(...head, codec.deserialize(request.arg));
      } else {
        value = await globalEval(request.source);
      }
      if (request.returns === 'truthy-handle' && !value) return { ...done, outcome: 'falsy' };
      if (request.returns === 'value') return { ...done, outcome: 'value', value: codec.serialize(value) };
      const id = nextHandle++;
      handles.set(id, value);
      return { ...done, outcome: 'handle', handle: { $: 'h', id, doc: documentId } };
    } catch (error) {
      return { ...done, outcome: 'threw', error: toPageError(error) };
    }
  }

  return {
    documentId,
    call: async (request) => ({ ...(await run(request)), errors: drainErrors() }),
    dispose: (id) => handles.delete(id),
    reportError: (error) => errors.push(toPageError(error)),
    drainErrors,
  };
}
