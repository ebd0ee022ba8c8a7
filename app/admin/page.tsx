import type { Metadata } from "next";
import { DependencyTable, HubFactsList } from "@/components/admin/health";
import { requireAdmin } from "@/server/admin/access";
import { adminHealth, hubFacts } from "@/server/admin/health";

export const metadata: Metadata = { title: "Health" };

export default async function AdminHealthPage() {
  const admin = await requireAdmin();
  const dependencies = await adminHealth(admin.token);
  const facts = hubFacts();
  const down = dependencies.filter((d) => !d.ok);
  return (
    <>
      <h1>Health</h1>
      <p className="lead">{down.length ? `${down.map((d) => d.name).join(", ")} ${down.length === 1 ? "is" : "are"} unavailable.` : "Every dependency answers."}</p>
      <section className="card" aria-labelledby="deps">
        <h2 id="deps">Dependencies</h2>
        <DependencyTable dependencies={dependencies} pins={facts.pins} />
      </section>
      <section className="card" aria-labelledby="hub">
        <h2 id="hub">This hub</h2>
        <HubFactsList facts={facts} />
      </section>
    </>
  );
}
