"""/openapi.json tells the truth: what it documents is what the server answers."""

from __future__ import annotations

import re

from shared.roles import Role


def test_availability_times_are_documented_as_the_wall_clock_strings_they_are(client, sign_in, doctor):
    scheduler = sign_in(Role.SCHEDULER)
    rules = {"rules": [{"weekday": 1, "starts": "08:00", "ends": "12:30"}]}
    assert client.put(
        f"/doctors/{doctor.id}/availability/rules", json=rules, headers=scheduler.headers
    ).is_success
    schema = client.get("/openapi.json").json()["components"]["schemas"]["AvailabilityRuleOut"]["properties"]

    [rule] = client.get(f"/doctors/{doctor.id}/availability", headers=scheduler.headers).json()["rules"]

    for field in ("starts", "ends"):
        # `format: time` would promise an RFC 3339 time with an offset, which a wall-clock time has not.
        assert "format" not in schema[field]
        assert schema[field]["type"] == "string"
        assert re.fullmatch(schema[field]["pattern"], rule[field]), rule[field]
    assert (rule["starts"], rule["ends"]) == ("08:00:00", "12:30:00")


def test_disabling_the_last_administrator_is_a_documented_conflict(client):
    responses = client.get("/openapi.json").json()["paths"]["/users/{user_id}"]["patch"]["responses"]

    assert responses["409"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
