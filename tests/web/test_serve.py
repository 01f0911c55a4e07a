"""``actionforge serve`` and ``actionforge admin create-user`` as real processes, on both databases."""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import httpx

from tests.web.conftest import PASSWORD
from tests.web.processes import CLI, environment, running_server


def test_first_run_prints_a_setup_link_that_creates_the_owner(
    served: tuple[str, Path], tmp_path: Path
) -> None:
    base, out = served
    found = re.search(r"(http://\S+/setup\?token=\S+)", out.read_text())
    assert found, out.read_text()
    assert found.group(1).startswith(base)  # the link reaches this very server
    assert (tmp_path / "data" / "secret.key").stat().st_mode & 0o077 == 0
    with httpx.Client(base_url=base) as browser:
        assert "Create the owner account" in browser.get(found.group(1)).text
        token = found.group(1).split("token=")[1]
        form = {"token": token, "email": "owner@example.com", "display_name": "Owner", "password": PASSWORD}
        created = browser.post("/setup", data=form)
        assert created.status_code == 303
        assert browser.get("/api/session").json()["user"]["email"] == "owner@example.com"
        again = browser.post("/setup", data={**form, "email": "two@example.com"})
        assert again.status_code == 422


def test_admin_create_user_then_sign_in(served: tuple[str, Path], tmp_path: Path, database_url: str) -> None:
    base, _ = served
    done = subprocess.run(
        [*CLI, "admin", "create-user", "--email", "ops@example.com", "--name", "Ops", "--password-stdin"],
        input=PASSWORD + "\n", env=environment(tmp_path, database_url), capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usr_")
    signed_in = httpx.post(f"{base}/api/session", json={"email": "ops@example.com", "password": PASSWORD})
    assert signed_in.status_code == 200


def test_two_processes_on_one_database_behave_as_one(tmp_path: Path, database_url: str) -> None:
    """Create on one process, read and act on the other: sessions, CSRF and data are shared."""
    with (
        running_server(tmp_path, database_url, "a") as (a, out),
        running_server(tmp_path, database_url, "b") as (b, _),
    ):
        found = re.search(r"setup\?token=(\S+)", out.read_text())
        assert found, out.read_text()
        body = {"token": found.group(1), "email": "o@example.com", "display_name": "O", "password": PASSWORD}
        with httpx.Client(base_url=a) as on_a:
            csrf = on_a.post("/api/setup", json=body).json()["csrf_token"]
            workspace = on_a.get("/api/workspaces").json()["items"][0]["id"]
            gpt = on_a.post(
                f"/api/workspaces/{workspace}/gpts", json={"name": "Shared"}, headers={"X-CSRF-Token": csrf}
            )
            cookies = on_a.cookies
        with httpx.Client(base_url=b, cookies=cookies) as on_b:
            assert on_b.get(f"/api/gpts/{gpt.json()['id']}").json()["name"] == "Shared"
            renamed = on_b.patch(
                f"/api/gpts/{gpt.json()['id']}", json={"name": "Renamed"}, headers={"X-CSRF-Token": csrf}
            )
            assert renamed.status_code == 200
            assert on_b.delete("/api/session", headers={"X-CSRF-Token": csrf}).status_code == 204
        with httpx.Client(base_url=a, cookies=cookies) as again_on_a:
            assert signed_out(again_on_a)  # everywhere


def signed_out(client: httpx.Client) -> bool:
    """Whether the session is refused, once the server has heard of the sign-out: on PostgreSQL a
    process caches who is calling until another's change reaches it by NOTIFY, within
    milliseconds of the commit (`platform/row_cache.py`). The deadline is a guard, not a timing
    assertion."""
    deadline = time.monotonic() + 10
    while (status := client.get("/api/session").status_code) == 200 and time.monotonic() < deadline:
        time.sleep(0.01)
    return status == 401


def test_each_request_leaves_one_json_access_line_written_before_the_process_ends(
    tmp_path: Path, database_url: str
) -> None:
    """The app's own line, with the time taken; uvicorn's line, which has none, is off."""
    with running_server(tmp_path, database_url) as (base, out):
        assert httpx.get(f"{base}/api/session?probe=7").status_code == 401
    # stopped by SIGTERM, which uvicorn raises again once it has shut down: the lines it held are
    # written all the same, its own last one included
    assert "Finished server process" in out.read_text().splitlines()[-1]
    lines = [json.loads(line) for line in out.read_text().splitlines() if "probe=7" in line]
    assert [entry["logger"] for entry in lines] == ["actionforge.access"]
    line = lines[0]["message"]
    assert re.fullmatch(r'127\.0\.0\.1:\d+ - "GET /api/session\?probe=7 HTTP/1\.1" 401 \d+\.\d ms', line)
