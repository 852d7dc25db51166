#!/usr/bin/env bash
# Installs the C libraries Lapak links (libcurl, SQLite, jansson) and the tools its tests use when they are missing.
# As root it installs them with apt-get; otherwise it names the packages to install and fails.
set -euo pipefail

# systemd: systemd-analyze checks the service units in the tests. zlib: gzip for the site's API.
# libjs-leaflet, libjs-leaflet.markercluster: the site's map, served by Lapak itself (no CDN).
# chromium: the site's test in a real browser. wrk: the site's load benchmark.
# postgresql, postgresql-15-postgis-3: the shared store's tests run against a throwaway cluster (scripts/with-postgres.sh).
packages=(libcurl4-openssl-dev libsqlite3-dev libjansson-dev pkg-config systemd zlib1g-dev
          libjs-leaflet libjs-leaflet.markercluster chromium wrk postgresql postgresql-15-postgis-3)
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Lapak needs these system packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
