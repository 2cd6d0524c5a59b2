# WardDesk for Windows: freeze, package as MSI, Authenticode-sign, and sign the MSI for WardDesk's own
# update check (Ed25519, like the .deb). Run on a Windows build machine; see installer/README.md.
#
#   $env:WARDDESK_RELEASE_KEY = "D:\keys\warddesk-release.pem"     # Ed25519 release key (PEM PKCS#8)
#   .\installer\windows\build.ps1 -Version 1.2.0
#
# Authenticode signing happens on a Linux signing host with osslsigncode (sign-msi.sh), so the code
# signing certificate never sits on the build machine.
param([Parameter(Mandatory = $true)][string]$Version)
$ErrorActionPreference = "Stop"
$repo = Resolve-Path "$PSScriptRoot\..\.."
Set-Location $repo

python -m venv .venv-win
.\.venv-win\Scripts\python -m pip install -e ".[desktop]" "pyinstaller>=6.10" wix 2>$null
.\.venv-win\Scripts\python -m installer.build --freeze-only --version $Version --build-dir build\installer\windows

dotnet tool install --global wix --version 5.*
wix extension add -g WixToolset.Heat
# Harvest the PyInstaller folder into a component group, then build the MSI.
heat dir build\installer\windows\warddesk -cg WardDeskFiles -dr INSTALLFOLDER -gg -sfrag -srd -scom -sreg `
     -var var.SourceDir -out build\installer\windows\files.wxs
wix build installer\windows\warddesk.wxs build\installer\windows\files.wxs `
     -d Version=$Version -d SourceDir=build\installer\windows\warddesk -d IconFile=installer\windows\warddesk.ico `
     -arch x64 -o "dist\installer\WardDesk-$Version.msi"
Write-Host "Unsigned MSI: dist\installer\WardDesk-$Version.msi; sign it with installer/windows/sign-msi.sh"
