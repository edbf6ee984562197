"""Accessibility checks that need no browser: contrast computed from static/css/site.css (focus
ring, badges and pills), the skip link on both base templates, required-field marks, and
error pages titled with what happened. The browser walk with axe-core is in
tests/test_browser_a11y.py (docs/accessibility.md)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from helpers import ROOT, html, log_in

from bidbazaar.models import User

SITE_CSS = (ROOT / "static" / "css" / "site.css").read_text(encoding="utf-8")
RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
#: The coloured chips whose text must read at 4.5:1: the unread badge, status pills, standings.
CHIP = re.compile(r"^\.(badge|pill|standing-(?!filter))[\w\-\[\]=\"]*$")
TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)
H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.DOTALL)


# --------------------------------------------------------------------------- CSS colour maths


def css_rules() -> list[tuple[str, dict[str, str]]]:
    """Every top-level and media-query rule of site.css as (selector, declarations), in order."""
    rules = []
    for selectors, body in RULE.findall(COMMENT.sub("", SITE_CSS)):
        declarations = dict(
            (name.strip(), value.strip()) for name, _, value in (d.partition(":") for d in body.split(";") if ":" in d)
        )
        for selector in selectors.split(","):
            rules.append((" ".join(selector.split()), declarations))
    return rules


def declared(selector: str) -> dict[str, str]:
    """The declarations every rule for exactly `selector` makes, later rules winning."""
    merged: dict[str, str] = {}
    for name, declarations in css_rules():
        if name == selector:
            merged.update(declarations)
    return merged


def variables() -> dict[str, str]:
    return {k: v for k, v in declared(":root").items() if k.startswith("--")}


def colour(value: str) -> str:
    """A #rrggbb colour, with var(--x) resolved from :root."""
    names = variables()
    while value.startswith("var("):
        value = names[value[4:-1].strip()]
    if re.fullmatch(r"#[0-9a-fA-F]{3}", value):
        value = "#" + "".join(c * 2 for c in value[1:])
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", value), f"not a #rrggbb colour: {value}"
    return value.lower()


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """The WCAG 2 contrast ratio of two colours."""
    light, dark = sorted((luminance(colour(a)), luminance(colour(b))), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def chips() -> dict[str, tuple[str, str]]:
    """Each badge, pill and standing selector's (text colour, background), the base class's where
    the variant sets only one of them."""
    found = {}
    for selector in dict.fromkeys(name for name, _ in css_rules() if CHIP.match(name)):
        base = declared(".badge" if selector.startswith(".badge") else ".pill")
        own = declared(selector)
        text, background = own.get("color", base["color"]), own.get("background", base["background"])
        found[selector] = (text, background)
    return found


def test_the_contrast_ratio_matches_the_wcag_reference_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#fff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("against", ["--bg", "--panel", "--brand", "#ffffff"])
def test_the_focus_ring_reaches_3_to_1_against_the_page_and_the_controls(against: str) -> None:
    background = f"var({against})" if against.startswith("--") else against
    assert contrast("var(--focus)", background) >= 3.0


def test_links_buttons_inputs_and_summaries_show_a_3px_focus_ring_in_the_focus_colour() -> None:
    for element in ("a", "button", "input", "select", "textarea", "summary"):
        assert declared(f"{element}:focus-visible").get("outline") == "3px solid var(--focus)", element


def test_there_are_badges_and_pills_to_check() -> None:
    assert {".badge", '.badge[data-count="0"]', ".pill-active", ".standing-outbid"} <= set(chips())


@pytest.mark.parametrize("selector", sorted(chips()))
def test_badge_and_pill_text_reaches_4_5_to_1(selector: str) -> None:
    text, background = chips()[selector]
    assert contrast(text, background) >= 4.5, f"{selector}: {text} on {background}"


# --------------------------------------------------------------------------- pages


def first_focusable(page: str) -> str:
    body = page.split("<body", 1)[1]
    match = re.search(r"<(a|button|select|textarea)\b[^>]*>|<input\b(?![^>]*type=\"hidden\")[^>]*>", body)
    assert match, "nothing focusable"
    return match.group(0)


def test_the_skip_link_is_the_first_focusable_element_and_targets_main(client: Any) -> None:
    page = html(client.get("/"))

    assert first_focusable(page) == '<a class="skip-link" href="#main">'
    assert '<main class="container" id="main" tabindex="-1">' in page
    assert ">Skip to content</a>" in page


def test_the_admin_pages_have_the_skip_link_too(client: Any, admin: User) -> None:
    log_in(client, admin)
    page = html(client.get("/admin/users"))

    assert first_focusable(page) == '<a class="skip-link" href="#main">'
    assert 'id="main" tabindex="-1"' in page


def test_a_required_field_is_marked_for_eyes_and_for_screen_readers(client: Any) -> None:
    page = html(client.get("/login"))

    label = re.search(r'<label for="username">(.*?)</label>', page).group(1)
    assert '<span class="required-mark" aria-hidden="true">*</span>' in label
    assert '<span class="visually-hidden"> (required)</span>' in label


def test_a_form_with_required_fields_explains_the_mark_once(client: Any) -> None:
    page = html(client.get("/register"))

    assert page.count('class="required-legend"') == 1
    assert page.index('class="required-legend"') < page.index('<label for="username">')


def test_an_optional_field_carries_no_mark(client: Any, make_user: Any) -> None:
    log_in(client, make_user("asha"))
    page = html(client.get("/auctions/new"))

    label = re.search(r'<label for="requirements">(.*?)</label>', page, re.DOTALL).group(1)
    assert "required-mark" not in label


@pytest.mark.parametrize(
    ("path", "status", "title"),
    [("/no-such-page", 404, "Page not found"), ("/logout", 405, "Method not allowed")],
)
def test_an_error_page_is_titled_with_what_happened(client: Any, path: str, status: int, title: str) -> None:
    response = client.get(path)

    assert response.status_code == status
    assert TITLE.search(html(response)).group(1) == f"{title} · Bid Bazaar"
    assert H1.search(html(response)).group(1) == title


def test_a_forbidden_page_says_forbidden(client: Any, make_user: Any, make_auction: Any) -> None:
    old = make_auction()
    log_in(client, make_user("meena"))
    response = client.get(f"/auctions/{old.id}/repost")

    assert response.status_code == 403
    assert H1.search(html(response)).group(1) == "Forbidden"
    assert "Only the auction&#39;s creator can post it again" in html(response)


def test_an_expired_form_says_so_in_its_title(client: Any) -> None:
    response = client.post("/login", data={"username": "asha", "password": "x"})

    assert response.status_code == 400
    assert TITLE.search(html(response)).group(1) == "Form expired · Bid Bazaar"
