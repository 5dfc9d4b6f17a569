/// <reference types="vite/client" />

// The settings (VITE_API_URL…) are declared by src/sst-env.d.ts, which SST writes from infra/web.ts.
interface ImportMetaEnv {
  /** Test only: loopback doubles instead of AWS. Set at build time or absent; a real build has none. */
  readonly VITE_TEST_ENDPOINT_COGNITO_IDP?: string;
  readonly VITE_TEST_ENDPOINT_COGNITO_IDENTITY?: string;
  /** Path-style: `<endpoint>/<bucket>/<key>`. */
  readonly VITE_TEST_ENDPOINT_S3?: string;
}
