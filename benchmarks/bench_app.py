"""How long a step takes in the explorer (model/app.py), at 1,000 cadres (target: 0.3 s).

Two measurements:

1. **In process**: the model's step plus everything the page redraws after it (both figures to
   PNG, the run panel), 80 quarters, median and fastest per step. This is the server's share.
2. **In a browser** (when /usr/bin/chromium and playwright are installed): ``solara run
   model/app.py --production`` on a free port, driven by headless Chromium: the time from a click
   on Step until the page shows the next step and the new plot, timed inside the page
   (``performance.now`` and a MutationObserver, so Playwright's own round trips are not counted);
   then 10 clicks 30 ms apart, to check that none is lost. The server and the browser are
   stopped at the end.

    .venv/bin/python benchmarks/bench_app.py [--clicks 20] [--no-browser]

The machine is shared: quote medians and repeat.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def in_process(n_steps: int = 80) -> list[float]:
    """Seconds per step: model step, both drawings and the run panel (the server's work)."""
    from model import app

    values = app.initial_values(app.model_params())
    values.update(scenario="reform_in_year_5", **app.scenario_values("reform_in_year_5"))
    model = app.ScenarioCadreModel(**values)  # 1,000 cadres, baseline overlay on
    series, organisation = app.SeriesDrawing(model), app.OrganisationDrawing(model)
    series.render(), organisation.render()  # the first frame draws the backgrounds
    times = []
    for _ in range(n_steps):
        t0 = time.perf_counter()
        model.step()
        series.render()
        organisation.render()
        app.run_summary(model)
        times.append(time.perf_counter() - t0)
    return times


#: Click Step and resolve, in milliseconds, when "Step: N" and the first plot have changed.
TIMED_CLICK = """() => new Promise((resolve) => {
  const button = [...document.querySelectorAll('button')].find(b => b.innerText.trim() === 'STEP'
                                                               || b.innerText.trim() === 'Step');
  const counter = [...document.querySelectorAll('*')].find(
      e => e.childElementCount === 0 && /^Step: \\d+$/.test(e.innerText || ''));
  const img = document.querySelector('img');
  const step0 = counter.innerText, src0 = img.src;
  const t0 = performance.now();
  const check = () => {
    if (counter.isConnected && counter.innerText !== step0 && img.src !== src0) {
      observer.disconnect(); resolve(performance.now() - t0);
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document.body, {subtree: true, childList: true, characterData: true,
                                   attributes: true});
  button.click();
})"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def in_browser(clicks: int) -> tuple[list[float], int]:
    """Seconds from a click on Step to the next step on screen; and how many of 10 quick
    clicks (30 ms apart) were stepped."""
    from playwright.sync_api import sync_playwright

    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("solara")), "run", "model/app.py", "--production",
         "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, env={**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"})
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("solara did not start within 90 s") from None
                time.sleep(0.3)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(url)
                step = page.get_by_role("button", name="Step", exact=True)
                step.wait_for(timeout=60_000)
                counter = page.get_by_text("Step: ", exact=False).first
                page.locator("img").first.wait_for(timeout=60_000)

                def now() -> int:
                    return int(counter.inner_text().split()[1])

                times = []
                for _ in range(clicks):
                    # Timed inside the page (performance.now): from the click to the moment the
                    # step count and the plot have both changed, without Playwright's own
                    # round trips in the measurement.
                    ms = page.evaluate(TIMED_CLICK)
                    times.append(ms / 1000.0)
                    time.sleep(0.2)
                before = now()
                for _ in range(10):
                    step.click()
                    time.sleep(0.03)
                deadline = time.monotonic() + 30
                while now() < before + 10 and time.monotonic() < deadline:
                    time.sleep(0.05)
                return times, now() - before
            finally:
                browser.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=20)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    t = in_process()
    print(f"in process, 1,000 cadres: step + redraw {statistics.median(t) * 1e3:.0f} ms median, "
          f"{min(t) * 1e3:.0f} ms fastest, over {len(t)} quarters")
    if args.no_browser or not Path(CHROMIUM).exists():
        print("browser: skipped (no /usr/bin/chromium; `make browser`)" if not args.no_browser
              else "browser: skipped (--no-browser)")
        return
    t, stepped = in_browser(args.clicks)
    print(f"in the browser, 1,000 cadres: click to next step on screen "
          f"{statistics.median(t) * 1e3:.0f} ms median, {min(t) * 1e3:.0f} ms fastest, "
          f"{max(t) * 1e3:.0f} ms slowest, over {len(t)} clicks (target 300 ms)")
    print(f"10 clicks 30 ms apart: {stepped} steps taken (none lost: 10)")


if __name__ == "__main__":
    main()
