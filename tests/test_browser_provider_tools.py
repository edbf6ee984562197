"""The provider tools end to end in a real browser (issue 15), against the real server as in
test_browser.py: a provider saves the list's filters as a job alert, a customer posts a
matching job through the form, the alert reaches the provider's badge live, the provider
bids with an auto-bid floor, a rival undercuts, and the automatic undercut appears live on
every open page. Skips like test_browser.py without /usr/bin/chromium."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from helpers import category_id
from test_browser import browser, expect, log_in, open_page, screenshot, server, wait_live  # noqa: F401  (fixtures)

from bidbazaar.forms import PAGE_TIMEZONE
from bidbazaar.models import User, utcnow


def test_a_job_alert_leads_to_a_proxy_bid_that_undercuts_a_rival_live(
    open_page: Callable[..., Any],  # noqa: F811
    make_user: Callable[..., User],
) -> None:
    make_user("asha_t")
    make_user("ravi_t", provider=True)
    make_user("meera_t", provider=True)

    ravi = open_page()
    log_in(ravi, "ravi_t")
    ravi.goto("/auctions?q=kitchen+sink")
    ravi.get_by_role("button", name="Save these filters as an alert").click()
    expect(ravi.locator(".flash-success")).to_contain_text("saved: new matching jobs will notify you")
    expect(ravi.locator("#notification-badge")).to_have_text("0")

    customer = open_page()
    log_in(customer, "asha_t")
    customer.goto("/auctions/new")
    customer.fill("#title", "Fix the kitchen sink leak")
    customer.fill("#description", "The kitchen sink leaks under the cabinet; needs a new trap and seal.")
    customer.select_option("#category_id", str(category_id("Plumbing")))
    customer.fill("#location", "Baner, Pune")
    customer.fill("#budget_min", "800")
    customer.fill("#budget_max", "1500")
    deadline = (utcnow() + timedelta(days=2)).astimezone(PAGE_TIMEZONE)
    customer.fill("#deadline", deadline.strftime("%Y-%m-%dT%H:%M"))
    customer.get_by_role("button", name="Post the job").click()
    expect(customer).to_have_url(re.compile(r"/auctions/\d+$"))
    auction_path = customer.url[customer.url.index("/auctions/") :]
    wait_live(customer)

    # Matched after the commit, off the request path, and pushed to the provider's socket.
    expect(ravi.locator("#notification-badge")).to_have_text("1")
    ravi.goto("/notifications")
    expect(ravi.locator("main")).to_contain_text('"Fix the kitchen sink leak"')
    ravi.get_by_role("link", name="Open the auction").first.click()
    expect(ravi).to_have_url(re.compile(re.escape(auction_path) + "$"))
    wait_live(ravi)
    ravi.fill("#amount", "1400")
    ravi.fill("#description", "New trap and seal, tested for leaks.")
    ravi.fill("#proxy_floor", "1000")
    ravi.get_by_role("button", name="Place bid").click()
    expect(ravi.locator("#proxy")).to_contain_text("Your auto-bid floor: ₹1,000")
    wait_live(ravi)

    rival = open_page()
    log_in(rival, "meera_t")
    rival.goto(auction_path)
    wait_live(rival)
    rival.fill("#amount", "1300")
    rival.fill("#description", "Same day, parts included.")
    rival.get_by_role("button", name="Place bid").click()

    # The rival's bid is answered inside its own transaction: ravi's proxy undercuts by the
    # minimum decrement, and both pages see it arrive live, marked auto.
    for page in (ravi, rival, customer):
        expect(page.locator("#lowest-bid")).to_have_text("₹1,299")
    auto_row = ravi.locator("#bid-list .bid", has=ravi.locator(".bid-auto"))
    expect(auto_row).to_have_count(1)
    expect(auto_row).to_contain_text("₹1,299")
    expect(rival.locator("#proxy")).to_have_count(0)  # nobody else sees the floor
    expect(rival.locator("main")).not_to_contain_text("₹1,000")
    screenshot(ravi, "proxy-auto-undercut-live")
