"""/settings/email: each type grouped with an instant / daily digest / off choice, saved with
CSRF, a note while the address is unverified; a refused form changes nothing."""

from __future__ import annotations

import re

from helpers import db_state, html, log_in
from notify_mail_helpers import preferences

from bidbazaar.mail_models import EMAIL_TYPES

URL = "/settings/email"
DEFAULTS = {type_: default for type_, (_, _, default) in EMAIL_TYPES.items()}


def radios(page: str) -> dict[str, str]:
    """type -> checked mode, read from every radio input on the page."""
    found = {}
    for tag in re.findall(r"<input[^>]*type=\"radio\"[^>]*>", page):
        if "checked" in tag:
            name = re.search(r'name="([^"]+)"', tag).group(1)
            found[name] = re.search(r'value="([^"]+)"', tag).group(1)
    return found


def test_the_page_lists_every_type_by_group_with_its_current_mode(client, buyer):
    log_in(client, buyer)

    page = html(client.get(URL))

    assert radios(page) == DEFAULTS
    for _, group, _ in EMAIL_TYPES.values():
        assert f"<h2>{group}</h2>" in page
    assert "Daily digest" in page and 'id="email-unverified"' not in page


def test_an_unverified_user_is_told_emails_start_once_the_address_is_confirmed(client, customer):
    log_in(client, customer)

    page = html(client.get(URL))

    assert 'id="email-unverified"' in page and "start once you" in page


def test_saving_the_form_stores_what_changed_and_says_so(client, buyer):
    token = log_in(client, buyer)
    form = {"csrf_token": token, **DEFAULTS, "outbid": "off", "new_bid": "instant"}

    response = client.post(URL, data=form)

    assert response.status_code == 302 and response.headers["Location"].endswith(URL)
    assert preferences() == [(buyer.id, "new_bid", "instant"), (buyer.id, "outbid", "off")]
    page = html(client.get(URL))
    assert "Email preferences saved." in page
    assert radios(page) == {**DEFAULTS, "outbid": "off", "new_bid": "instant"}


def test_saving_without_the_csrf_token_is_refused_and_changes_nothing(client, buyer):
    log_in(client, buyer)
    before = db_state()

    response = client.post(URL, data={**DEFAULTS, "outbid": "off"})

    assert response.status_code == 400
    assert db_state() == before


def test_an_unknown_mode_is_refused_next_to_its_type_and_changes_nothing(client, buyer):
    token = log_in(client, buyer)
    before = db_state()

    response = client.post(URL, data={"csrf_token": token, **DEFAULTS, "outbid": "weekly", "new_bid": "off"})

    assert response.status_code == 400
    assert 'id="outbid-error"' in html(response)
    assert db_state() == before


def test_the_page_needs_a_login(client):
    response = client.get(URL)

    assert response.status_code == 302 and "/login" in response.headers["Location"]
