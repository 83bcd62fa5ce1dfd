"""The SolaraViz explorer (model/app.py) driven in a real headless Chromium.

Starts ``solara run model/app.py --production`` on a free port, opens the page, and checks what a
user relies on: the plots render, there is a slider per lever, moving a lever and pressing Reset
rebuilds the model with it, picking a scenario loads it, Step advances the model and redraws the
plots. A screenshot goes to tmp_path; set CADRESIM_APP_SCREENSHOT=<path> to keep a copy (e.g.
``docs/app_screenshot.png``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from model import PARAMETERS

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SERVER_START_TIMEOUT = 60  # seconds; importing Mesa, solara and the app takes ~10 s here
UI_TIMEOUT_MS = 20_000

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing; install it with `make browser` "
                "(apt-get install -y chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """URL of a freshly started explorer; the server is always killed afterwards."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("solara") / "server.log"
    with open(log_path, "wb") as log:
        # This interpreter's solara, with this source tree first on the path: the code under
        # test, whatever is installed elsewhere.
        proc = subprocess.Popen(
            [sys.executable, "-m", "solara", "run", "model/app.py", "--production", "--host",
             "127.0.0.1", "--port", str(port)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",  # no phoning home
                 "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                             os.environ.get("PYTHONPATH")]))},
        )
        try:
            url = f"http://127.0.0.1:{port}/"
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"solara exited with {proc.returncode}:\n{log_path.read_text()}")
                try:
                    with urllib.request.urlopen(url, timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"solara did not answer within {SERVER_START_TIMEOUT} s:\n"
                                f"{log_path.read_text()}")
                time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    # Errors raised inside the page (e.g. in a component) are logged by the server, not shown.
    text = log_path.read_text(errors="replace")
    assert "Traceback" not in text, f"the app raised an exception:\n{text}"


def _run_info(page) -> str:
    return page.locator(".cadresim-run-info").inner_text()


def _wait_for(predicate, what: str, timeout_s: float = UI_TIMEOUT_MS / 1000):
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_explorer_in_browser(app_url, tmp_path):
    failed_requests = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("requestfailed", lambda r: failed_requests.append(r.url))
            page.goto(app_url)
            step = page.get_by_role("button", name="Step", exact=True)
            reset = page.get_by_role("button", name="Reset", exact=True)
            step.wait_for(timeout=UI_TIMEOUT_MS)
            info = page.locator(".cadresim-run-info")
            info.wait_for(timeout=UI_TIMEOUT_MS)

            # Three matplotlib images (two time series, the organisation) actually drawn.
            images = page.locator("img")
            _wait_for(lambda: images.count() == 3, "the three plots")
            for i in range(3):
                assert images.nth(i).evaluate("img => img.complete && img.naturalWidth > 200")

            # One slider per lever, labelled with the lever's exact name.
            labels = set(page.get_by_role("slider").evaluate_all(
                "els => els.map(e => e.getAttribute('aria-label'))"))
            levers = [prm.name for prm in PARAMETERS if prm.kind == "lever"]
            missing = [n for n in levers if f"lever: {n}" not in labels]
            assert not missing, f"no slider for levers {missing}"
            assert "Scenario: baseline" in _run_info(page)
            assert "quarter 0" in _run_info(page)

            # Pick a scenario and move a lever to its maximum; Reset rebuilds the model.
            page.locator(".v-select").filter(has_text="scenario").click()
            page.get_by_role("option", name="credible_fault_tolerance", exact=True).click()
            lever = page.get_by_role("slider", name="lever: demotion_rate", exact=True)
            lever.focus()
            lever.press("End")
            _wait_for(lambda: lever.get_attribute("aria-valuenow") == "0.2", "the lever to move")
            reset.click()
            _wait_for(lambda: "Scenario: credible_fault_tolerance" in _run_info(page),
                      "the scenario to load")
            text = _run_info(page)
            assert "fault_tolerance = 0.8 (scenario; default 0.2)" in text
            assert "demotion_rate = 0.2 (slider; default 0)" in text

            # Step: the model advances and the innovation plot is redrawn with new data.
            plot = images.nth(0)
            before = plot.screenshot()
            step.click()
            _wait_for(lambda: "quarter 1 (year 0.25)" in _run_info(page), "the step")
            _wait_for(lambda: plot.screenshot() != before, "the plot to change")
            step.click()
            _wait_for(lambda: "quarter 2 (year 0.5)" in _run_info(page), "the second step")
            assert page.get_by_text("Step: 2", exact=True).is_visible()

            keep = os.environ.get("CADRESIM_APP_SCREENSHOT")
            if keep:  # a picture for the docs: run two years so the plots show a course
                for quarter in range(3, 9):
                    step.click()
                    _wait_for(lambda q=quarter: f"quarter {q} " in _run_info(page), "a step")
            shot = tmp_path / "app_screenshot.png"
            page.screenshot(path=shot, full_page=False)
            assert shot.stat().st_size > 20_000
            if keep:
                shutil.copyfile(shot, keep)
        finally:
            browser.close()
    # Everything is served locally: no CDN or missing asset requests.
    assert not failed_requests, f"requests failed: {failed_requests}"
