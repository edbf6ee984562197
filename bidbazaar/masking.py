"""Contact details hidden from public text, so that deals stay on the platform.

`mask_contacts` replaces emails, Indian phone numbers and URLs with CONTACT_HIDDEN. It is a
pure function of the text: the questions store what was written and mask on the way out,
so a better pattern later masks old text too.

What counts as a contact (and what must survive):
- an email: anything@domain.tld, any top-level domain;
- a URL: http(s):// or www. anything, or a bare domain with a common top-level domain
  (example.com, wa.me/919876543210, bit.ly/x); "e.g." and "3.5" are not domains;
- an Indian phone: a mobile (10 digits starting 6-9), optionally after +91, 0091, 91 or 0,
  or a landline written 0 + 10 digits (an STD code not starting with 0, and the number),
  with at most two spaces, dots, dashes or brackets between any two digits ("98 76 54 32 10",
  "+91-98765.43210", "(+91) 98765 43210", "022 2345 6789"). The digits and their gaps form
  a run; the whole run is hidden when some of its consecutive digit groups spell a phone.
  Other numbers survive: prices ("₹1,500", "1500"), ranges ("2-3 hours"), dates
  ("27-11-2026"), flat sizes ("3BHK"), PIN codes ("400053"). Ten digits starting 6-9 are
  always taken for a phone, even when meant as something else ("60000-70000").

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

# A run of digits, at most two spaces, dots, dashes or brackets between any two of them,
# optionally after "+" or "(+": the numbers a phone could hide in. Each run is judged whole
# (has_phone): a greedy pattern alone would also join a price to a date beside it.
_GAP = r"[\s.\-()]{0,2}"
_DIGIT_RUN = r"(?<![0-9])(?:\(?\+)?[0-9](?:" + _GAP + r"[0-9])*"
_GROUP_GAP = re.compile(r"[\s.\-()]+")
_LONGEST_PHONE = 14  # 0091 and a 10-digit mobile; longer windows are never a phone

_TEXT_CONTACT = re.compile(
    "|".join(f"(?:{pattern})" for pattern in (_EMAIL, _SCHEME_URL, _WWW_URL, _BARE_DOMAIN)),
    re.IGNORECASE,
)
_RUN = re.compile(_DIGIT_RUN)


def is_mobile(digits: str) -> bool:
    """An Indian mobile: 10 digits from 6-9, bare or after 91, 0091 or 0."""
    for prefix in ("0091", "91", "0", ""):
        if digits.startswith(prefix):
            rest = digits[len(prefix) :]
            if len(rest) == 10 and rest[0] in "6789":
                return True
    return False


def is_landline(groups: list[str]) -> bool:
    """0, an STD code (2-4 digits, not starting with 0) and the number, 11 digits in all,
    written whole or as code and number ("02223456789", "022-23456789", "022 2345 6789"):
    a date and a number side by side ("01-01-2000 100") are not one."""
    digits = "".join(groups)
    if len(digits) != 11 or digits[0] != "0" or digits[1] == "0" or len(groups) > 3:
        return False
    return len(groups) == 1 or 3 <= len(groups[0]) <= 5


def has_phone(run: str) -> bool:
    """Whether some consecutive digit groups of the run spell a phone number ("call
    9876543210 2 times" is one run whose first group is a phone)."""
    groups = [g for g in _GROUP_GAP.split(run.lstrip("(+")) if g]
    for first in range(len(groups)):
        digits = ""
        for last in range(first, len(groups)):
            digits += groups[last]
            if len(digits) > _LONGEST_PHONE:
                break
            if is_mobile(digits) or is_landline(groups[first : last + 1]):
                return True
    return False


def _mask_run(match: re.Match[str]) -> str:
    return CONTACT_HIDDEN if has_phone(match.group()) else match.group()


def mask_contacts(text: str) -> str:
    """`text` with every email, Indian phone number and URL replaced by CONTACT_HIDDEN."""
    return _RUN.sub(_mask_run, _TEXT_CONTACT.sub(CONTACT_HIDDEN, text))


def has_contact(text: str) -> bool:
    """Whether mask_contacts would hide anything in `text`."""
    return _TEXT_CONTACT.search(text) is not None or any(has_phone(m.group()) for m in _RUN.finditer(text))
