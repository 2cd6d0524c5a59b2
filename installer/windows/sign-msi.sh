#!/usr/bin/env bash
# Authenticode-sign a WardDesk MSI with osslsigncode (on Linux), then write its Ed25519 release signature.
#
#   CODESIGN_CERT=codesign.pem CODESIGN_KEY=codesign.key WARDDESK_RELEASE_KEY=release.pem \
#     installer/windows/sign-msi.sh dist/installer/WardDesk-1.2.0.msi
#
# Order matters: Authenticode first (it changes the file), the Ed25519 signature last (over the final bytes).
# With a hardware token, use -pkcs11engine/-pkcs11module/-key "pkcs11:..." instead of -certs/-key.
set -euo pipefail
msi="$1"
signed="${msi%.msi}.signed.msi"
osslsigncode sign -certs "$CODESIGN_CERT" -key "$CODESIGN_KEY" \
  -n "WardDesk" -i "https://warddesk.hospital.example" \
  -h sha256 -ts http://timestamp.digicert.com \
  -in "$msi" -out "$signed"
osslsigncode verify -in "$signed"
mv "$signed" "$msi"
python -m installer.sign --platform windows-msi "$msi"   # writes $msi.sig and release-windows.json
