// The floor the web client's size is judged against: what any React page needs to sign in, make one
// signed REST call and upload and list files with Amplify v6 alone, its own categories for each, no screens.
import { Amplify } from "aws-amplify";
import { get } from "aws-amplify/api";
import { signIn } from "aws-amplify/auth";
import { list, uploadData } from "aws-amplify/storage";
import { useState } from "react";
import { createRoot } from "react-dom/client";

const env = import.meta.env;
Amplify.configure({
  Auth: {
    Cognito: {
      userPoolId: env.VITE_USER_POOL_ID,
      userPoolClientId: env.VITE_USER_POOL_CLIENT_ID,
      identityPoolId: env.VITE_IDENTITY_POOL_ID,
    },
  },
  API: { REST: { api: { endpoint: env.VITE_API_URL, region: env.VITE_REGION } } },
  Storage: { S3: { bucket: env.VITE_BUCKET, region: env.VITE_REGION } },
});

function App() {
  const [out, setOut] = useState("");
  async function run(form: FormData) {
    await signIn({ username: String(form.get("email")), password: String(form.get("password")) });
    const answer = await get({ apiName: "api", path: "/private" }).response;
    const file = form.get("file") as File;
    await uploadData({ path: ({ identityId }) => `private/${identityId}/${file.name}`, data: file }).result;
    const { items } = await list({ path: ({ identityId }) => `private/${identityId}/` });
    setOut(`${JSON.stringify(await answer.body.json())} ${items.length}`);
  }
  return (
    <form action={run}>
      <input name="email" />
      <input name="password" type="password" />
      <input name="file" type="file" />
      <button type="submit">Go</button>
      <output>{out}</output>
    </form>
  );
}

createRoot(document.getElementById("root")!).render(<App />);
