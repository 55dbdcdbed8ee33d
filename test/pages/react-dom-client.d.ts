// The part of react-dom/client that test/pages/react-app.mjs uses, typed here instead of adding @types/react-dom
// as one more dev dependency for one function.
declare module 'react-dom/client' {
  import type { ReactNode } from 'react';

  export interface Root {
    render(children: ReactNode): void;
    unmount(): void;
  }
  export function createRoot(container: Element | DocumentFragment): Root;
}
