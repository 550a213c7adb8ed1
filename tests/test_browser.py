"""The widgets in a real front end: JupyterLab in headless Chromium, driven by Playwright.

The other widget tests drive the Python side alone. This one checks what a learner
sees: the playground renders in JupyterLab, its buttons reach the kernel, and the
picture changes. It needs Chromium and Playwright:

    apt-get install chromium          # or any Chromium/Chrome; set GANLAB_CHROMIUM to its path
    pip install playwright jupyterlab
    python -m pytest tests/test_browser.py

Without them it is skipped, and says why.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("GANLAB_CHROMIUM") or next(
    (path for name in ("chromium", "chromium-browser", "google-chrome") if (path := shutil.which(name))), None)
playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright to run the browser test")
pytest.importorskip("jupyterlab", reason="pip install jupyterlab to run the browser test")
if CHROMIUM is None:
    pytest.skip("no Chromium found: apt-get install chromium, or set GANLAB_CHROMIUM", allow_module_level=True)

TOKEN = "ganlab-browser-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def jupyter_lab(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from ganlab.views import widgets\nplayground = widgets.Playground(batch_size=64, seed=0)")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, tmp_path / "playground.ipynb")
    port = _free_port()
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
               f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={tmp_path}",
               "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config")})
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2) as response:
                    json.load(response)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start within a minute")
        yield f"{base}/lab/tree/playground.ipynb?token={TOKEN}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_playground_steps_in_jupyterlab(jupyter_lab, tmp_path_factory):
    screenshots = tmp_path_factory.mktemp("browser")  # what the page showed, if a step fails
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(jupyter_lab)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=60_000)  # the kernel is up
        first = page.locator(".jp-Notebook .jp-Cell").first
        prompt = first.locator(".jp-InputPrompt")
        for _ in range(5):  # a run requested while the session is still connecting can be dropped: ask again
            first.click()
            page.keyboard.press("Control+Enter")
            try:
                page.wait_for_function("(el) => /\\[(\\*|\\d+)\\]/.test(el.innerText)", arg=prompt.element_handle(),
                                       timeout=10_000)
                break
            except playwright.Error:
                continue
        step_d = page.locator("button.jupyter-button", has_text="step D")
        try:
            step_d.wait_for(timeout=120_000)
        except playwright.Error:
            page.screenshot(path=str(screenshots / "no_playground.png"))
            raise
        image = page.locator(".widget-image").first
        image.wait_for(timeout=60_000)
        before = image.get_attribute("src")
        status = page.locator(".widget-html-content").first
        assert "nan" in status.inner_text()  # no step taken yet
        step_d.click()
        page.wait_for_function(
            "() => !document.querySelector('.widget-html-content').innerText.startsWith('D loss nan')",
            timeout=60_000)
        assert status.inner_text().startswith("D loss ") and "D loss nan" not in status.inner_text()
        page.locator("button.jupyter-button", has_text="step G").click()
        page.wait_for_function("() => !document.querySelector('.widget-html-content').innerText.includes('G loss nan')",
                               timeout=60_000)
        page.wait_for_function("(before) => document.querySelector('.widget-image').src !== before", arg=before,
                               timeout=60_000)
        assert image.get_attribute("src") != before
        browser.close()
