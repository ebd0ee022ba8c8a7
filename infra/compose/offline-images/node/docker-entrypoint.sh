#!/bin/sh
# As upstream's: an option, a name that is not a command, or a plain (not
# executable) file as first argument runs under node (`docker run IMAGE -e '…'`, `… app.js`).
set -e
if [ "${1#-}" != "$1" ] || [ -z "$(command -v "$1")" ] || { [ -f "$1" ] && ! [ -x "$1" ]; }; then
  set -- node "$@"
fi
exec "$@"
