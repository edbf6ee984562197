"""The job alert pages: save the /auctions filters in one click, list, edit and delete alerts
on /alerts, each form with CSRF and a refusal that changes nothing."""

from __future__ import annotations

import re

from alert_helpers import save_search
from helpers import category_id, count, db_state, html, log_in

from bidbazaar.provider_models import MAX_SAVED_SEARCHES, SavedSearch


def saved() -> list[tuple]:
    from bidbazaar.extensions import db

    db.session.commit()
    return [
        (s.name, s.category_id, s.location, s.min_budget, s.max_budget, s.keywords)
        for s in db.session.scalars(db.select(SavedSearch).order_by(SavedSearch.id))
    ]


def hidden_fields(page: str) -> dict[str, str]:
    form = re.search(r'<form[^>]*id="save-alert".*?</form>', page, re.S)
    assert form, "no save-alert form"
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(0)))


def test_a_provider_saves_the_current_filters_of_the_auction_list_in_one_click(client, provider):
    log_in(client, provider)
    plumbing = category_id("Plumbing")
    page = html(client.get(f"/auctions?category={plumbing}&location=Pune&q=sink&min_budget=500&max_budget=2000"))
    fields = hidden_fields(page)
    assert fields.keys() == {"csrf_token", "category_id", "location", "keywords", "min_budget", "max_budget"}
    response = client.post("/alerts", data=fields)
    assert response.status_code == 302 and response.headers["Location"].endswith("/alerts")
    assert saved() == [('"sink" Plumbing in Pune, ₹500–₹2,000', plumbing, "Pune", 500, 2000, "sink")]


def test_saving_an_unfiltered_list_saves_an_alert_for_every_new_job(client, provider):
    log_in(client, provider)
    response = client.post("/alerts", data=hidden_fields(html(client.get("/auctions"))))
    assert response.status_code == 302
    assert saved() == [("All new jobs", None, None, None, None, None)]


def test_a_customer_sees_no_save_button_and_no_nav_link(client, customer):
    log_in(client, customer)
    page = html(client.get("/auctions"))
    assert 'id="save-alert"' not in page and 'id="job-alerts-link"' not in page


def test_a_provider_sees_the_job_alerts_link(client, provider):
    log_in(client, provider)
    assert 'id="job-alerts-link"' in html(client.get("/auctions"))


def test_saving_without_the_csrf_token_is_refused_and_saves_nothing(client, provider):
    log_in(client, provider)
    fields = hidden_fields(html(client.get("/auctions?q=sink")))
    del fields["csrf_token"]
    before = db_state()
    response = client.post("/alerts", data=fields)
    assert response.status_code == 400
    assert db_state() == before


def test_a_customer_posting_the_form_is_told_only_providers_save_alerts(client, customer):
    token = log_in(client, customer)
    before = db_state()
    response = client.post("/alerts", data={"csrf_token": token, "keywords": "sink"})
    assert response.status_code == 400
    assert "Only service providers" in html(response)
    assert db_state() == before


def test_the_alerts_page_lists_the_providers_alerts_with_a_link_to_their_listing(client, provider, rival):
    save_search(provider, name="Sinks in Pune", location="Pune", keywords="sink")
    save_search(rival, name="Not mine")
    log_in(client, provider)
    page = html(client.get("/alerts"))
    assert "Sinks in Pune" in page and "Not mine" not in page
    assert "/auctions?location=Pune&amp;q=sink" in page


def test_the_alerts_page_needs_a_login(client):
    response = client.get("/alerts")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_provider_adds_an_alert_from_the_page_form(client, provider):
    token = log_in(client, provider)
    response = client.post(
        "/alerts", data={"csrf_token": token, "name": "Big jobs", "category_id": "", "min_budget": "10000"}
    )
    assert response.status_code == 302
    assert saved() == [("Big jobs", None, None, 10000, None, None)]


def test_an_inverted_budget_range_is_shown_next_to_its_field_and_saves_nothing(client, provider):
    token = log_in(client, provider)
    before = db_state()
    response = client.post("/alerts", data={"csrf_token": token, "min_budget": "500", "max_budget": "100"})
    assert response.status_code == 400
    assert "Must be at least the lowest budget (₹500)." in html(response)
    assert db_state() == before


def test_the_form_disappears_at_the_limit_and_a_post_past_it_is_refused(client, provider):
    for n in range(MAX_SAVED_SEARCHES):
        save_search(provider, name=f"s{n}")
    token = log_in(client, provider)
    assert 'id="new-alert"' not in html(client.get("/alerts"))
    response = client.post("/alerts", data={"csrf_token": token, "name": "one more"})
    assert response.status_code == 400
    assert "at most 20" in html(response)
    assert count(SavedSearch) == MAX_SAVED_SEARCHES


def test_a_provider_renames_and_edits_an_alert(client, provider):
    search = save_search(provider, name="Sinks", location="Pune", keywords="sink")
    log_in(client, provider)
    page = html(client.get("/alerts"))
    form = re.search(rf'<form[^>]*action="/alerts/{search.id}".*?</form>', page, re.S).group(0)
    token = re.search(r'name="(s\d+-csrf_token)"[^>]*value="([^"]+)"', form)
    assert token, form
    prefix = f"s{search.id}-"
    data = {token.group(1): token.group(2), prefix + "name": "Taps", prefix + "location": "Mumbai",
            prefix + "keywords": "tap", prefix + "category_id": ""}  # fmt: skip
    response = client.post(f"/alerts/{search.id}", data=data)
    assert response.status_code == 302
    assert saved() == [("Taps", None, "Mumbai", None, None, "tap")]


def test_editing_another_providers_alert_is_not_found_and_changes_nothing(client, provider, rival):
    search = save_search(rival, name="theirs")
    token = log_in(client, provider)
    before = db_state()
    response = client.post(f"/alerts/{search.id}", data={"csrf_token": token, f"s{search.id}-name": "mine"})
    assert response.status_code == 404
    assert db_state() == before


def test_a_provider_deletes_an_alert(client, provider):
    search = save_search(provider, name="gone")
    token = log_in(client, provider)
    response = client.post(f"/alerts/{search.id}/delete", data={"csrf_token": token})
    assert response.status_code == 302
    assert count(SavedSearch) == 0


def test_deleting_without_the_csrf_token_deletes_nothing(client, provider):
    search = save_search(provider, name="kept")
    log_in(client, provider)
    client.post(f"/alerts/{search.id}/delete", data={})
    assert count(SavedSearch) == 1


def test_deleting_another_providers_alert_deletes_nothing(client, provider, rival):
    search = save_search(rival, name="theirs")
    token = log_in(client, provider)
    client.post(f"/alerts/{search.id}/delete", data={"csrf_token": token})
    assert count(SavedSearch) == 1
