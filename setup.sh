#!/usr/bin/env bash
# descent set-up: system packages, a .venv in the project root, the pinned Python packages.
# Idempotent: every step checks whether it is already done and skips it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

APT_PACKAGES=(build-essential pkg-config libcairo2-dev libpango1.0-dev fonts-dejavu-core)
# the tests open HTML slide decks in a real (headless) browser
APT_PACKAGES+=(chromium)
# ... and the html player in Firefox (ESR, over WebDriver BiDi) and WebKitGTK (Safari's engine,
# through its WebDriver on a virtual X screen): tests/test_player_browsers.py
APT_PACKAGES+=(firefox-esr webkit2gtk-driver xvfb)
# Node.js runs puppeteer-core, which drives Firefox; Debian's packages only where none is on PATH
if ! command -v npm >/dev/null 2>&1; then
    APT_PACKAGES+=(nodejs npm)
fi
# ... and code-server (VS Code in the browser) for tests/test_vscode.py: its kerberos module is
# built from source against the system's GSSAPI headers; its search runs Debian's ripgrep (13,
# the version VS Code's own download holds)
APT_PACKAGES+=(libkrb5-dev ripgrep)

say() { printf 'setup: %s\n' "$*" >&2; }

# 1. System packages (to build pycairo / manimpango).
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
if ((${#missing[@]})); then
    if [ "$(id -u)" -eq 0 ]; then
        say "installing system packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        say "missing system packages; run this, then re-run ./setup.sh:"
        printf 'sudo apt-get update && sudo apt-get install -y %s\n' "${missing[*]}"
        exit 1
    fi
fi

# 2. A Python >= 3.11 and the virtual environment.
PY=""
for cand in python3.13 python3.12 python3.11 python3; do
    if command -v "$cand" >/dev/null 2>&1 &&
        "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        PY=$cand
        break
    fi
done
if [ -z "$PY" ]; then
    say "descent needs Python >= 3.11; none found on PATH"
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    say "creating .venv with $PY"
    "$PY" -m venv .venv
fi

# 3. Pinned packages; re-installed only when pyproject.toml or constraints.txt change.
stamp=.venv/.descent-installed
want=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
    say "installing pinned packages into .venv (first run takes a few minutes)"
    log=.venv/setup-pip.log
    # the distribution was called "descent" before it became "manim-descent": an editable
    # install of this folder under the old name would still map the old top-level modules
    if .venv/bin/python -m pip show descent 2>/dev/null | grep -qx "Editable project location: $PWD"; then
        .venv/bin/python -m pip uninstall -q -y descent >/dev/null
    fi
    if ! { .venv/bin/python -m pip install -q --upgrade pip &&
        PIP_CONSTRAINT=constraints.txt .venv/bin/python -m pip install -q -c constraints.txt -e '.[dev]'; } >"$log" 2>&1; then
        cat "$log" >&2
        say "pip install failed (log above, also in $log)"
        exit 1
    fi
    echo "$want" >"$stamp"
fi

# 4. The browser tests' npm packages (puppeteer-core), exactly as tests/browsers/package-lock.json
#    pins them, into tests/browsers/node_modules; re-installed only when the lock changes.
npm_stamp=tests/browsers/node_modules/.descent-installed
npm_want=$(sha256sum tests/browsers/package-lock.json | cut -d' ' -f1)
if [ "$(cat "$npm_stamp" 2>/dev/null || true)" != "$npm_want" ]; then
    say "installing the browser tests' npm packages into tests/browsers/node_modules"
    log=.venv/setup-npm.log
    if ! npm ci --prefix tests/browsers --no-audit --no-fund --ignore-scripts >"$log" 2>&1; then
        cat "$log" >&2
        say "npm ci failed (log above, also in $log)"
        exit 1
    fi
    echo "$npm_want" >"$npm_stamp"
fi

# 5. code-server (VS Code in the browser, from npm) for tests/test_vscode.py, exactly as
#    tests/browsers/vscode/package-lock.json pins it and as its own npm-shrinkwrap.json pins
#    VS Code's modules (npm install, as code-server's script does: the shrinkwrap lacks tslib), into tests/browsers/vscode/node_modules; re-installed only when the
#    lock changes. Its postinstall script is not run: it downloads ripgrep from GitHub. The same
#    steps with Debian's ripgrep instead of the download: VS Code's modules, its native modules built against Node's
#    headers (Node 20, which code-server 4.100 requires), the links the script makes.
vs=tests/browsers/vscode
vs_stamp=$vs/node_modules/.descent-installed
vs_want=$(sha256sum $vs/package-lock.json | cut -d' ' -f1)
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo none)
if [ "$(cat "$vs_stamp" 2>/dev/null || true)" = "$vs_want" ]; then
    :
elif [ "$node_major" != 20 ]; then
    say "skipping code-server: it needs Node 20 (found $node_major); tests/test_vscode.py will skip"
else
    say "installing code-server into $vs/node_modules (builds native modules: a few minutes)"
    log=.venv/setup-code-server.log
    code=$vs/node_modules/code-server/lib/vscode
    nodedir=$(dirname "$(dirname "$(command -v node)")")
    if ! {
        npm ci --prefix $vs --no-audit --no-fund --ignore-scripts &&
            (cd $code && npm install --omit=dev --no-audit --no-fund --ignore-scripts) &&
            mkdir -p $code/node_modules/@vscode/ripgrep/bin &&
            ln -sfn "$(command -v rg)" $code/node_modules/@vscode/ripgrep/bin/rg &&
            (cd $code && npm_config_nodedir=$nodedir npm_config_yes=true npm rebuild --foreground-scripts) &&
            (cd $vs && npm_config_nodedir=$nodedir npm rebuild argon2 --foreground-scripts) &&
            ln -sfn node_modules $code/node_modules.asar &&
            ln -sfn code-linux.sh $code/bin/remote-cli/code-server &&
            ln -sfn browser-linux.sh $code/bin/helpers/browser.sh
    } >"$log" 2>&1; then
        tail -40 "$log" >&2
        say "code-server install failed (log above, all of it in $log)"
        exit 1
    fi
    echo "$vs_want" >"$vs_stamp"
fi
