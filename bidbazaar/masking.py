"""Contact details hidden from public text, so that deals stay on the platform.

`mask_contacts` replaces emails, Indian phone numbers and URLs with CONTACT_HIDDEN. It is a
pure function of the text: the questions store what was written and mask on the way out,
so a better pattern later masks old text too.

What counts as a contact (and what must survive):
- an email: anything@domain.tld, any top-level domain;
- a URL: http(s):// or www. anything, or a bare domain with a common top-level domain
  (example.com, wa.me/919876543210, bit.ly/x); "e.g." and "3.5" are not domains;
- an Indian phone: a mobile (10 digits starting 6-9), optionally after +91, 0091, 91 or 0,
  or a landline written 0 + 10 digits (STD code and number), with at most two spaces, dots
  or dashes between any two digits ("98 76 54 32 10", "+91-98765.43210", "022 2345 6789").
  Shorter or longer digit runs survive: prices ("₹1,500", "1500"), ranges ("2-3 hours"),
  dates ("27-11-2026"), flat sizes ("3BHK"), PIN codes ("400053"). A 10-digit run starting
  6-9 is always taken for a phone, even when it was meant as something else.

Not caught: numbers spelt out in words ("nine eight seven ..."), non-ASCII digits, and
"name at gmail dot com"; an admin hides such a question.
"""

from __future__ import annotations

import re

CONTACT_HIDDEN = "[contact hidden]"

# The local part of an address as RFC 5322 allows it unquoted, then a dotted domain.
_EMAIL = r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+"

# A URL ends before trailing punctuation that belongs to the sentence ("see x.com.").
_URL_TAIL = r"(?:[^\s<>\"]*[^\s<>\".,;:!?)\]}'])?"
_TLDS = (
    "com|net|org|in|co|io|me|info|biz|app|xyz|ly|gl|link|site|online|shop|store|dev|ai|tv|us|uk|"
    "edu|gov|page|live|tech|club|ws|to|gg|cc|ac|mobi|pro|name|top|email|website|space|fun|"
    "bharat|ind|id|sh|vc|sg|ae|de|fr|nl|ru|cn|jp|au|ca|lk|pk|bd|np"
)
_SCHEME_URL = r"(?:https?|ftp)://" + _URL_TAIL
_WWW_URL = r"www\." + _URL_TAIL
_BARE_DOMAIN = r"(?<![\w@.-])(?:[\w-]+\.)+(?:" + _TLDS + r")(?![\w-])(?:[/?#]" + _URL_TAIL + r")?"

# Between two digits of a phone number: nothing, or up to two spaces, dots or dashes.
_GAP = r"[\s.\-]{0,2}"
_DIGIT_AFTER_GAP = r"(?:" + _GAP + r"[0-9])"
_PREFIX = r"(?:(?:\+|00)" + _GAP + r"91|\(\+?91\)|91|0)" + _GAP
_MOBILE = r"(?<![0-9+])(?:" + _PREFIX + r")?[6-9]" + _DIGIT_AFTER_GAP + r"{9}(?![0-9])"
_LANDLINE = r"(?<![0-9+])0" + _DIGIT_AFTER_GAP + r"{10}(?![0-9])"

_CONTACT = re.compile(
    "|".join(f"(?:{pattern})" for pattern in (_EMAIL, _SCHEME_URL, _WWW_URL, _BARE_DOMAIN, _MOBILE, _LANDLINE)),
    re.IGNORECASE,
)


def mask_contacts(text: str) -> str:
    """`text` with every email, Indian phone number and URL replaced by CONTACT_HIDDEN."""
    return _CONTACT.sub(CONTACT_HIDDEN, text)


def has_contact(text: str) -> bool:
    """Whether mask_contacts would hide anything in `text`."""
    return _CONTACT.search(text) is not None
