"""Seed a fresh DMS for the schemathesis run and print the admin's token.

Usage: seed.py BASE_URL ADMIN_USERNAME ADMIN_PASSWORD

It works through the HTTP API only. It signs the admin in, registers a client
and creates two devices, one of them the client's. It stores a day of readings
with one hour above the limit, so an alert exists, and opens a chat with a
message each way.
"""

import datetime
import json
import sys
import urllib.error
import urllib.request


def call(base, method, path, token=None, body=None, expected=(200, 201)):
    """Send one request and return the parsed JSON body; fail on another status."""
    headers = {"accept": "application/json"}
    data = None
    if token:
        headers["authorization"] = f"Bearer {token}"
    if body is not None:
        headers["content-type"] = "application/json"
        data = json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    if status not in expected:
        sys.exit(f"seed: {method} {path} returned {status}, expected {expected}: {text}")
    return json.loads(text) if text else None


def main():
    base, admin_name, admin_password = sys.argv[1:4]
    admin = call(base, "POST", "/api/auth/login", body={"login": admin_name, "password": admin_password})
    admin_token = admin["access_token"]
    client = call(
        base,
        "POST",
        "/api/auth/register",
        body={"username": "st_client", "email": "st_client@example.com", "password": "client-password-1"},
    )
    client_token = client["access_token"]

    owned = call(
        base,
        "POST",
        "/api/devices",
        admin_token,
        {"name": "Kitchen meter", "location": "Ground floor", "max_hourly_kwh": 2.5, "owner_id": client["user"]["id"]},
    )
    call(base, "POST", "/api/devices", admin_token, {"name": "Spare meter", "max_hourly_kwh": 10})

    # A reading every 15 minutes over the last day, and one hour above the limit.
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    readings = []
    for step in range(1, 96):
        measured_at = now - datetime.timedelta(minutes=15 * step)
        kwh = 1.5 if step in (8, 9, 10, 11) else 0.3
        readings.append({"device_id": owned["id"], "measured_at": measured_at.isoformat(), "kwh": kwh})
    report = call(base, "POST", "/api/readings", admin_token, readings)
    if report["stored"] != len(readings):
        sys.exit(f"seed: stored {report['stored']} of {len(readings)} readings: {report}")

    session = call(base, "POST", "/api/chat/sessions", client_token, {})
    sent = call(
        base,
        "POST",
        f"/api/chat/sessions/{session['id']}/messages",
        client_token,
        {"body": "My meter shows a spike.", "client_msg_id": "seed-1"},
    )
    call(base, "POST", f"/api/chat/sessions/{session['id']}/messages", admin_token, {"body": "Looking into it."})
    call(base, "POST", f"/api/chat/sessions/{session['id']}/read", admin_token, {"up_to_message_id": sent["id"]})
    print(admin_token)


if __name__ == "__main__":
    main()
