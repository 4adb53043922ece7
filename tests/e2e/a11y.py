"""Accessibility checks run in the page: axe-core (bundled by axe-playwright-python), target
sizes and visible focus."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.conftest import REQUIRE_BROWSER

try:
    from axe_playwright_python.sync_playwright import Axe
except ImportError:
    if REQUIRE_BROWSER:
        raise
    pytest.skip(
        "accessibility checks: axe-playwright-python is not installed (pip install -e '.[dev]')",
        allow_module_level=True,
    )

# WCAG 2.2 A and AA, plus axe's best practices (landmarks, one main, headings...).
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
BLOCKING = ("serious", "critical")

_axe = Axe()


def axe_violations(page: Page, *, impacts: tuple[str, ...] = BLOCKING) -> list[dict[str, Any]]:
    """axe's violations of the given impacts on the page as it is now."""
    results = _axe.run(page, options=AXE_OPTIONS)
    return [v for v in results.response["violations"] if v["impact"] in impacts]


def describe(violations: list[dict[str, Any]]) -> str:
    """One line per violation and up to three offending elements, for a failure message."""
    lines = []
    for violation in violations:
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:3]:
            lines.append(f"      {', '.join(map(str, node['target']))}: {node['html'][:140]}")
    return "\n".join(lines)


# WCAG 2.5.8: every target at least 24×24 CSS px, except links inside a sentence.
SMALL_TARGETS_JS = """
() => {
  const small = [];
  const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary";
  for (const element of document.querySelectorAll(selector)) {
    const box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    if (box.width === 0 || box.height === 0 || style.visibility === "hidden") continue;
    if (element.closest(".visually-hidden, .skip-link")) continue;
    // An inline link in running text is exempt; a link standing alone is not.
    if (element.matches("a") && style.display === "inline") {
      const block = element.closest("p, li, td, dd, h1, h2, h3, label, blockquote");
      const text = block ? block.textContent.replace(element.textContent, "").trim() : "";
      if (text.length > 0) continue;
    }
    if (box.width < 24 - 0.5 || box.height < 24 - 0.5) {
      const size = `${box.width.toFixed(1)}×${box.height.toFixed(1)}`;
      small.push(`${element.outerHTML.slice(0, 100)} ${size}`);
    }
  }
  return small;
}
"""


def small_targets(page: Page) -> list[str]:
    """Interactive elements smaller than 24×24 px that are not inline links in text."""
    return list(page.evaluate(SMALL_TARGETS_JS))


FOCUS_JS = """
() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  // Focus inside a field's own parts (a date field's calendar button): the browser draws it.
  if (!element.matches(":focus")) return { visible: true, html: element.outerHTML.slice(0, 100) };
  const style = getComputedStyle(element);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  const ring = style.boxShadow && style.boxShadow !== "none";
  return { visible: outline || ring, html: element.outerHTML.slice(0, 100) };
}
"""


def unfocused_tab_stops(page: Page, *, stops: int = 25) -> list[str]:
    """Tab through the first `stops` elements; those whose focus is not visibly drawn."""
    page.locator("body").focus()
    missing = []
    for _ in range(stops):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_JS)
        if state is None:
            break
        if not state["visible"]:
            missing.append(state["html"])
    return missing
