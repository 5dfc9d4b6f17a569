// The SST guide's frontend, reduced to what this app's web client also does: Amplify v5 configured as
// the guide configures it (Auth, Storage, API by name), Auth.signIn, API.get, Storage.vault.put and list.
import { Amplify, API, Auth, Storage } from "aws-amplify-v5";
import { useState } from "react";
import { createRoot } from "react-dom/client";

const env = import.meta.env;
Amplify.configure({
  Auth: {
    mandatorySignIn: true,
    region: env.VITE_REGION,
    userPoolId: env.VITE_USER_POOL_ID,
    identityPoolId: env.VITE_IDENTITY_POOL_ID,
    userPoolWebClientId: env.VITE_USER_POOL_CLIENT_ID,
  },
  Storage: { region: env.VITE_REGION, bucket: env.VITE_BUCKET, identityPoolId: env.VITE_IDENTITY_POOL_ID },
  API: { endpoints: [{ name: "api", endpoint: env.VITE_API_URL, region: env.VITE_REGION }] },
});

function App() {
  const [out, setOut] = useState("");
  async function run(form: FormData) {
    await Auth.signIn(String(form.get("email")), String(form.get("password")));
    const answer = await API.get("api", "/private", {});
    const file = form.get("file") as File;
    await Storage.vault.put(file.name, file, { contentType: file.type });
    const { results } = await Storage.vault.list("");
    setOut(`${JSON.stringify(answer)} ${results.length}`);
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
