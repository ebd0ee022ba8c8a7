import type { SettingView } from "@/lib/admin/settings";

export function SettingsTable({ settings }: { settings: SettingView[] }) {
  return (
    <div className="table-scroll">
      <table aria-label="Settings">
        <thead>
          <tr>
            <th scope="col">Setting</th>
            <th scope="col">Value</th>
            <th scope="col">From</th>
          </tr>
        </thead>
        <tbody>
          {settings.map((s) => (
            <tr key={s.name} data-setting={s.name} data-source={s.source}>
              <th scope="row">
                <code>{s.name}</code>
              </th>
              <td className="setting-value">
                {s.value === "" ? <span className="muted">(empty)</span> : <code>{s.value}</code>}
                {s.secret && s.value ? <span className="badge secret">secret</span> : null}
              </td>
              <td>
                <span className={`badge source-${s.source.replace(" ", "-")}`}>{s.source}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
