#!/bin/sh
# Writes the .env docker compose reads: .env.example with its comments, the host
# name given, and fresh random secrets. It never overwrites an existing file.
#
# Usage: scripts/gen-env.sh [--demo] [--acme-email EMAIL] HUB_DOMAIN
#   --demo              also fill in the GitLab settings for the demo profile's
#                       GitLab stand-in (docker compose --profile demo up -d)
#   --acme-email EMAIL  have Traefik get a Let's Encrypt certificate
# ENV_FILE=path writes another file than the .env beside docker-compose.yml.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
target=${ENV_FILE:-$root/.env}
demo=false
acme_email=
domain=

usage() {
  sed -n '5,9s/^# \{0,1\}//p' "$0" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case $1 in
    --demo) demo=true ;;
    --acme-email) [ $# -ge 2 ] || usage; acme_email=$2; shift ;;
    -h | --help) usage ;;
    -*) echo "gen-env: unknown option $1" >&2; usage ;;
    *) [ -z "$domain" ] || usage; domain=$1 ;;
  esac
  shift
done
[ -n "$domain" ] || usage
case $domain in
  *[!A-Za-z0-9.-]* | .* | *. | -*) echo "gen-env: '$domain' is not a host name" >&2; exit 2 ;;
esac
case $acme_email in
  "" | [!@]*@*[!@]) ;;
  *) echo "gen-env: '$acme_email' is not an e-mail address" >&2; exit 2 ;;
esac
case $acme_email in
  *[\'\"\\[:space:]]*) echo "gen-env: '$acme_email' is not an e-mail address" >&2; exit 2 ;;
esac

if [ -e "$target" ]; then
  echo "gen-env: $target already exists and is left as it is (move it away to write a new one)" >&2
  exit 1
fi

# Hex: letters and digits only, since the database passwords and S3 keys end up inside URLs.
secret() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# 32 random bytes in base64url: the token encryption key's format (lib/crypto/token-cipher.ts).
key32() { dd if=/dev/urandom bs=32 count=1 2>/dev/null | base64 | tr '+/' '-_' | tr -d '=\n'; }

# The value of one variable, given its name and the example's value.
value_for() {
  case $1 in
    HUB_DOMAIN) printf %s "$domain" ;;
    ACME_EMAIL) printf %s "$acme_email" ;;
    AUTH_SECRET | GITLAB_WEBHOOK_SECRET | METRICS_TOKEN | SERVING_TOKEN) secret 32 ;;
    TOKEN_ENCRYPTION_KEY) key32 ;;
    POSTGRES_ADMIN_PASSWORD | POSTGRES_HUB_PASSWORD | POSTGRES_MLFLOW_PASSWORD | S3_SECRET_KEY) secret 24 ;;
    GITLAB_URL) if $demo; then printf 'http://%s:3001' "$domain"; else printf %s "$2"; fi ;;
    GITLAB_CLIENT_ID) if $demo; then printf mlflow-hub-demo; fi ;;
    GITLAB_CLIENT_SECRET) if $demo; then secret 24; fi ;;
    GITLAB_SERVICE_TOKEN) if $demo; then printf glpat-hub-service; fi ;;
    *) printf %s "$2" ;;
  esac
}

# An example value as compose reads it: without the single quotes around it.
unquoted() {
  case $1 in
    \'*\') v=${1#\'}; printf %s "${v%\'}" ;;
    *) printf %s "$1" ;;
  esac
}

umask 077
partial="$target.partial.$$"
trap 'rm -f "$partial"' EXIT
while IFS= read -r line || [ -n "$line" ]; do
  case $line in
    [A-Z]*=*)
      name=${line%%=*}
      value=$(value_for "$name" "$(unquoted "${line#*=}")")
      # Single-quoted: sh (set -a; . ./.env) and docker compose both read it literally.
      if [ -n "$value" ]; then printf "%s='%s'\n" "$name" "$value"; else printf '%s=\n' "$name"; fi
      ;;
    *) printf '%s\n' "$line" ;;
  esac
done <"$root/.env.example" >"$partial"
# ln refuses to replace a file that appeared in the meantime.
ln "$partial" "$target"

echo "wrote $target"
if $demo; then
  echo "next: docker compose --profile demo up -d, then open https://$domain and sign in as alice / mlflow-hub-demo"
else
  echo "next: create the GitLab application (callback https://$domain/api/auth/callback/gitlab,"
  echo "scopes openid profile email read_user read_api), put GITLAB_URL, GITLAB_CLIENT_ID and"
  echo "GITLAB_CLIENT_SECRET in $target, then docker compose up -d"
fi
