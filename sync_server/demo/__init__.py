"""The demo hospital (`warddesk-server demo-data`): wards, rooms, doctors, patients, formulary, users."""
