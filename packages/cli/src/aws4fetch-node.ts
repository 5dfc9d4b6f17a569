/**
 * What aws4fetch's signer takes from the global scope, done the cheap way on Node: the build gives
 * these to aws4fetch in place of the globals (build.mjs). Their first use costs more than Node's own
 * start-up: `Headers` loads undici (≈ 55 ms on Node 24), `crypto.subtle` compiles Node's WebCrypto
 * modules (≈ 15 ms), and even node:crypto's own modules cost a warm call more than the few HMACs it
 * signs with: SHA-256 and HMAC come from @noble/hashes (audited, pure JS, no dependencies). The
 * signature is unchanged; only the primitives behind it differ.
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";

/** The part of the Fetch API's `Headers` that aws4fetch uses (construct from an object, get, set, has, delete, keys, iterate). */
export class Headers {
  readonly #values = new Map<string, string>();

  constructor(init: Record<string, string> = {}) {
    for (const [name, value] of Object.entries(init)) this.set(name, value);
  }

  get(name: string): string | null {
    return this.#values.get(name.toLowerCase()) ?? null;
  }

  set(name: string, value: string): void {
    this.#values.set(name.toLowerCase(), String(value));
  }

  has(name: string): boolean {
    return this.#values.has(name.toLowerCase());
  }

  delete(name: string): void {
    this.#values.delete(name.toLowerCase());
  }

  /** Sorted by name, as `Headers` iterates. */
  keys(): IterableIterator<string> {
    return [...this.#values.keys()].sort()[Symbol.iterator]();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return [...this.keys()].map((name): [string, string] => [name, this.#values.get(name)!])[Symbol.iterator]();
  }
}

type Bytes = Uint8Array | ArrayBuffer;
const bytes = (data: Bytes) => (data instanceof Uint8Array ? data : new Uint8Array(data));

/** The three `crypto.subtle` calls aws4fetch makes (HMAC-SHA256 key import and signing, SHA-256 digest). */
export const crypto = {
  subtle: {
    async importKey(_format: "raw", key: Bytes): Promise<Uint8Array> {
      return bytes(key);
    },
    async sign(_algorithm: "HMAC", key: Uint8Array, data: Bytes): Promise<ArrayBuffer> {
      return toArrayBuffer(hmac(sha256, key, bytes(data)));
    },
    async digest(_algorithm: "SHA-256", data: Bytes): Promise<ArrayBuffer> {
      return toArrayBuffer(sha256(bytes(data)));
    },
  },
};

function toArrayBuffer(view: Uint8Array): ArrayBuffer {
  return view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength) as ArrayBuffer;
}
