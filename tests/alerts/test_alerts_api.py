"""CRUD of saved searches under /api/users/me/searches: providers only, at most 20, strict
input (a clean 4xx that changes nothing), another user's search is 404, answers as documented."""

from __future__ import annotations

from typing import Any

import pytest
from alert_helpers import SEARCHES_URL, save_search
from helpers import assert_error, category_id, count, db_state, race
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bidbazaar import services
from bidbazaar.extensions import db
from bidbazaar.models import User
from bidbazaar.provider_models import MAX_SAVED_SEARCHES, SavedSearch


def test_a_provider_saves_a_search_and_gets_it_back(api, provider, conforms):
    body = {"name": "Sinks in Pune", "category_id": category_id("Plumbing"), "location": "Pune",
            "min_budget": 500, "max_budget": 2500.5, "keywords": "sink leak"}  # fmt: skip
    response = api(provider, "post", SEARCHES_URL, json=body)
    assert response.status_code == 201, response.get_json()
    search = response.get_json()["search"]
    conforms(search, "SavedSearch")
    assert {k: search[k] for k in body} == body
    listed = api(provider, "get", SEARCHES_URL).get_json()["searches"]
    assert listed == [search]
    assert api(provider, "get", f"{SEARCHES_URL}/{search['id']}").get_json()["search"] == search


def test_a_search_without_a_name_is_named_after_its_filters(api, provider):
    body = {"category_id": category_id("Plumbing"), "location": "Pune", "min_budget": 500, "max_budget": 2000}
    search = api(provider, "post", SEARCHES_URL, json=body).get_json()["search"]
    assert search["name"] == "Plumbing in Pune, ₹500–₹2,000"


def test_a_search_with_no_filters_is_named_all_new_jobs(api, provider):
    assert api(provider, "post", SEARCHES_URL, json={}).get_json()["search"]["name"] == "All new jobs"


def test_the_list_holds_only_the_callers_searches(api, provider, rival, conforms):
    save_search(provider, name="mine")
    save_search(rival, name="theirs")
    body = api(provider, "get", SEARCHES_URL).get_json()
    assert [s["name"] for s in body["searches"]] == ["mine"]
    for search in body["searches"]:
        conforms(search, "SavedSearch")


def test_a_customer_cannot_save_a_search(api, customer):
    api.login(customer)
    before = db_state()
    assert_error(api(customer, "post", SEARCHES_URL, json={"keywords": "sink"}), 403, "NOT_A_PROVIDER")
    assert db_state() == before


def test_an_anonymous_caller_cannot_list_or_save(client):
    assert_error(client.get(SEARCHES_URL), 401, "AUTH_REQUIRED")


def test_the_twenty_first_search_is_refused(api, provider):
    for n in range(MAX_SAVED_SEARCHES):
        save_search(provider, name=f"s{n}")
    api.login(provider)
    before = db_state()
    body = assert_error(api(provider, "post", SEARCHES_URL, json={"name": "one more"}), 409, "TOO_MANY_SEARCHES")
    assert body["details"] == {"limit": MAX_SAVED_SEARCHES}
    assert db_state() == before


def test_deleting_one_makes_room_for_another(api, provider):
    searches = [save_search(provider, name=f"s{n}") for n in range(MAX_SAVED_SEARCHES)]
    assert api(provider, "delete", f"{SEARCHES_URL}/{searches[0].id}").status_code == 200
    assert api(provider, "post", SEARCHES_URL, json={"name": "new"}).status_code == 201


def test_concurrent_saves_never_exceed_the_limit(app, provider):
    for n in range(MAX_SAVED_SEARCHES - 2):
        save_search(provider, name=f"s{n}")
    provider_id = provider.id

    def create() -> Any:
        return services.create_saved_search(db.session.get(User, provider_id), {"name": "race"})

    results = race(app, *(create for _ in range(6)))
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 4 and all(r.code == "TOO_MANY_SEARCHES" for r in refused), results
    assert count(SavedSearch, SavedSearch.user_id == provider_id) == MAX_SAVED_SEARCHES


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category_id": 9999}, "category_id"),
        ({"category_id": 0}, "category_id"),
        ({"category_id": 2**70}, "category_id"),
        ({"category_id": "2"}, "category_id"),
        ({"category_id": True}, "category_id"),
        ({"min_budget": 100, "max_budget": 50}, "max_budget"),
        ({"min_budget": -1}, "min_budget"),
        ({"min_budget": 1.001}, "min_budget"),
        ({"max_budget": 10**20}, "max_budget"),
        ({"max_budget": "100"}, "max_budget"),
        ({"name": "x" * 101}, "name"),
        ({"name": 5}, "name"),
        ({"location": "x" * 101}, "location"),
        ({"keywords": "x" * 201}, "keywords"),
        ({"keywords": ["sink"]}, "keywords"),
        ({"keywords": "a\x00b"}, "keywords"),
        ({"user_id": 1}, "user_id"),
        ({"id": 7}, "id"),
    ],
)
def test_bad_input_is_a_validation_error_that_saves_nothing(api, provider, body, field):
    api.login(provider)
    before = db_state()
    error = assert_error(api(provider, "post", SEARCHES_URL, json=body), 400, "VALIDATION_ERROR")
    assert field in error["details"]
    assert db_state() == before


def test_a_body_that_is_not_a_json_object_is_refused(api, provider):
    api.login(provider)
    before = db_state()
    response = api(provider, "post", SEARCHES_URL, json=["sink"])
    assert response.status_code == 400 and response.get_json()["code"] in {"VALIDATION_ERROR", "INVALID_JSON"}
    assert db_state() == before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.text(max_size=120),
    location=st.one_of(st.none(), st.text(max_size=120)),
    keywords=st.one_of(st.none(), st.text(max_size=220)),
    low=st.one_of(st.none(), st.integers(min_value=-(2**64), max_value=2**64)),
)
def test_any_text_or_number_is_saved_or_refused_cleanly(api, provider, name, location, keywords, low):
    body = {"name": name, "location": location, "keywords": keywords, "min_budget": low}
    response = api(provider, "post", SEARCHES_URL, json=body)
    assert response.status_code in {201, 400, 409}, response.get_json()
    if response.status_code == 201:
        saved = response.get_json()["search"]
        assert saved["name"]
        api(provider, "delete", f"{SEARCHES_URL}/{saved['id']}")
    else:
        assert set(response.get_json()) >= {"error", "code", "details"}


def test_put_changes_only_the_fields_given(api, provider, conforms):
    search = save_search(provider, name="Sinks", location="Pune", keywords="sink")
    response = api(provider, "put", f"{SEARCHES_URL}/{search.id}", json={"name": "Taps", "keywords": None})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()["search"]
    conforms(body, "SavedSearch")
    assert (body["name"], body["location"], body["keywords"]) == ("Taps", "Pune", None)


def test_put_with_a_blank_name_names_the_search_after_its_filters_again(api, provider):
    search = save_search(provider, name="Sinks", location="Pune")
    body = api(provider, "put", f"{SEARCHES_URL}/{search.id}", json={"name": ""}).get_json()["search"]
    assert body["name"] == "in Pune"


def test_put_that_inverts_the_budget_range_changes_nothing(api, provider):
    search = save_search(provider, min_budget=100, max_budget=200)
    api.login(provider)
    before = db_state()
    assert_error(api(provider, "put", f"{SEARCHES_URL}/{search.id}", json={"min_budget": 300}), 400, "VALIDATION_ERROR")
    assert db_state() == before


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_another_users_search_is_not_found_and_untouched(api, provider, rival, method):
    search = save_search(rival, name="theirs")
    api.login(provider)
    before = db_state()
    kwargs = {"json": {"name": "mine now"}} if method == "put" else {}
    assert_error(api(provider, method, f"{SEARCHES_URL}/{search.id}", **kwargs), 404, "NOT_FOUND")
    assert db_state() == before


def test_an_unknown_id_is_not_found(api, provider):
    assert_error(api(provider, "get", f"{SEARCHES_URL}/424242"), 404, "NOT_FOUND")
    assert_error(api(provider, "delete", f"{SEARCHES_URL}/424242"), 404, "NOT_FOUND")


def test_delete_removes_the_search(api, provider):
    search = save_search(provider, name="gone")
    response = api(provider, "delete", f"{SEARCHES_URL}/{search.id}")
    assert response.status_code == 200 and response.get_json() == {"message": "Job alert deleted"}
    assert count(SavedSearch) == 0


def test_a_cookie_session_write_without_the_csrf_token_is_refused(client, provider, session_login):
    session_login(provider)
    before = db_state()
    assert_error(client.post(SEARCHES_URL, json={"name": "x"}), 403, "CSRF_FAILED")
    assert db_state() == before


def test_the_document_lists_every_search_endpoint_with_examples(client):
    document = client.get("/api/openapi.json").get_json()
    assert set(document["paths"][SEARCHES_URL]) == {"get", "post"}
    assert set(document["paths"][SEARCHES_URL + "/{search_id}"]) == {"get", "put", "delete"}
    schemas = document["components"]["schemas"]
    assert schemas["SavedSearch"]["examples"]
    assert schemas["SavedSearchCreate"].get("examples") or schemas["SavedSearchCreate"].get("example")
