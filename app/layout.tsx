import type { Metadata } from "next";
import "./globals.css";

export const metadata: Metadata = {
  title: "MLflow Hub",
  description: "A private MLflow for every GitLab project",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
