#!/bin/sh
# `cargo` for maturin (through its CARGO variable): builds go through
# cargo-zigbuild with glibc pinned, as every other binary of `make dist`
# does, so the wheel reuses their compiled dependencies (maturin's own
# --zig wrappers have other paths, which would rebuild all of them).
# Other cargo commands (metadata) go to cargo itself.
real=${DIST_CARGO:?the cargo binary}
case "$1" in
  rustc | build) ;;
  *) exec "$real" "$@" ;;
esac
sub=$1
shift
for a; do
  shift
  [ "$a" = "$DIST_TRIPLE" ] && a="$DIST_TRIPLE.$DIST_GLIBC"
  set -- "$@" "$a"
done
CARGO=$real exec cargo-zigbuild "$sub" "$@"
