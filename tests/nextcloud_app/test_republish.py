"""Republish on change against the real Nextcloud: a saved file reaches the app as a
webhook_listeners event (its background job run with occ here, as cron would), the public copy
changes; a republish that fails becomes a notification for the owner."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.nextcloud_app.exapp import ExApp, registered_app
from tests.nextcloud_app.test_app_nextcloud import publish
from tests.servers.nextcloud import NextcloudServer

WEBHOOK_JOB = "OCA\\WebhookListeners\\BackgroundJobs\\WebhookCall"


@pytest.fixture(scope="module")
def app(nextcloud: NextcloudServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExApp]:
    folder = tmp_path_factory.mktemp("exapp")
    # webhooks only: the fallback is off
    with registered_app(nextcloud, folder, SITEGEN_APP_POLL_SECONDS="0") as running:
        yield running


def wait_for(check: object, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.3)
    return False


def run_webhook_jobs(nc: NextcloudServer) -> None:
    nc.occ("background-job:worker", "--once", WEBHOOK_JOB)


def test_a_saved_file_republishes_the_site_through_a_webhook(app: ExApp) -> None:
    nc = app.nc
    source, target = nc.new_folder("watched"), nc.new_folder("pub")
    nc.upload(source, {"index.md": "# First version\n"})
    answer = publish(app, {"source": source, "target": target, "public": True, "watch": True})
    assert answer.status_code == 200, answer.text
    url = answer.json()["public_url"]
    with nc.client() as http:
        http.put(nc.dav_url(f"{source}/index.md"), content=b"# Second version\n")
    with httpx.Client(timeout=30) as anonymous:
        assert "First version" in anonymous.get(url).text  # nothing without the event
        run_webhook_jobs(nc)
        assert wait_for(lambda: "Second version" in anonymous.get(url).text)
    with nc.client() as http:  # the target folder in alice's files too
        page = http.get(nc.dav_url(f"{target}/index.html"))
        assert "Second version" in page.text


def test_a_failed_republish_notifies_the_owner(app: ExApp) -> None:
    nc = app.nc
    source, target = nc.new_folder("watched"), nc.new_folder("pub")
    nc.upload(source, {"index.md": "# Fine\n"})
    answer = publish(app, {"source": source, "target": target, "watch": True})
    assert answer.status_code == 200, answer.text
    with nc.client() as http:
        http.put(nc.dav_url(f"{source}/index.md"), content=b"---\ntitle: [broken\n---\n")
    run_webhook_jobs(nc)
    notifications = f"{nc.url}/ocs/v2.php/apps/notifications/api/v2/notifications"

    def notified() -> bool:
        with nc.client(headers={"OCS-APIRequest": "true", "Accept": "application/json"}) as h:
            rows = h.get(notifications).json()["ocs"]["data"]
        return any(f"Publishing {source} failed" in r.get("subject", "") for r in rows)

    assert wait_for(notified)
    with nc.client() as http:  # the published site is the last good one
        assert "Fine" in http.get(nc.dav_url(f"{target}/index.html")).text
