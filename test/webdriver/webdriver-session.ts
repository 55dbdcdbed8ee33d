/**
 * The W3C WebDriver commands the WebDriver page needs, over HTTP with Node's fetch
 * (https://www.w3.org/TR/webdriver2/). Nothing WebKit-specific but the capabilities the caller passes.
 */

/** An error the remote end reported, with its WebDriver error code (e.g. `javascript error`). */
export class WebDriverError extends Error {
  override readonly name = 'WebDriverError';
  constructor(
    /** The WebDriver error code. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /** True for errors meaning the document went away under a command (a navigation, a closed window). */
  get isNavigation(): boolean {
    return this.code === 'no such frame' || this.code === 'no such window' || /unload/i.test(this.message);
  }
}

type Method = 'GET' | 'POST' | 'DELETE';

/** `DEBUG_WEBDRIVER=1`: log every command with its duration (stderr). */
const DEBUG = Boolean(process.env.DEBUG_WEBDRIVER);

async function send<T>(base: string, method: Method, path: string, body?: unknown): Promise<T> {
  const started = Date.now();
  try {
    return await sendNow<T>(base, method, path, body);
  } finally {
    if (DEBUG) console.error(`webdriver: ${method} ${path} ${Date.now() - started} ms`);
  }
}

async function sendNow<T>(base: string, method: Method, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let payload: { value?: { error?: string; message?: string } };
  try {
    payload = JSON.parse(text) as typeof payload;
  } catch {
    throw new WebDriverError(
      'unknown error',
      `${method} ${path}: HTTP ${response.status}: ${text.slice(0, 200)}`,
    );
  }
  const value = payload.value;
  if (!response.ok || (value && typeof value === 'object' && typeof value.error === 'string')) {
    throw new WebDriverError(
      value?.error ?? 'unknown error',
      `${method} ${path}: ${value?.message || value?.error}`,
    );
  }
  return value as T;
}

/** One WebDriver session: one browser window. */
export class WebDriverSession {
  #closed = false;

  private constructor(
    readonly base: string,
    readonly id: string,
    readonly capabilities: Record<string, unknown>,
  ) {}

  /** Opens a session on the driver at `base` (e.g. `http://127.0.0.1:4444`). */
  static async create(base: string, capabilities: Record<string, unknown>): Promise<WebDriverSession> {
    const created = await send<{ sessionId: string; capabilities: Record<string, unknown> }>(
      base,
      'POST',
      '/session',
      { capabilities: { alwaysMatch: capabilities } },
    );
    return new WebDriverSession(base, created.sessionId, created.capabilities);
  }

  get closed(): boolean {
    return this.#closed;
  }

  command<T>(method: Method, path: string, body?: unknown): Promise<T> {
    return send<T>(this.base, method, `/session/${this.id}${path}`, body);
  }

  /** Navigates and waits for the page's load event. */
  async navigate(url: string): Promise<void> {
    await this.command('POST', '/url', { url });
  }

  /** Runs `script` as the body of an async function; it answers by calling its last argument. */
  executeAsync<T>(script: string, args: unknown[] = []): Promise<T> {
    return this.command<T>('POST', '/execute/async', { script, args });
  }

  /** Runs `script` as the body of a function and returns what it returns. */
  executeSync<T>(script: string, args: unknown[] = []): Promise<T> {
    return this.command<T>('POST', '/execute/sync', { script, args });
  }

  /** A PNG of the viewport. */
  async screenshot(): Promise<Buffer> {
    return Buffer.from(await this.command<string>('GET', '/screenshot'), 'base64');
  }

  /** Ends the session, which closes its browser. Idempotent; never throws. */
  async delete(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.command('DELETE', '').catch(() => {});
  }
}
