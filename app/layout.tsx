import type { Metadata } from "next";
import "./globals.css";
import { Providers } from "./providers";

// Every page, not-found included, renders per request: Next stamps that request's CSP nonce (proxy.ts)
// on its scripts, and a page prerendered at build time would carry none, so its scripts would not run.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: { default: "MLflow Hub", template: "%s · MLflow Hub" },
  description: "A private MLflow for every GitLab project",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
