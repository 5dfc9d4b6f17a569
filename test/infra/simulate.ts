// The IAM simulator wrapper lives in the harness, shared with the loopback doubles and `npm start`;
// the infra tests keep importing it from here.
export {
  decideForRole,
  decideWithResourcePolicy,
  sessionOf,
} from "@iam-auth-api/infra-harness/iam-simulator";
