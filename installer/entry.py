"""The frozen app's entry point (PyInstaller runs this file as `warddesk`)."""

from desktop.app import main

if __name__ == "__main__":
    raise SystemExit(main())
