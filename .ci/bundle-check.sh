#!/usr/bin/env bash
# Build the PyInstaller bundle and prove it works without the source tree:
# doctor passes, the migrations shipped inside it upgrade a new SQLite file to the head.
#
# Usage: .ci/bundle-check.sh        (from anywhere; uses the repo's .venv unless PYTHON is set)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
PYINSTALLER="${PYINSTALLER:-$ROOT/.venv/bin/pyinstaller}"
BUNDLE="$ROOT/dist/asyncops-desktop"
APP="$BUNDLE/asyncops-desktop"
export QT_QPA_PLATFORM=offscreen

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
DB="$WORK/bundle-check.db"

cd "$ROOT"
started=$(date +%s)
"$PYINSTALLER" --noconfirm --clean --log-level WARN \
    --workpath "$ROOT/build/pyinstaller" --distpath "$ROOT/dist" build.spec
echo "bundle: built in $(( $(date +%s) - started )) s, $(du -sh "$BUNDLE" | cut -f1) at $BUNDLE"

# Run from an empty folder with a clean environment so nothing can come from the checkout.
cd "$WORK"
run() {
    env -i PATH=/usr/bin:/bin HOME="$WORK" LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen "$APP" "$@"
}

echo "--- doctor"
run doctor --db "$DB"
echo "--- db upgrade"
run db upgrade --db "$DB"
echo "--- db current"
current="$(run db current --db "$DB")"
echo "$current"
echo "--- doctor on the migrated file"
run doctor --db "$DB"

# The head is what the source tree's migrations say, not what the bundle claims.
head="$(cd "$ROOT" && "$PYTHON" -c 'from asyncops_desktop import migrate; print(migrate.head_revision())')"
if ! grep -qx "revision: $head" <<<"$current"; then
    echo "bundle-check: FAILED: the bundle's database is not at the head revision $head" >&2
    exit 1
fi
if ! grep -qx "app head: $head (current)" <<<"$current"; then
    echo "bundle-check: FAILED: the bundle does not report $head as current" >&2
    exit 1
fi
for resource in ui/resources/icons/asyncops-desktop.svg ui/resources/asyncops-desktop.desktop \
        asyncops_desktop/migrations/env.py; do
    if [[ ! -f "$BUNDLE/_internal/$resource" ]]; then
        echo "bundle-check: FAILED: $resource is missing from the bundle" >&2
        exit 1
    fi
done

# The GUI itself: on first launch it must create and migrate its database (on the worker
# thread) and keep running. It has no quit-after-start switch, so wait for the file, then stop it.
echo "--- GUI first launch"
GUI_DB="$WORK/gui.db"
run --db "$GUI_DB" >"$WORK/gui.log" 2>&1 &
gui=$!
state=""
for _ in $(seq 1 150); do
    if ! kill -0 "$gui" 2>/dev/null; then
        cat "$WORK/gui.log" >&2
        echo "bundle-check: FAILED: the GUI exited on its own" >&2
        exit 1
    fi
    if [[ -f "$GUI_DB" ]]; then
        state="$(run db current --db "$GUI_DB" 2>/dev/null || true)"
        grep -qx "app head: $head (current)" <<<"$state" && break
    fi
    sleep 0.2
done
kill "$gui"
wait "$gui" 2>/dev/null || true
if ! grep -qx "app head: $head (current)" <<<"$state"; then
    cat "$WORK/gui.log" >&2
    echo "bundle-check: FAILED: the GUI did not create and migrate its database" >&2
    exit 1
fi
echo "the GUI created $GUI_DB at $head"
echo "bundle-check: OK (revision $head)"
