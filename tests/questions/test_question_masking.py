"""masking.mask_contacts, the rule that keeps deals on the platform: generated emails,
Indian phone numbers and URLs embedded in any Unicode text are always hidden; ordinary
text, prices, ranges, dates and flat sizes always survive."""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.provisional import urls

from bidbazaar.masking import CONTACT_HIDDEN, has_contact, mask_contacts

#: MASKING_EXAMPLES=5000 for a longer local search.
PROPERTY = settings(
    max_examples=int(os.environ.get("MASKING_EXAMPLES", "300")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Text around a contact: any Unicode letters, marks, punctuation and spaces, but no digits
# (a digit glued to a phone number makes a longer number, which is not a phone) and none
# of the characters an address or a URL may continue with.
surrounding = st.text(
    alphabet=st.characters(
        blacklist_categories=("Nd", "Cs", "Cc"),
        blacklist_characters="@.-_/+:%#?&=~'`{}|^!$*()[],;<>\"\\",
    ),
    max_size=40,
)
separator = st.sampled_from([" ", "-", ".", "", "  ", " -", ". "])


@st.composite
def indian_mobiles(draw: st.DrawFn) -> str:
    """+91 / 0091 / 91 / 0 / nothing, then 10 digits starting 6-9, grouped any way."""
    prefix = draw(st.sampled_from(["", "+91", "+91 ", "+91-", "0091 ", "91", "91 ", "0", "0 ", "(+91) "]))
    digits = draw(st.sampled_from("6789")) + "".join(
        draw(st.lists(st.sampled_from("0123456789"), min_size=9, max_size=9))
    )
    out = ""
    for index, digit in enumerate(digits):
        if index and draw(st.booleans()):
            out += draw(separator)
        out += digit
    return prefix + out


@st.composite
def landlines(draw: st.DrawFn) -> str:
    """0, an STD code and a number: 10 digits after the 0 ("022 2345 6789")."""
    std = draw(st.sampled_from(["11", "22", "33", "44", "80", "40", "20", "79", "484", "1342"]))
    rest = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=10 - len(std), max_size=10 - len(std))))
    return "0" + std + draw(st.sampled_from([" ", "-", ""])) + rest


@st.composite
def bare_domains(draw: st.DrawFn) -> str:
    label = draw(st.from_regex(r"[a-z][a-z0-9-]{0,14}[a-z0-9]", fullmatch=True))
    tld = draw(st.sampled_from(["com", "in", "co.in", "net", "org", "me", "io", "ly", "app", "COM"]))
    path = draw(st.sampled_from(["", "/", "/919876543210", "/shop?id=4", "/a/b"]))
    return f"{label}.{tld}{path}"


contacts = st.one_of(
    st.emails(),
    urls(),
    indian_mobiles(),
    landlines(),
    bare_domains(),
    bare_domains().map(lambda d: "www." + d),
    st.sampled_from(["wa.me/919876543210", "t.me/ravi_plumber", "bit.ly/3xYz", "WWW.Example.Com"]),
)


@PROPERTY
@given(before=surrounding, contact=contacts, after=surrounding)
def test_a_contact_inside_any_text_is_masked(before, contact, after):
    text = f"{before} {contact} {after}"

    masked = mask_contacts(text)

    assert CONTACT_HIDDEN in masked
    assert contact not in masked
    assert not has_contact(masked)


@PROPERTY
@given(contact=contacts)
def test_the_whole_contact_goes_not_just_part_of_it(contact):
    masked = mask_contacts(f"reach me: {contact} thanks")

    # A URL's closing punctuation stays with the sentence: "(see example.com)".
    assert re.fullmatch(r"reach me: \[contact hidden\][.,;:!?)\]}']* thanks", masked), masked


@PROPERTY
@given(st.lists(contacts, min_size=2, max_size=4), surrounding)
def test_several_contacts_are_each_masked(found, filler):
    text = f" {filler} ".join(found)

    assert mask_contacts(text).count(CONTACT_HIDDEN) >= 1
    assert all(contact not in mask_contacts(text) for contact in found if len(contact) > 3)


@PROPERTY
@given(surrounding)
def test_text_without_digits_or_addresses_is_unchanged(text):
    assert mask_contacts(text) == text


@PROPERTY
@given(st.text())
def test_masking_is_idempotent(text):
    once = mask_contacts(text)

    assert mask_contacts(once) == once


def indian_grouping(amount: int) -> str:
    """₹1,50,000 style."""
    text = str(amount)
    if len(text) <= 3:
        return text
    head, tail = text[:-3], text[-3:]
    groups = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    return ",".join([head, *groups, tail]) if head else ",".join([*groups, tail])


ordinary_phrases = st.one_of(
    st.integers(1, 99_99_999).map(lambda n: f"₹{indian_grouping(n)}"),
    st.integers(1, 999_999).map(lambda n: f"Rs. {n:,}"),
    st.integers(1, 99_999).map(lambda n: f"{n} rupees"),
    st.tuples(st.integers(1, 12), st.integers(1, 12)).map(lambda t: f"{t[0]}-{t[1]} hours"),
    st.tuples(st.integers(1, 28), st.integers(1, 12), st.integers(2000, 2099)).map(
        lambda t: f"{t[0]:02d}-{t[1]:02d}-{t[2]}"
    ),
    st.tuples(st.integers(1, 28), st.integers(1, 12), st.integers(2000, 2099)).map(lambda t: f"{t[0]}/{t[1]}/{t[2]}"),
    st.dates().map(lambda d: d.isoformat()),
    st.integers(1, 6).map(lambda n: f"{n}BHK"),
    st.integers(100_000, 999_999).map(lambda n: f"PIN {n}"),
    st.decimals(min_value=0, max_value=100, places=1, allow_nan=False).map(lambda d: f"{d} hrs"),
    st.sampled_from(["e.g. tomorrow", "i.e. 2 taps", "approx. 3.5 hours", "10 a.m. to 5 p.m.", "Flat 4B, 2nd floor"]),
)


# Words between the numbers, as in a sentence: numbers separated by nothing but spaces
# ("876543 12 05") are exactly how a phone number is written in groups, and are masked.
words = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Lo")), min_size=1, max_size=12)


@PROPERTY
@given(st.lists(ordinary_phrases, min_size=1, max_size=5), words)
def test_prices_ranges_dates_and_flat_sizes_survive(phrases, word):
    text = f" {word} ".join(phrases)

    assert mask_contacts(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "98 76 54 32 10",
        "9876543210",
        "+91 98765 43210",
        "+91-98765-43210",
        "098765.43210",
        "919876543210",
        "022-2345 6789",
        "ravi@example.com",
        "RAVI.K+work@Example.CO.IN",
        "https://example.com/x",
        "http://localhost:5000",
        "www.example.com",
        "example.com",
        "wa.me/919876543210",
        "(+91) 98765 43210",
        "0091 98765 43210",
    ],
)
def test_known_contacts_are_masked_whole(text):
    assert mask_contacts(f"Call {text} today") == f"Call {CONTACT_HIDDEN} today"


@pytest.mark.parametrize(
    "text",
    [
        "₹1,500 for 2-3 hours",
        "Budget 1500 to 2000",
        "Visit on 27-11-2026 at 10:30",
        "3BHK flat, 1200 sq ft",
        "PIN 400053, Andheri West",
        "Ratio 0.5, about 3.5 hrs",
        "Can you do it by 5 p.m.?",
        "Room no. 12345",
        "₹25,000  01-01-2000",  # a price and a date side by side are not a landline (hypothesis found it)
        "00000000000",
    ],
)
def test_ordinary_sentences_survive(text):
    assert mask_contacts(text) == text


def test_a_phone_followed_by_another_number_is_still_masked():
    assert mask_contacts("Call 9876543210 2 times") == f"Call {CONTACT_HIDDEN} times"


def test_a_long_run_of_digits_is_judged_quickly():
    """1,000 characters of digits and gaps: the windows stop at 14 digits."""
    import time

    started = time.perf_counter()
    for text in ("1 " * 500, "9" * 1000, "1-" * 500, "9 8" * 333):
        mask_contacts(text)
    assert time.perf_counter() - started < 0.5
