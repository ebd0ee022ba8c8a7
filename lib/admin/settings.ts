/** One setting as the admin page shows it: never a secret in clear. */
export interface SettingView {
  name: string;
  value: string;
  /** `environment` when the variable is set (non-empty), `default` when the hub filled it in, `not set` otherwise. */
  source: "environment" | "default" | "not set";
  secret: boolean;
}

export const MASK = "••••••••";

/**
 * Settings whose whole value is a credential. New ones named like this are masked without a code change.
 * Every key counts: an access key id is half of a credential pair and names the account to attack.
 */
export const isSecretName = (name: string) => /SECRET|TOKEN|PASSWORD|PASSWD|KEY/.test(name);

/** Hides the password of every URL in `value` (user:password@host) and password-like query parameters. */
export function maskUrlCredentials(value: string): string {
  return value
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)([^\s@/]*)@/gi, (_, head: string, pw: string) => (pw ? `${head}${MASK}@` : `${head}@`))
    .replace(/([?&](?:ssl)?pass(?:word)?=)[^&\s]*/gi, `$1${MASK}`);
}

function display(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return value.join(",");
  return String(value);
}

/**
 * The effective configuration with its origin: `config` is what lib/config.ts
 * parsed, `env` the environment it parsed it from (an empty variable counts as
 * unset there too).
 */
export function settingsView(config: Record<string, unknown>, env: Record<string, string | undefined>, names: readonly string[] = Object.keys(config)): SettingView[] {
  return names.map((name) => {
    const value = config[name];
    const shown = display(value);
    const fromEnv = env[name] !== undefined && env[name] !== "";
    const source = fromEnv ? "environment" : value === undefined ? "not set" : "default";
    const secret = isSecretName(name);
    return { name, source, secret, value: secret ? (shown ? MASK : "") : maskUrlCredentials(shown) };
  });
}
