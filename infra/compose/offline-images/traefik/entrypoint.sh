#!/bin/sh
# As upstream's: options, or a Traefik subcommand (`version`, `healthcheck`), as
# first argument run traefik; anything else runs as a command of its own.
set -e
if [ "${1#-}" != "$1" ]; then
  set -- traefik "$@"
fi
if traefik "$1" --help >/dev/null 2>&1; then
  set -- traefik "$@"
else
  echo "= '$1' is not a Traefik command: assuming shell execution." >&2
fi
exec "$@"
