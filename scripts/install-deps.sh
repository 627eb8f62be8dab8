#!/usr/bin/env bash
# Installs the Debian packages zoo builds against (OpenBLAS, HDF5, libpng, pkg-config), ffmpeg (video import),
# chromium (the test that renders `zoo compare`'s report.html headless) and Open MPI (`zoo train --distributed`,
# tested with `mpirun -np 2`), but only those that are missing;
# runs apt-get update first when something must be installed. Uses sudo only when not root.
# `zoo weights fetch` (run by the test command) needs a python3 that has pip and numpy: unless $ZOO_PYTHON
# names another Python, Debian's python3, python3-pip and python3-numpy are installed when python3 lacks them.
set -euo pipefail

packages=(libopenblas-dev libhdf5-dev libpng-dev pkg-config ffmpeg chromium openmpi-bin libopenmpi-dev)
apt-cache show libdnnl-dev >/dev/null 2>&1 && packages+=(libdnnl-dev)  # optional: oneDNN convolutions (zoo runs without it)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ -z "${ZOO_PYTHON:-}" ] && { ! python3 -c 'import numpy' >/dev/null 2>&1 || ! python3 -m pip --version >/dev/null 2>&1; }; then
    missing+=(python3 python3-pip python3-numpy)
fi
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
# A fresh machine may have no package lists before the update, so ask again for the optional oneDNN.
if [[ ! " ${missing[*]} " == *" libdnnl-dev "* ]] && ! dpkg-query -W -f='${Status}' libdnnl-dev 2>/dev/null | grep -q "install ok installed" \
    && apt-cache show libdnnl-dev >/dev/null 2>&1; then
    missing+=(libdnnl-dev)
fi
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
