#!/usr/bin/env bash
# `make dist`: every installable artifact, into dist/:
#   boardingpass_sdk-V-cp39-abi3-manylinux_2_28_x86_64.whl  (emulator binary inside)
#   boardingpass_sdk-V.tar.gz                               (sdist: Rust + pip build it)
#   boardingpass-sdk-V.tgz, boardingpass-sdk-linux-x64-gnu-V.tgz  (npm main + platform package)
#   boardingpass-V.crate                                    (core, `cargo publish --dry-run` passed)
#   boardingpass-cli-V-x86_64-unknown-linux-gnu.tar.gz      (boardingpass + boardingpass-emulator)
#   SHA256SUMS
# Every binary is linked by zig (cargo-zigbuild) against glibc 2.28, in
# target/x86_64-unknown-linux-gnu/release, sharing compiled dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS=${DIST_TOOLS:?set DIST_TOOLS to the virtualenv of packaging/requirements.txt}
export PATH="$TOOLS/bin:$PATH"
TRIPLE=x86_64-unknown-linux-gnu
GLIBC=2.28
REL=$ROOT/target/$TRIPLE/release
OUT=$ROOT/dist
VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
# Binaries without symbols (as users download them); one setting for every
# step below, so they share their compiled dependencies.
export CARGO_PROFILE_RELEASE_STRIP=symbols
# DIST_FAST=1 (`make test-dist`, in every `make test`): the same artifacts built
# without LTO at opt-level 1, and the crate packaged (`cargo package`) without
# the verify build of `cargo publish --dry-run` (the install test builds it
# from the packaged sources anyway).
PACKAGE=(publish --dry-run)
if [ -n "${DIST_FAST:-}" ]; then
  export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=1
  PACKAGE=(package --no-verify)
fi
step() { printf '\n== dist: %s (%ss)\n' "$1" "$SECONDS"; }
rm -rf "$OUT" && mkdir -p "$OUT"

step "emulator and CLI (glibc $GLIBC)"
cargo zigbuild --release --locked --target "$TRIPLE.$GLIBC" -p boardingpass-emulator -p boardingpass-cli

step "sdist"
(cd bindings-python && maturin sdist --out "$OUT")

step "wheel"
# The emulator binary rides in the package, beside _native.abi3.so, where
# core's testing::locate_emulator looks.
SHIPPED=bindings-python/python/boardingpass/boardingpass-emulator
cp "$REL/boardingpass-emulator" "$SHIPPED"
trap 'rm -f "$ROOT/$SHIPPED"' EXIT
# maturin compiles through packaging/zigcargo.sh (cargo-zigbuild, glibc pinned).
(cd bindings-python && CARGO=$ROOT/packaging/zigcargo.sh DIST_CARGO=$(command -v cargo) DIST_TRIPLE=$TRIPLE DIST_GLIBC=$GLIBC \
  maturin build --release --locked --target "$TRIPLE" --compatibility "manylinux_$(tr . _ <<<"$GLIBC")" --out "$OUT")
rm -f "$SHIPPED"
WHEEL=$(ls "$OUT"/boardingpass_sdk-*.whl)
auditwheel show "$WHEEL" | tee "$ROOT/target/auditwheel.txt"
grep -q "manylinux_2_28_x86_64" "$ROOT/target/auditwheel.txt" || { echo "auditwheel: the wheel is not manylinux_2_28_x86_64" >&2; exit 1; }
unzip -Z1 "$WHEEL" > "$ROOT/target/wheel-files.txt" # (a pipe into grep -q can die of SIGPIPE under pipefail)
grep -qx "boardingpass/boardingpass-emulator" "$ROOT/target/wheel-files.txt" || { echo "the wheel lacks the emulator binary" >&2; exit 1; }

step "npm packages"
# A staging copy of the package: napi lays out the platform package there
# (create-npm-dirs), the loader (native/index.js) falls back to it, and the
# main package lists it as an optional dependency.
STAGE=$ROOT/target/dist-npm
rm -rf "$STAGE" && mkdir -p "$STAGE"
(cd bindings-node && cp -r package.json README.md lib index.mjs index.d.ts testing.mjs testing.d.ts integrations "$STAGE/")
NAPI=$ROOT/bindings-node/node_modules/.bin/napi
(cd bindings-node && "$NAPI" build --platform --release -x --target "$TRIPLE.$GLIBC" --output-dir "$STAGE/native" --js index.js --dts index.d.ts)
(cd "$STAGE" && "$NAPI" create-npm-dirs --npm-dir npm >/dev/null)
PLATFORM=$STAGE/npm/linux-x64-gnu
mv "$STAGE/native/boardingpass.linux-x64-gnu.node" "$PLATFORM/"
cp "$REL/boardingpass-emulator" "$PLATFORM/"
rm "$STAGE/native/index.d.ts" # the committed index.d.ts is the package's (a test checks they agree)
node -e '
  const fs = require("fs")
  const [main, platform, version] = process.argv.slice(1)
  const edit = (file, f) => { const p = JSON.parse(fs.readFileSync(file)); f(p); fs.writeFileSync(file, JSON.stringify(p, null, 2) + "\n") }
  edit(platform + "/package.json", (p) => { p.files.push("boardingpass-emulator") })
  edit(main + "/package.json", (p) => {
    delete p.private; delete p.devDependencies; delete p.scripts
    p.optionalDependencies = { [JSON.parse(fs.readFileSync(platform + "/package.json")).name]: version }
  })' "$STAGE" "$PLATFORM" "$VERSION"
(cd "$PLATFORM" && npm pack --silent --pack-destination "$OUT" >/dev/null)
(cd "$STAGE" && npm pack --silent --pack-destination "$OUT" >/dev/null)

step "crate (cargo ${PACKAGE[*]})"
# --allow-dirty: `make dist` packages the working tree, committed or not.
cargo "${PACKAGE[@]}" --locked --allow-dirty -p boardingpass
cp "target/package/boardingpass-$VERSION.crate" "$OUT/"

step "CLI tarball"
NAME=boardingpass-cli-$VERSION-$TRIPLE
mkdir -p "$ROOT/target/$NAME"
cp "$REL/boardingpass" "$REL/boardingpass-emulator" README.md "$ROOT/target/$NAME/"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$ROOT/target" -czf "$OUT/$NAME.tar.gz" "$NAME"
rm -rf "${ROOT:?}/target/$NAME"

(cd "$OUT" && sha256sum -- * > SHA256SUMS)
step "done"
ls -l "$OUT"
