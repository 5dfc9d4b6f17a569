// The two namespaces SST puts in scope of sst.config.ts and infra/ (there through imports it adds to
// each file; here as globals, set once `$app` exists, because some component modules read it on load).
export * as sst from "../../../.sst/platform/src/components/index";
export * as aws from "@pulumi/aws";
