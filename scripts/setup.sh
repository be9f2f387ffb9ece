#!/usr/bin/env bash
# Installs the Debian 12 packages parscale needs, idempotently (only what is missing).
#   scripts/setup.sh build   compilers, MPI, libraries: enough to build and run
#   scripts/setup.sh test    build + what the test suite needs (plots, Slurm, MPICH, primesieve)
# As root it runs apt-get itself; as another user it prints the one sudo command to run.
set -euo pipefail

group=${1:-build}
build_packages=(
  g++ cmake ninja-build git pkg-config ca-certificates
  openmpi-bin libopenmpi-dev
  libboost-program-options-dev libfmt-dev nlohmann-json3-dev librandom123-dev
  libgtest-dev libgmock-dev libbenchmark-dev libprimesieve-dev
  python3
)
test_packages=(
  python3-pandas python3-matplotlib
  munge slurmd slurmctld slurm-client
  mpich libmpich-dev
  procps util-linux
)
case "$group" in
  build) wanted=("${build_packages[@]}") ;;
  test | all) wanted=("${build_packages[@]}" "${test_packages[@]}") ;;
  *) echo "setup.sh: error: expected 'build' or 'test', got '$group'" >&2; exit 2 ;;
esac

missing=()
for package in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup.sh: all ${#wanted[@]} packages for '$group' are installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup.sh: missing packages; run this once, then again without sudo:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "setup.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
