#!/bin/sh
# Container entrypoint of the Rathaus Online image.
#
#   (no arguments)               rathaus --config $RATHAUS_CONFIG [--service $RATHAUS_SERVICE]
#   --service NAME [...]         rathaus --config $RATHAUS_CONFIG --service NAME [...]
#   migrate [--service NAME ...] rathaus --config $RATHAUS_CONFIG migrate ...   (then exits)
#   any other command [args...]  run it as it is (rathaus-dead-letters list, python, sh ...)
#
# Without RATHAUS_SERVICE and without --service every service runs in one process.
set -eu

config="${RATHAUS_CONFIG:-/app/config/production.yaml}"

case "${1:-}" in
    "" | -*)
        if [ -n "${RATHAUS_SERVICE:-}" ]; then
            exec rathaus --config "$config" --service "$RATHAUS_SERVICE" "$@"
        fi
        exec rathaus --config "$config" "$@"
        ;;
    migrate)
        exec rathaus --config "$config" "$@"
        ;;
    *)
        exec "$@"
        ;;
esac
