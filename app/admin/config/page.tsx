import type { Metadata } from "next";
import { SettingsTable } from "@/components/admin/settings-table";
import { settingsView } from "@/lib/admin/settings";
import { config } from "@/lib/config";
import { requireAdmin } from "@/server/admin/access";

export const metadata: Metadata = { title: "Configuration" };

export default async function AdminConfigPage() {
  await requireAdmin();
  const settings = settingsView(config() as unknown as Record<string, unknown>, process.env);
  return (
    <>
      <h1>Configuration</h1>
      <p className="lead">
        The settings this hub process runs with, as it read them at start. Change them in the environment (<code>.env</code> with docker compose) and restart the hub. Secrets are never shown.
      </p>
      <section className="card" aria-labelledby="settings">
        <h2 id="settings">Settings</h2>
        <SettingsTable settings={settings} />
      </section>
    </>
  );
}
