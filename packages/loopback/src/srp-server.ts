import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

// The server half of Cognito's SRP-6a, written from the protocol (RFC 5054 group, Cognito's HKDF
// and claim format), independently of the client library the CLI uses: a bug shared by both
// halves cannot make the test pass.

const N = BigInt(
  "0xFFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);
const g = 2n;

/** Hex of a positive integer as Java's BigInteger.toByteArray would give it: even length, sign bit clear. */
function paddedHex(value: bigint): string {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return /^[89a-f]/.test(hex) ? `00${hex}` : hex;
}

function sha256Hex(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

function hashOfHex(hex: string): bigint {
  return BigInt(`0x${sha256Hex(Buffer.from(hex, "hex"))}`);
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  base %= modulus;
  for (; exponent > 0n; exponent >>= 1n) {
    if (exponent & 1n) result = (result * base) % modulus;
    base = (base * base) % modulus;
  }
  return result;
}

const k = hashOfHex(paddedHex(N) + paddedHex(g));

export interface Verifier {
  /** Cognito's internal user name, sent back as USER_ID_FOR_SRP; the client hashes it, not the email. */
  userIdForSrp: string;
  salt: bigint;
  verifier: bigint;
}

/** What Cognito stores at sign-up instead of the password. */
export function createVerifier(userPool: string, userIdForSrp: string, password: string): Verifier {
  const salt = BigInt(`0x${randomBytes(16).toString("hex")}`);
  const identityHash = sha256Hex(`${userPool.split("_")[1]}${userIdForSrp}:${password}`);
  const x = hashOfHex(paddedHex(salt) + identityHash);
  return { userIdForSrp, salt, verifier: modPow(g, x, N) };
}

export interface ServerChallenge {
  parameters: { SALT: string; SRP_B: string; SECRET_BLOCK: string; USER_ID_FOR_SRP: string };
  /** Checks the client's PASSWORD_VERIFIER answer. */
  verify(answer: {
    SRP_A?: string;
    TIMESTAMP: string;
    PASSWORD_CLAIM_SIGNATURE: string;
    PASSWORD_CLAIM_SECRET_BLOCK: string;
  }): boolean;
}

/** Answers an InitiateAuth USER_SRP_AUTH whose SRP_A is `largeAHex`. */
export function createChallenge(userPool: string, user: Verifier, largeAHex: string): ServerChallenge {
  const A = BigInt(`0x${largeAHex}`);
  if (A % N === 0n) throw new Error("SRP_A is zero modulo N");
  const b = BigInt(`0x${randomBytes(128).toString("hex")}`);
  const B = (k * user.verifier + modPow(g, b, N)) % N;
  const secretBlock = randomBytes(64).toString("base64");
  return {
    parameters: {
      SALT: user.salt.toString(16),
      SRP_B: B.toString(16),
      SECRET_BLOCK: secretBlock,
      USER_ID_FOR_SRP: user.userIdForSrp,
    },
    verify(answer) {
      // Cognito takes SRP_A back only if given (Amplify v6 leaves it out: the session holds it).
      if (
        (answer.SRP_A !== undefined && answer.SRP_A !== largeAHex) ||
        answer.PASSWORD_CLAIM_SECRET_BLOCK !== secretBlock
      )
        return false;
      if (!/^[A-Z][a-z]{2} [A-Z][a-z]{2} \d{1,2} \d{2}:\d{2}:\d{2} UTC \d{4}$/.test(answer.TIMESTAMP)) return false;
      const u = hashOfHex(paddedHex(A) + paddedHex(B));
      const S = modPow((A * modPow(user.verifier, u, N)) % N, b, N);
      const prk = createHmac("sha256", Buffer.from(paddedHex(u), "hex"))
        .update(Buffer.from(paddedHex(S), "hex"))
        .digest();
      const key = createHmac("sha256", prk).update("Caldera Derived Key\u0001").digest().subarray(0, 16);
      const expected = createHmac("sha256", key)
        .update(
          Buffer.concat([
            Buffer.from(userPool.split("_")[1]),
            Buffer.from(user.userIdForSrp),
            Buffer.from(secretBlock, "base64"),
            Buffer.from(answer.TIMESTAMP),
          ]),
        )
        .digest();
      const given = Buffer.from(answer.PASSWORD_CLAIM_SIGNATURE, "base64");
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
