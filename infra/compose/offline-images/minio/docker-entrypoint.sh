#!/bin/sh
# As upstream's: anything but `minio` as first argument is an argument of minio
# (`docker run IMAGE server /data`). Upstream's deprecated MINIO_USERNAME user switch is left out.
if [ -n "$1" ] && [ "$1" != minio ]; then
  set -- minio "$@"
fi
exec "$@"
