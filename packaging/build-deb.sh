#!/usr/bin/env bash
# Builds the Storyweave Debian package: a self-contained, single-file linux-x64 program with a systemd unit,
# a storyweave user and its data in /var/lib/storyweave (see packaging/README.md and docs/install-deb.md).
#
#   packaging/build-deb.sh [--out DIR] [--publish-dir DIR] [--version X.Y.Z]
#
# --out DIR          where the .deb goes (default artifacts/deb); the last line printed is its path.
# --publish-dir DIR  package an existing `dotnet publish` output instead of publishing again.
# --version V        the package version (default: <Version> in src/Storyweave/Storyweave.csproj).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out="$root/artifacts/deb"
publish_dir=""
version=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --publish-dir) publish_dir=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    *) echo "build-deb.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$version" ] || version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' src/Storyweave/Storyweave.csproj | head -n 1)
[ -n "$version" ] || { echo "build-deb.sh: no <Version> in src/Storyweave/Storyweave.csproj" >&2; exit 1; }
command -v dpkg-deb >/dev/null || { echo "build-deb.sh: dpkg-deb is needed (Debian package dpkg)" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
work="$out/work"
rm -rf "$work"
mkdir -p "$work"

if [ -z "$publish_dir" ]; then
  publish_dir="$work/publish"
  # Self-contained (the runtime comes with it: no .NET on the server), one file for the program itself.
  # Native libraries (SQLite, SkiaSharp, Whisper) and the content (wwwroot, Playwright's driver) stay as files
  # beside it: nothing is unpacked at run time, which the unit's ProtectSystem=strict would not allow anyway.
  # No trimming: EF Core and Razor are not trim-safe. --artifacts-path keeps this publish's obj/ and bin/ apart
  # from the framework-dependent build the tests use.
  echo "Publishing storyweave $version for linux-x64 (self-contained, single file)" >&2
  DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 dotnet publish src/Storyweave -c Release -r linux-x64 --self-contained \
    --artifacts-path "$work/artifacts" -o "$publish_dir" -nologo -v quiet \
    -p:PublishSingleFile=true -p:PublishTrimmed=false -p:DebugType=none -p:GenerateDocumentationFile=false >&2
fi
[ -x "$publish_dir/storyweave" ] || { echo "build-deb.sh: $publish_dir/storyweave is missing" >&2; exit 1; }

stage="$work/root"
lib="$stage/usr/lib/storyweave"
mkdir -p "$lib" "$stage/usr/bin" "$stage/lib/systemd/system" "$stage/etc/storyweave" "$stage/usr/share/doc/storyweave" "$stage/DEBIAN"
cp -a "$publish_dir/." "$lib/"
# Only this machine's native libraries: Whisper.net brings every platform's, and Apple's GPU shader.
find "$lib/runtimes" -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} +
rm -f "$lib/ggml-metal.metal" "$lib/playwright.ps1"
# The program's files are read-only for everyone but root; nothing in them is secret.
find "$lib" -type d -exec chmod 0755 {} +
find "$lib" -type f -exec chmod 0644 {} +
chmod 0755 "$lib/storyweave"
find "$lib" -type f \( -name node -o -name '*.sh' \) -exec chmod 0755 {} +
ln -s ../lib/storyweave/storyweave "$stage/usr/bin/storyweave"
install -m 0644 packaging/deb/storyweave.service "$stage/lib/systemd/system/storyweave.service"
install -m 0644 packaging/deb/storyweave.conf "$stage/etc/storyweave/storyweave.conf"
install -m 0644 docs/install-deb.md docs/operations.md "$stage/usr/share/doc/storyweave/"
install -m 0755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$stage/DEBIAN/"
echo /etc/storyweave/storyweave.conf > "$stage/DEBIAN/conffiles"

installed_kb=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<CONTROL
Package: storyweave
Version: $version
Architecture: amd64
Maintainer: Storyweave <storyweave@localhost>
Section: web
Priority: optional
Installed-Size: $installed_kb
Depends: libc6 (>= 2.36), libgcc-s1, libstdc++6, libgomp1, zlib1g, libicu72 | libicu76, libssl3 | libssl3t64, ca-certificates, tzdata, passwd, ffmpeg
Recommends: chromium, pocketsphinx-en-us
Description: co-produced, story-based research (Community Reporting)
 Storyweave is a self-hosted web app for gathering, making sense of and
 sharing people's stories with each storyteller's consent enforced at
 every step. This package runs it as the systemd service "storyweave"
 (user storyweave, data in /var/lib/storyweave, settings in
 /etc/storyweave/storyweave.conf). Recordings and clips need ffmpeg;
 PDF reports need chromium; automatic drafts use pocketsphinx-en-us.
CONTROL

deb="$out/storyweave_${version}_amd64.deb"
rm -f "$deb"
# gzip: xz saves about a third of the size but takes minutes on a busy 2-core machine.
dpkg-deb --build --root-owner-group -Zgzip -z6 "$stage" "$deb" >&2
rm -rf "$work"
echo "$deb"
