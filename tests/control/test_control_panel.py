"""The web panel in a real headless chromium (Debian's package, driven by Playwright)."""

from __future__ import annotations

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def test_clicking_a_style_changes_the_stream(live) -> None:
    assert live.wait_for(lambda: any(s == "cartoon" for _, s, _ in live.sink.records))
    panel = live.server.control_line().split(" ", 1)[1]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.goto(panel)
            page.wait_for_selector(".style[data-style='neon'] img")
            assert page.locator(".style.active").get_attribute("data-style") == "cartoon"
            page.wait_for_selector("#faces select")  # the face with its style
            page.click(".style[data-style='neon']")
            page.wait_for_selector(".style.active[data-style='neon']")
            n0 = len(live.sink.records)
            assert live.wait_for(lambda: len(live.sink.records) > n0 + 15)
            styles = [s for _, s, _ in live.sink.records[n0 + 5 :]]
            assert styles and all(s == "neon" for s in styles)
            page.wait_for_function("document.getElementById('stats').textContent.includes('fps')")
            page.wait_for_function("document.getElementById('preview').naturalWidth > 0")
            page.check("#passthrough")
            assert live.wait_for(lambda: live.controls.snapshot().passthrough, frames=50)
            page.fill("#strength", "0.4")
            page.dispatch_event("#strength", "input")
            assert live.wait_for(lambda: live.controls.snapshot().strength == 0.4, frames=50)
        finally:
            browser.close()
