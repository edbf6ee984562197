"""Which saved searches a new auction matches, and the one job_alert each provider gets.

The auctions here are posted with background matching off (the test config), so each test
runs `match_job_alerts` itself, as the background task and the sweeper would.
"""

from __future__ import annotations

import pytest
from alert_helpers import alerts_of, save_search
from helpers import category_id

from bidbazaar import services
from bidbazaar.extensions import db
from bidbazaar.models import User


def match(auction) -> int:
    return services.match_job_alerts(auction.id)


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"category_id": "Plumbing"},
        {"category_id": "Home Repair"},  # the auction's parent category
        {"location": "mumbai"},
        {"location": "MAHARASHTRA"},
        {"min_budget": 2000},  # overlaps at the auction's budget_max
        {"max_budget": 1000},  # overlaps at the auction's budget_min
        {"min_budget": 500, "max_budget": 1500},
        {"keywords": "sink"},
        {"keywords": "SINK plumber"},  # one word in the title, one in the description
        {"keywords": "cabinet   leak"},
    ],
)
def test_a_search_whose_every_filter_fits_matches(make_auction, provider, filters):
    if "category_id" in filters:
        filters["category_id"] = category_id(filters["category_id"])
    save_search(provider, **filters)
    auction = make_auction()
    assert match(auction) == 1
    assert [n.auction_id for n in alerts_of(provider)] == [auction.id]


@pytest.mark.parametrize(
    "filters",
    [
        {"category_id": "Electrical"},  # a sibling
        {"category_id": "Cleaning"},  # another tree
        {"location": "Pune"},
        {"min_budget": "2000.01"},
        {"max_budget": "999.99"},
        {"keywords": "sink electrician"},  # every word must appear
        {"keywords": "tap"},
    ],
)
def test_a_search_with_one_filter_that_does_not_fit_does_not_match(make_auction, provider, filters):
    if "category_id" in filters:
        filters["category_id"] = category_id(filters["category_id"])
    save_search(provider, **filters)
    assert match(make_auction()) == 0
    assert alerts_of(provider) == []


def test_a_search_for_a_parent_category_matches_an_auction_in_a_subcategory_of_it(make_auction, provider):
    save_search(provider, category_id=category_id("Cleaning"))
    auction = make_auction(category_id=category_id("Deep Cleaning"), title="Deep clean a 2BHK")
    assert match(auction) == 1


def test_a_search_for_a_subcategory_does_not_match_an_auction_in_its_parent(make_auction, provider):
    save_search(provider, category_id=category_id("Plumbing"))
    assert match(make_auction(category_id=category_id("Home Repair"))) == 0


def test_keywords_and_location_match_case_insensitively_in_any_script(make_auction, provider, rival, third):
    save_search(provider, keywords="नल रिसाव")  # Devanagari: both words in the description
    save_search(rival, location="MÜNCHEN")  # casefolded: ü matches Ü
    save_search(third, keywords="STRASSE")  # casefold: ß is ss
    auction = make_auction(
        title="Fix the kitchen tap in Straße",
        description="रसोई का नल रिसाव कर रहा है, plumber needed this week.",
        location="Büro, München",
    )
    assert match(auction) == 3


def test_keywords_in_compatibility_forms_match_their_plain_letters(make_auction, provider):
    save_search(provider, keywords="ｓｉｎｋ")  # fullwidth letters: NFKC makes them plain
    assert match(make_auction()) == 1


def test_a_provider_with_several_matching_searches_gets_one_alert_naming_them_all(make_auction, provider):
    first = save_search(provider, name="Sinks", keywords="sink")
    second = save_search(provider, name="Mumbai plumbing", category_id=category_id("Plumbing"), location="Mumbai")
    save_search(provider, name="Pune", location="Pune")
    auction = make_auction()
    assert match(auction) == 1
    [alert] = alerts_of(provider)
    assert alert.data["searches"] == [{"id": first.id, "name": "Sinks"}, {"id": second.id, "name": "Mumbai plumbing"}]
    assert alert.message == 'New job matching "Sinks" and 1 more: "Fix kitchen sink leak" (₹1,000–₹2,000)'
    assert alert.data["auction_id"] == auction.id
    assert alert.data["title"] == "Fix kitchen sink leak"
    assert alert.data["budget_min"] == 1000 and alert.data["budget_max"] == 2000


def test_the_message_names_the_one_matching_search(make_auction, provider):
    save_search(provider, category_id=category_id("Plumbing"), location="Mumbai")
    match(make_auction())
    [alert] = alerts_of(provider)
    assert alert.message == 'New job matching "Plumbing in Mumbai": "Fix kitchen sink leak" (₹1,000–₹2,000)'


def test_each_provider_with_a_match_gets_their_own_alert(make_auction, provider, rival):
    save_search(provider, keywords="sink")
    save_search(rival, location="Mumbai")
    assert match(make_auction()) == 2
    assert len(alerts_of(provider)) == len(alerts_of(rival)) == 1


def test_the_auctions_creator_is_never_alerted_about_their_own_job(make_auction, provider, rival):
    save_search(provider, keywords="sink")
    save_search(rival, keywords="sink")
    assert match(make_auction(provider)) == 1
    assert alerts_of(provider) == []
    assert len(alerts_of(rival)) == 1


def test_a_deactivated_provider_is_not_alerted(make_auction, provider):
    save_search(provider, keywords="sink")
    db.session.get(User, provider.id).is_active = False
    db.session.commit()
    assert match(make_auction()) == 0
    assert alerts_of(provider) == []


def test_an_account_that_stopped_being_a_provider_is_not_alerted(make_auction, provider):
    save_search(provider, keywords="sink")
    db.session.get(User, provider.id).is_service_provider = False
    db.session.commit()
    assert match(make_auction()) == 0


def test_an_auction_cancelled_before_matching_alerts_nobody_and_is_not_matched_again(make_auction, customer, provider):
    save_search(provider, keywords="sink")
    auction = make_auction()
    services.cancel_auction(customer, auction.id)
    assert match(auction) == 0
    assert alerts_of(provider) == []
    assert services.match_pending_job_alerts() == 0


def test_the_alert_is_pushed_live_to_the_providers_personal_room(make_auction, provider, socket_client):
    save_search(provider, keywords="sink")
    sock = socket_client(provider)
    sock.get_received("/auctions")
    auction = make_auction()
    match(auction)
    pushed = [m["args"][0] for m in sock.get_received("/auctions") if m["name"] == "notification"]
    assert [(p["type"], p["auction_id"]) for p in pushed] == [("job_alert", auction.id)]
