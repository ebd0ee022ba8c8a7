/** HTML the stand-in shows a person: GitLab's sign-in form and its error page. */

const escapes: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => escapes[c]);
}

/** Inline styles only, so the page needs nothing else from the server or the network. */
const styles = `
*{box-sizing:border-box}
body{margin:0;font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Noto Sans",Ubuntu,sans-serif;background:#fbfafd;color:#333238}
header{background:#171321;color:#fff;padding:.75rem 1.5rem;display:flex;align-items:center;gap:.75rem}
.brand{font-weight:600;font-size:1.1rem}
.brand::before{content:"";display:inline-block;width:1rem;height:1rem;margin-right:.5rem;background:#fc6d26;transform:rotate(45deg);vertical-align:-2px}
.tag{font-size:.75rem;color:#bfbfc3;border:1px solid #535158;border-radius:1rem;padding:0 .5rem}
main{max-width:24rem;margin:3rem auto;padding:0 1rem}
h1{font-size:1.5rem;font-weight:600;text-align:center;margin:0 0 1.5rem}
form{background:#fff;border:1px solid #dcdcde;border-radius:.25rem;padding:1.5rem;display:grid;gap:.5rem}
label{font-weight:600;font-size:.875rem}
input{font:inherit;padding:.5rem .75rem;border:1px solid #89888d;border-radius:.25rem;margin-bottom:.75rem}
input:focus{outline:2px solid #1f75cb;outline-offset:1px}
button{font:inherit;font-weight:600;color:#fff;background:#1f75cb;border:0;border-radius:.25rem;padding:.6rem}
button:hover{background:#1068bf}
.alert{background:#fdd4cd;color:#8d1300;border-radius:.25rem;padding:.75rem 1rem;margin-bottom:1rem}
.hint{font-size:.875rem;color:#626168;text-align:center}
`;

function page(title: string, content: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · GitLab</title>
<style>${styles}</style>
</head>
<body>
<header><span class="brand">GitLab</span><span class="tag">development stand-in</span></header>
<main>
${content}
</main>
</body>
</html>
`;
}

/** GitLab's wording for a failed sign-in; it never says which of the two was wrong. */
export const invalidLoginMessage = "Invalid login or password.";

export function signInPage(options: { action: string; login?: string; failed?: boolean }): string {
  const alert = options.failed ? `<div class="alert" role="alert">${escapeHtml(invalidLoginMessage)}</div>\n` : "";
  // After a failed attempt the login is kept, so the password is what to type next.
  const focusLogin = options.login ? "" : " autofocus";
  const focusPassword = options.login ? " autofocus" : "";
  return page(
    "Sign in",
    `<h1>Sign in</h1>
${alert}<form method="post" action="${escapeHtml(options.action)}">
<label for="user_login">Username or primary email</label>
<input id="user_login" name="user[login]" type="text" autocomplete="username" autocapitalize="off" spellcheck="false" required${focusLogin} value="${escapeHtml(options.login ?? "")}">
<label for="user_password">Password</label>
<input id="user_password" name="user[password]" type="password" autocomplete="current-password" required${focusPassword}>
<button type="submit">Sign in</button>
</form>
<p class="hint">Users and passwords come from this stand-in's fixture.</p>`,
  );
}

export function errorPage(details: Record<string, string | undefined>): string {
  const lines = Object.entries(details)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: ${escapeHtml(value)}</p>`)
    .join("\n");
  return page("Error", `<h1>An error has occurred</h1>\n<div class="alert" role="alert">\n${lines}\n</div>`);
}

/** Pages carry no script and load nothing; redirects after the form go to the client, so form-action stays open. */
export const pageHeaders: Record<string, string> = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "x-frame-options": "DENY",
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
};
