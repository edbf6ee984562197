"""An instant notification composed into its email (bidbazaar.emails.compose): subject from
the type's label and the auction's title, both parts with ₹ grouping and IST times, links
from BASE_URL, and the one-click unsubscribe headers (RFC 8058)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from notify_mail_helpers import composed, latest_row, tell

from bidbazaar.services.email_preferences import read_unsubscribe_token

NOW = datetime(2030, 1, 5, 4, 30, tzinfo=UTC)  # 10:00 IST


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def cleaning(frozen, make_auction, buyer):
    return make_auction(
        buyer, title="Weekly cleaning, 3BHK", budget_min=100000, budget_max=200000, deadline=NOW + timedelta(days=1)
    )


@pytest.fixture
def outbid_email(cleaning, make_bid, seller, other_seller):
    make_bid(seller, cleaning, 160000)
    make_bid(other_seller, cleaning, 150000)
    return composed(latest_row("notification"))


def test_the_subject_is_the_types_label_and_the_auction_title(outbid_email):
    message, _, _ = outbid_email
    assert message["Subject"] == 'You were outbid: "Weekly cleaning, 3BHK"'
    assert message["To"] == "arjun@example.com"


def test_both_parts_carry_the_message_and_the_amounts_in_indian_grouping(outbid_email):
    _, text, html = outbid_email
    for part in (text, html):
        assert "You were outbid on" in part
        assert "₹1,50,000" in part and "₹1,60,000" in part
        assert "Your bid" in part and "Lowest bid now" in part


def test_both_parts_give_the_time_in_ist(outbid_email):
    _, text, html = outbid_email
    assert "05 Jan 2030, 10:00 IST" in text and "05 Jan 2030, 10:00 IST" in html


def test_the_link_goes_to_the_auction_page_on_base_url(app, cleaning, outbid_email):
    _, text, html = outbid_email
    assert f"http://localhost:5050/auctions/{cleaning.id}" in text
    assert f'href="http://localhost:5050/auctions/{cleaning.id}"' in html


def test_links_follow_base_url_whatever_host_a_request_named(app, cleaning, make_bid, seller, other_seller):
    app.config["BASE_URL"] = "https://bidbazaar.example"
    make_bid(seller, cleaning, 160000)
    make_bid(other_seller, cleaning, 150000)

    message, text, _html = composed(latest_row("notification"))  # in a request to evil.example

    assert f"https://bidbazaar.example/auctions/{cleaning.id}" in text
    assert "evil.example" not in message.as_string()
    assert message["List-Unsubscribe"].startswith("<https://bidbazaar.example/email/unsubscribe?token=")


def test_the_email_carries_the_one_click_unsubscribe_headers_for_its_type(outbid_email, seller):
    message, text, html = outbid_email
    header = message["List-Unsubscribe"]
    assert header.startswith("<http://localhost:5050/email/unsubscribe?token=") and header.endswith(">")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = header[1:-1].split("token=", 1)[1]
    assert read_unsubscribe_token(token) == (seller.id, "outbid")
    assert header[1:-1] in text and "http://localhost:5050/settings/email" in text
    assert "http://localhost:5050/settings/email" in html


def test_a_time_in_the_notification_data_is_shown_in_ist(cleaning, seller):
    tell(seller, "ending_soon", cleaning, '"Weekly cleaning, 3BHK" closes in about 15 minutes.', {"deadline": NOW})

    _, text, html = composed(latest_row("notification"))

    assert "Closes: 05 Jan 2030, 10:00 IST" in text
    assert "05 Jan 2030, 10:00 IST" in html


def test_a_booking_notification_links_to_the_booking_page(cleaning, seller):
    data = {"booking_id": 7, "status": "offered", "respond_by": NOW + timedelta(hours=24), "amount": 150000}
    tell(seller, "booking_offered", cleaning, 'Confirm "Weekly cleaning, 3BHK" for ₹1,50,000 within 24 hours.', data)

    message, text, _html = composed(latest_row("notification"))

    assert message["Subject"] == 'You were offered a job: "Weekly cleaning, 3BHK"'
    assert "Open the booking: http://localhost:5050/bookings/7" in text
    assert "Respond by: 06 Jan 2030, 10:00 IST" in text and "Amount: ₹1,50,000" in text
    assert f"/auctions/{cleaning.id}" not in text


def test_the_html_part_escapes_what_users_wrote(frozen, make_auction, buyer, seller):
    auction = make_auction(buyer, title="<script>alert(1)</script> sink", deadline=NOW + timedelta(days=1))
    tell(seller, "ending_soon", auction, f'"{auction.title}" closes in about 15 minutes.')

    _, _, html = composed(latest_row("notification"))

    assert "<script>" not in html and "&lt;script&gt;" in html


def test_the_unsubscribe_header_goes_out_as_a_plain_url(outbid_email):
    message, _, _ = outbid_email
    assert "\nList-Unsubscribe: <http://localhost:5050/email/unsubscribe?token=" in message.as_string()
