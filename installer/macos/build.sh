#!/usr/bin/env bash
# WardDesk for macOS: freeze as an .app, sign with the Developer ID, package with pkgbuild, notarise,
# staple, then write the Ed25519 release signature. Run on a Mac; see installer/README.md.
#
#   DEVELOPER_ID_APP="Developer ID Application: Hospital (TEAMID)" \
#   DEVELOPER_ID_INSTALLER="Developer ID Installer: Hospital (TEAMID)" \
#   NOTARY_PROFILE=warddesk-notary WARDDESK_RELEASE_KEY=release.pem installer/macos/build.sh 1.2.0
set -euo pipefail
version="$1"
cd "$(dirname "$0")/../.."
python3 -m venv .venv-mac
.venv-mac/bin/pip install -e ".[desktop]" "pyinstaller>=6.10"
# 1. The .app bundle (PyInstaller's BUNDLE step; same spec, macOS branch).
.venv-mac/bin/pyinstaller --noconfirm --windowed --name WardDesk --osx-bundle-identifier org.warddesk.desktop \
  --add-data desktop/store/migrations:desktop/store/migrations --add-data resources/translations:resources/translations \
  --distpath build/installer/macos installer/entry.py
app=build/installer/macos/WardDesk.app
# 2. Hardened-runtime signature of every binary inside, then the app itself.
codesign --force --deep --options runtime --timestamp --sign "$DEVELOPER_ID_APP" \
  --entitlements installer/macos/entitlements.plist "$app"
codesign --verify --strict --verbose=2 "$app"
# 3. The installer package, signed with the Developer ID Installer certificate.
pkgbuild --root build/installer/macos --component-plist installer/macos/components.plist \
  --install-location /Applications --identifier org.warddesk.desktop --version "$version" \
  --sign "$DEVELOPER_ID_INSTALLER" "dist/installer/WardDesk-$version.pkg"
# 4. Notarisation (an app-specific password stored once with `xcrun notarytool store-credentials`).
xcrun notarytool submit "dist/installer/WardDesk-$version.pkg" --keychain-profile "$NOTARY_PROFILE" --wait
xcrun stapler staple "dist/installer/WardDesk-$version.pkg"
spctl --assess --type install --verbose "dist/installer/WardDesk-$version.pkg"
# 5. WardDesk's own update signature, over the final (stapled) bytes.
.venv-mac/bin/python -m installer.sign --platform macos-pkg "dist/installer/WardDesk-$version.pkg"
