# Sourced by .ci/run: what linux-arm64 needs in CI (issue #16 point 7). Keeps its output to a few lines; the
# details go to artifacts/arm64/ci.log. Idempotent, and quick when everything is already there.
#  - The kernel's uapi headers of both architectures, which tests/Multiprocessing.Tests/Interop/SyscallTableTests
#    checks the syscall tables against: linux-libc-dev (x86-64) and linux-libc-dev-arm64-cross (arm64).
#  - A self-contained linux-arm64 publish of samples/Tour. A failed build counts as one failed test.
#  - qemu-user, the arm64 C library, C++ runtime and OpenSSL (Debian multiarch: libc6, libstdc++6 and libssl3 for
#    arm64), and a binfmt_misc entry for aarch64 ELF files, so that the tour and the children it starts with
#    posix_spawn run emulated. When the tour then answers, MULTIPROCESSING_ARM64_TOUR names it and
#    tests/Multiprocessing.Tests/Interop/Arm64TourTests runs three chapters; otherwise that test is skipped.

arm64_dir=artifacts/arm64
arm64_log=$arm64_dir/ci.log

arm64_missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || printf '%s ' "$p"
  done
}

arm64_install() {
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "arm64: not root, or no apt-get: installing nothing"
    return 0
  fi

  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64
  fi

  # The headers first and on their own (the syscall table tests need them); then what only the qemu run needs,
  # so that a mirror without arm64 packages costs the qemu run only.
  local headers qemu updated=0 list
  headers=$(arm64_missing_packages linux-libc-dev linux-libc-dev-arm64-cross)
  qemu=$(arm64_missing_packages qemu-user libc6:arm64 libstdc++6:arm64 libssl3:arm64)
  for list in "$headers" "$qemu"; do
    [ -z "$list" ] && continue
    echo "arm64: installing $list"
    if [ "$updated" -eq 0 ]; then
      apt-get update -qq >>"$arm64_log" 2>&1 || echo "arm64: apt-get update reported errors (see $arm64_log)"
      updated=1
    fi
    # shellcheck disable=SC2086 # one word per package
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $list >>"$arm64_log" 2>&1 \
      || echo "arm64: apt-get install failed (see $arm64_log)"
  done
}

# Registers qemu-aarch64 for aarch64 ELF files (as Debian's qemu-user-binfmt would), with the F flag so that the
# interpreter is opened now and works in any mount namespace. Returns non-zero if it cannot.
arm64_binfmt() {
  local dir=/proc/sys/fs/binfmt_misc qemu
  [ -e "$dir/qemu-aarch64" ] && return 0
  if [ ! -e "$dir/register" ]; then
    mount -t binfmt_misc binfmt_misc "$dir" >>"$arm64_log" 2>&1 || return 1
    [ -e "$dir/qemu-aarch64" ] && return 0
  fi

  qemu=$(command -v qemu-aarch64-static || command -v qemu-aarch64) || return 1
  printf '%s' ':qemu-aarch64:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:'"$qemu"':F' \
    >"$dir/register" 2>>"$arm64_log"
}

arm64_prepare() {
  mkdir -p "$arm64_dir"
  : >"$arm64_log"
  arm64_install

  # No switch: the tour references the library's PROJECT, whose bin/ holds the linux-x64 ReadyToRun image (refused on
  # arm64), and Directory.Build.targets gives an app built for another RID the library's IL instead; the package
  # needs nothing either (lib/ IL, runtimes/linux-x64/lib the image): see docs/packaging.md (issue #16).
  rm -rf "$arm64_dir/tour"
  if dotnet publish samples/Tour -r linux-arm64 --self-contained \
      --artifacts-path "$arm64_dir/build" -o "$arm64_dir/tour" -v q -nologo >>"$arm64_log" 2>&1; then
    echo "arm64: built samples/Tour for linux-arm64 (self-contained) in $arm64_dir/tour"
  else
    echo "arm64: the linux-arm64 build FAILED (counted as one failed test); the end of $arm64_log:"
    tail -n 15 "$arm64_log"
    extra_failed=1
    return 0
  fi

  if ! arm64_binfmt; then
    echo "arm64: cannot register qemu-aarch64 with binfmt_misc: the arm64 tour test is skipped"
  elif ! timeout 300 "$arm64_dir/tour/Tour" --list >>"$arm64_log" 2>&1; then
    echo "arm64: the arm64 tour does not run under qemu here (see $arm64_log): the arm64 tour test is skipped"
  else
    export MULTIPROCESSING_ARM64_TOUR="$PWD/$arm64_dir/tour/Tour"
    echo "arm64: the tour runs under $(command -v qemu-aarch64-static || command -v qemu-aarch64); Interop/Arm64TourTests will run it"
  fi
}
