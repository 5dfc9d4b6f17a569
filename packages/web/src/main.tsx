import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App, MissingSettings } from "./App";
import { configureAuth } from "./auth";
import { missingSettings } from "./settings";
import "./styles.css";

const root = createRoot(document.getElementById("root")!);
if (missingSettings.length) {
  root.render(<MissingSettings names={missingSettings} />);
} else {
  configureAuth();
  root.render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
