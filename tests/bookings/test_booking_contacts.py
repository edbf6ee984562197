"""How the two sides reach each other: a phone on the profile (an Indian mobile number,
stored as +91XXXXXXXXXX), shown with the email only across a confirmed booking."""

from __future__ import annotations

from booking_helpers import fresh_booking
from helpers import assert_error

from bidbazaar import services


def test_a_phone_is_stored_as_plus_91_and_ten_digits(client, customer, bearer):
    response = client.put("/api/users/profile", json={"phone": "098765-43210"}, headers=bearer(customer))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["user"]["phone"] == "+919876543210"


def test_a_landline_is_not_a_mobile_number(client, customer, bearer):
    response = client.put("/api/users/profile", json={"phone": "022 2345 6789"}, headers=bearer(customer))
    assert_error(response, 400, "VALIDATION_ERROR")


def test_an_empty_phone_clears_it(client, customer, bearer):
    headers = bearer(customer)
    client.put("/api/users/profile", json={"phone": "9876543210"}, headers=headers)
    response = client.put("/api/users/profile", json={"phone": ""}, headers=headers)
    assert response.get_json()["user"]["phone"] is None


def test_the_phones_show_to_both_sides_only_once_confirmed(client, bearer, awarded, customer, provider):
    client.put("/api/users/profile", json={"phone": "9876543210"}, headers=bearer(customer))
    client.put("/api/users/profile", json={"phone": "8765432109"}, headers=bearer(provider))
    deal = awarded((provider, 1500))
    offered = fresh_booking(deal.booking.id)
    assert "phone" not in offered.to_dict(provider)["customer"]
    assert "phone" not in offered.to_dict(customer)["provider"]
    services.confirm_booking(provider, deal.booking.id)
    booked = fresh_booking(deal.booking.id)
    assert booked.to_dict(provider)["customer"]["phone"] == "+919876543210"
    assert booked.to_dict(customer)["provider"]["phone"] == "+918765432109"
