// Where the user pool's email (sign-up confirmation codes, password resets) is sent from. Cognito's
// own sender (COGNITO_DEFAULT) has a small daily quota that AWS says is not meant for production:
// past it, confirmation codes stop and sign-up answers LimitExceededException. A stage that sets
// both settings (`.env.<stage>`) sends through its own SES identity instead (DEVELOPER).
import { halfConfigured, setting } from "./stage-settings";

const FROM = "SES_FROM_ADDRESS";
const IDENTITY = "SES_IDENTITY_ARN";

/** `arn:aws:ses:<region>:<account>:identity/<domain or address>`, the form SES and Cognito take. */
const IDENTITY_ARN = /^arn:aws[a-z-]*:ses:[a-z0-9-]+:\d{12}:identity\/(.+)$/;

/** `me@example.com` or `Example <me@example.com>` → `me@example.com`. */
function addressOf(from: string): string | undefined {
  const address = /<([^<>\s]+)>\s*$/.exec(from)?.[1] ?? from;
  return /^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$/.test(address) ? address.toLowerCase() : undefined;
}

function sesEmail() {
  const from = setting(FROM);
  const identityArn = setting(IDENTITY);
  if (!from && !identityArn) return undefined;
  const fix = `Set both in .env.${$app.stage} (${FROM} a verified sender, ${IDENTITY} its SES identity's ARN), or neither to use Cognito's own low-quota sender.`;
  if (!identityArn) throw halfConfigured("SES email", FROM, IDENTITY, fix);
  if (!from) throw halfConfigured("SES email", IDENTITY, FROM, fix);
  const identity = IDENTITY_ARN.exec(identityArn)?.[1]?.toLowerCase();
  if (!identity) {
    throw new Error(
      `${IDENTITY} "${identityArn}" is not an SES identity ARN: copy it from the SES console, e.g. arn:aws:ses:us-east-1:123456789012:identity/example.com.`,
    );
  }
  const address = addressOf(from);
  if (!address)
    throw new Error(`${FROM} "${from}" is not an email address: use me@example.com or "Example <me@example.com>".`);
  // SES sends only from what the identity verified: that address, or any address at that domain or its subdomains.
  const domain = address.slice(address.indexOf("@") + 1);
  const covered = identity.includes("@")
    ? address === identity
    : domain === identity || domain.endsWith(`.${identity}`);
  if (!covered) {
    throw new Error(
      `${FROM} "${from}" is not covered by the SES identity ${identity}: send from that identity's address or domain, or set ${IDENTITY} to the identity that verified ${address}.`,
    );
  }
  return { emailSendingAccount: "DEVELOPER", fromEmailAddress: from, sourceArn: identityArn };
}

/** The user pool's `emailConfiguration`: SES when the stage configures it, else undefined (Cognito's default sender). */
export const userPoolEmail = sesEmail();
