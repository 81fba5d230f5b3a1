#!/usr/bin/env bash
# `make test-dist`: the artifacts of `make dist` installed the way users
# install them, each in a fresh place, none with this repository on its path:
# - Python: a fresh venv per interpreter (3.9 and the newest pyenv has),
#   no Rust on PATH, `pip install` the wheel, then a user's pytest suite
#   (python/) runs the quickstart against the plugin's emulator;
# - Node: an empty project, no Rust and no napi CLI, `npm install` the two
#   tarballs, workerd and jest, then a user's node:test suite (node/) runs the
#   quickstart with import and with require against startEmulator(), and a
#   jest suite uses it from beforeAll/afterAll;
# - Rust: a throwaway crate depending on the unpacked .crate builds and
#   provisions, deploys and claims against the CLI tarball's emulator;
# - CLI: the tarball's checksum verifies and its binaries run.
# Ends with a `dist: N passed, N failed` line.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
DIST=$ROOT/dist
HERE=$ROOT/tests/dist
WORK=$(mktemp -d "${TMPDIR:-/tmp}/boardingpass-dist-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
WORKERD_VERSION=$(node -p 'require("./package.json").devDependencies.workerd')
passed=0 failed=0
check() { # check NAME COMMAND...: runs a step, counts it
  local name=$1; shift
  printf '\n== test-dist: %s\n' "$name"
  if "$@"; then passed=$((passed + 1)); echo "ok: $name"; else failed=$((failed + 1)); echo "FAILED: $name"; fi
}

# PATH without a Rust toolchain (cargo, rustc, rustup live in ~/.cargo/bin).
NORUST_PATH=$(tr ':' '\n' <<<"$PATH" | grep -v -e '/\.cargo/bin' -e '/\.rustup' | paste -sd:)
# workerd on PATH for the Python users (one way core finds it; Node users npm-install it).
mkdir -p "$WORK/bin" && ln -s "$ROOT/node_modules/workerd/bin/workerd" "$WORK/bin/workerd"
norust() { env -u BOARDINGPASS_WORKERD -u BOARDINGPASS_EMULATOR -u BOARDINGPASS_ESBUILD PATH="$NORUST_PATH" "$@"; }

checksums() { (cd "$DIST" && sha256sum --quiet -c SHA256SUMS); }
check "checksums of every artifact" checksums

no_rust_on_path() { ! norust sh -c 'command -v cargo || command -v rustc || command -v napi'; }
check "no Rust toolchain or napi CLI on the users' PATH" no_rust_on_path

python_user() { # python_user INTERPRETER
  local py=$1 venv; venv=$WORK/venv-$(basename "$(dirname "$(dirname "$py")")")
  norust "$py" -m venv "$venv" &&
    norust "$venv/bin/pip" install --quiet --disable-pip-version-check "$DIST"/boardingpass_sdk-"$VERSION"-*.whl -r "$HERE/python/requirements.txt" &&
    cp "$HERE/python/test_installed.py" "$ROOT/examples/python/quickstart.py" "$ROOT/examples/python/worker.js" "$WORK/" &&
    (cd "$WORK" && norust env PATH="$WORK/bin:$NORUST_PATH" "$venv/bin/python" -m pytest -q -p no:cacheprovider test_installed.py)
}
PYTHONS=()
for v in 3.9 3.13; do
  found=$(ls -d "$HOME"/.pyenv/versions/"$v".*/bin/python3 2>/dev/null | sort -V | tail -1)
  [ -n "$found" ] && PYTHONS+=("$found")
done
[ ${#PYTHONS[@]} -gt 0 ] || PYTHONS=("$(command -v python3)")
for py in "${PYTHONS[@]}"; do
  check "pip install the wheel, pytest plugin + quickstart ($("$py" --version))" python_user "$py"
done

node_user() {
  local proj=$WORK/node
  mkdir -p "$proj" && cp "$HERE"/node/* "$ROOT/examples/node/quickstart.mjs" "$proj/" &&
    (cd "$proj" && norust npm install --no-audit --no-fund --loglevel=error \
      "$DIST/boardingpass-sdk-$VERSION.tgz" "$DIST/boardingpass-sdk-linux-x64-gnu-$VERSION.tgz" "workerd@$WORKERD_VERSION") &&
    [ -x "$proj/node_modules/boardingpass-sdk-linux-x64-gnu/boardingpass-emulator" ] &&
    (cd "$proj" && norust node --test --test-concurrency=1 installed.test.mjs) &&
    (cd "$proj" && norust npx jest --ci jest-fixture.test.js) &&
    (cd "$proj" && norust npx vitest run vitest-fixture.test.mjs)
}
check "npm install both tarballs, startEmulator + quickstart (import, require), node:test, jest and vitest" node_user

CLI=$WORK/cli
cli_user() {
  mkdir -p "$CLI" && tar -xzf "$DIST/boardingpass-cli-$VERSION-x86_64-unknown-linux-gnu.tar.gz" -C "$CLI" --strip-components=1 &&
    "$CLI/boardingpass" --version | grep -qx "boardingpass $VERSION" &&
    "$CLI/boardingpass-emulator" --version | grep -q "$VERSION"
}
check "CLI tarball: binaries run" cli_user

rust_user() {
  local proj=$WORK/rust
  mkdir -p "$proj/src" && tar -xzf "$DIST/boardingpass-$VERSION.crate" -C "$WORK" &&
    sed "s#@CRATE@#$WORK/boardingpass-$VERSION#" "$HERE/rust/Cargo.toml.in" > "$proj/Cargo.toml" &&
    cp "$HERE/rust/src/main.rs" "$proj/src/" &&
    # The workspace's lock and target directory: the same dependency versions, compiled once.
    cp "$ROOT/Cargo.lock" "$proj/" &&
    (cd "$proj" && CARGO_TARGET_DIR=$ROOT/target cargo build -q) &&
    (cd "$proj" && BOARDINGPASS_EMULATOR=$CLI/boardingpass-emulator BOARDINGPASS_WORKERD=$WORK/bin/workerd "$ROOT/target/debug/boardingpass-dist-check")
}
check "a crate depending on the packaged boardingpass builds and provisions" rust_user

printf '\ndist: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
