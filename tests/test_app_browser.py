"""The SolaraViz explorer (model/app.py) driven in a real headless Chromium.

Starts ``solara run model/app.py --production`` on a free port, opens the page, and checks what a
user relies on: the plots render, there is a slider per lever with its value shown, picking a
scenario moves the sliders to it, moving a lever and pressing Reset rebuilds the model with both,
Step advances the model and redraws the plots beside the baseline, quick clicks are all stepped,
and play stops at the horizon. A screenshot goes to tmp_path; set CADRESIM_APP_SCREENSHOT=<path>
to keep a copy (e.g. ``docs/app_screenshot.png``).

Without Chromium the test is skipped, and the run's summary says so in capitals
(``tests/conftest.py``): the explorer was then not tested in a browser.
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
CHROMIUM = os.environ.get("CADRESIM_CHROMIUM", "/usr/bin/chromium")  # another path if needed
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SERVER_START_TIMEOUT = 60  # seconds; importing Mesa, solara and the app takes ~10 s here
UI_TIMEOUT_MS = 20_000

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing; install it with `make browser` "
                "(apt-get install -y chromium) or point CADRESIM_CHROMIUM at a Chromium",
                allow_module_level=True)
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

            # Two matplotlib images (the time series, the organisation) actually drawn.
            images = page.locator("img")
            _wait_for(lambda: images.count() == 2, "the two plots")
            for i in range(2):
                assert images.nth(i).evaluate("img => img.complete && img.naturalWidth > 200")

            # One slider per lever, labelled with the lever's exact name, its value shown.
            labels = set(page.get_by_role("slider").evaluate_all(
                "els => els.map(e => e.getAttribute('aria-label'))"))
            levers = [prm.name for prm in PARAMETERS if prm.kind == "lever"]
            missing = [n for n in levers if f"lever: {n}" not in labels]
            assert not missing, f"no slider for levers {missing}"
            values = page.locator(".cadresim-value").all_inner_texts()
            assert len(values) >= len(levers) + 4 and "1000" in values and "20" in values
            assert "Scenario: baseline" in _run_info(page)
            assert "seed 2026, 1000 posts, quarter 0 (year 0 of 20)" in _run_info(page)

            # Pick a scenario: the sliders move to its values. Move a lever to its maximum;
            # Reset rebuilds the model with both.
            page.locator(".v-select").filter(has_text="scenario").click()
            page.get_by_role("option", name="credible_fault_tolerance", exact=True).click()
            tolerance = page.get_by_role("slider", name="lever: fault_tolerance", exact=True)
            _wait_for(lambda: tolerance.get_attribute("aria-valuenow") == "0.8",
                      "the scenario's value on its slider")
            lever = page.get_by_role("slider", name="lever: demotion_rate", exact=True)
            lever.focus()
            lever.press("End")
            _wait_for(lambda: lever.get_attribute("aria-valuenow") == "0.2", "the lever to move")
            _wait_for(lambda: "0.200" in page.locator(".cadresim-value").all_inner_texts(),
                      "the lever's value beside it")
            _wait_for(lambda: page.get_by_text("press Reset to run them").is_visible(),
                      "the note that Reset is needed")
            reset.click()
            _wait_for(lambda: "Scenario: credible_fault_tolerance" in _run_info(page),
                      "the scenario to load")
            text = _run_info(page)
            assert "fault_tolerance = 0.8 (scenario; default 0.2)" in text
            assert "demotion_rate = 0.2 (slider; default 0)" in text

            # Step: the model advances and the plot is redrawn with new data, the baseline on
            # the same seed beside it.
            plot = images.nth(0)
            before = plot.get_attribute("src")
            step.click()
            _wait_for(lambda: "quarter 1 (year 0.25 of 20)" in _run_info(page), "the step")
            _wait_for(lambda: plot.get_attribute("src") != before, "the plot to change")
            assert "(baseline on the same seed: " in _run_info(page)
            # Clicks during steps are queued, not lost.
            for _ in range(5):
                step.click()
                time.sleep(0.03)
            _wait_for(lambda: "quarter 6 (year 1.5 of 20)" in _run_info(page), "five steps")
            assert page.get_by_text("Step: 6", exact=True).is_visible()

            keep = os.environ.get("CADRESIM_APP_SCREENSHOT")
            if keep:  # a picture for the docs: run six years so the plots show a course
                per_step = page.get_by_role("slider", name="quarters per Step", exact=True)
                per_step.focus()
                for n in range(2, 5):  # four quarters per click
                    page.keyboard.press("ArrowRight")
                    _wait_for(lambda n=n: per_step.get_attribute("aria-valuenow") == str(n),
                              f"{n} quarters per Step")
                for year in range(2, 7):
                    step.click()
                    _wait_for(lambda y=year: f"(year {y + 0.5:g} of 20)" in _run_info(page),
                              f"year {year + 0.5:g}; the panel says {_run_info(page)[:160]!r}")
            shot = tmp_path / "app_screenshot.png"
            page.screenshot(path=shot, full_page=False)
            assert shot.stat().st_size > 20_000
            if keep:
                shutil.copyfile(shot, keep)

            # Play stops at the horizon: one year, then the controls grey out.
            horizon = page.get_by_role("slider", name="horizon (years)", exact=True)
            horizon.focus()
            horizon.press("Home")
            _wait_for(lambda: horizon.get_attribute("aria-valuenow") == "1", "the horizon")
            reset.click()
            _wait_for(lambda: "(year 0 of 1)" in _run_info(page), "the new horizon")
            page.get_by_role("button", name="▶", exact=True).click()
            _wait_for(lambda: "horizon reached" in _run_info(page), "play to stop at the horizon")
            assert "quarter 4 (year 1 of 1)" in _run_info(page)
            assert step.is_disabled()
        finally:
            browser.close()
    # Everything is served locally: no CDN or missing asset requests.
    assert not failed_requests, f"requests failed: {failed_requests}"
