// The web platform types the public API mentions, under local names, so that the published declarations
// (dist/*.d.ts) compile in a project without the DOM lib — a Node-only TypeScript project with
// `lib: ["es2022"]`. Where the environment declares the global (the DOM lib, or @types/node), each name is that
// very type, so nothing changes for browser code; elsewhere it is a structural stand-in with what the socket
// uses. (@types/node declares its own globals with the same conditional.)

/** The instance type of the global class `Name` if the environment declares one, else `Fallback`. */
type GlobalOr<Name extends string, Fallback> = typeof globalThis extends {
  [K in Name]: { prototype: infer T };
}
  ? T
  : Fallback;

/** What the socket needs of a Blob where no `Blob` type exists. */
interface BlobShape {
  readonly size: number;
  readonly type: string;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
}

/** `Blob`. */
export type BlobLike = GlobalOr<'Blob', BlobShape>;

/** `URL`: where there is none, anything with an `href`. */
export type URLLike = GlobalOr<'URL', { readonly href: string }>;

/** `AbortSignal`: where there is none, what the socket uses of one. */
export type AbortSignalLike = GlobalOr<
  'AbortSignal',
  {
    readonly aborted: boolean;
    readonly reason: unknown;
    addEventListener(type: 'abort', listener: () => void): void;
    removeEventListener(type: 'abort', listener: () => void): void;
  }
>;

/** The DOM's `BufferSource`: an ArrayBuffer, a typed array or a DataView. */
export type BufferSourceLike = ArrayBuffer | ArrayBufferView;

/** The DOM's `BinaryType`: how binary frames arrive. */
export type BinaryTypeName = 'blob' | 'arraybuffer';
