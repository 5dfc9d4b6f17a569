/**
 * What aws4fetch's signer takes from the global scope, done the cheap way on Node: the build gives
 * these to aws4fetch in place of the globals (build.mjs). Their first use costs more than Node's own
 * start-up: `Headers` loads undici (≈ 55 ms on Node 24), `crypto.subtle` compiles Node's WebCrypto
 * modules (≈ 15 ms). The signature is unchanged; only the primitives behind it differ.
 */
import type { BinaryLike, KeyObject } from "node:crypto";

/** Loaded when a request is first signed (≈ 8 ms, Node's crypto modules), so `--help` never pays for it. */
let loaded: typeof import("node:crypto") | undefined;
const nodeCrypto = () => (loaded ??= process.getBuiltinModule("node:crypto") as typeof import("node:crypto"));

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

/** The three `crypto.subtle` calls aws4fetch makes (HMAC-SHA256 key import and signing, SHA-256 digest), on node:crypto. */
export const crypto = {
  subtle: {
    async importKey(_format: "raw", key: BinaryLike): Promise<KeyObject> {
      return nodeCrypto().createSecretKey(Buffer.from(key as Uint8Array));
    },
    async sign(_algorithm: "HMAC", key: KeyObject, data: BinaryLike): Promise<ArrayBuffer> {
      return toArrayBuffer(nodeCrypto().createHmac("sha256", key).update(data).digest());
    },
    async digest(_algorithm: "SHA-256", data: BinaryLike): Promise<ArrayBuffer> {
      return toArrayBuffer(nodeCrypto().createHash("sha256").update(data).digest());
    },
  },
};

function toArrayBuffer(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
