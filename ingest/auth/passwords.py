"""The password rules a person's chosen password must meet."""

from __future__ import annotations

# Published in the README for demos: accepted only as a first password to be changed.
DEMO_PASSWORD = "crm-demo-2026"
MIN_LENGTH = 10

# The passwords guessed first: lists of leaked passwords (at least 10 characters long),
# the shapes Chinese offices favour, and this product's own published demo password.
COMMON = frozenset(
    {
        DEMO_PASSWORD,
        "0123456789",
        "1234567890",
        "12345678910",
        "123456789a",
        "a123456789",
        "abc1234567",
        "abcd123456",
        "1234567890a",
        "1234567890q",
        "qq123456789",
        "1qaz2wsx3edc",
        "1q2w3e4r5t",
        "1q2w3e4r5t6y",
        "q1w2e3r4t5",
        "qwertyuiop",
        "qwerty1234",
        "qwerty123456",
        "asdfghjkl;",
        "zxcvbnm123",
        "password12",
        "password123",
        "password1234",
        "passw0rd123",
        "p@ssw0rd123",
        "p@ssword123",
        "admin12345",
        "admin123456",
        "administrator",
        "welcome123",
        "changeme123",
        "letmein123",
        "iloveyou123",
        "woaini1314",
        "woaini520",
        "5201314520",
        "1314520520",
        "aa123456789",
        "asd1234567",
        "zxc1234567",
        "abc123456789",
        "crm-demo-2025",
        "crm12345678",
    }
)


def password_problem(
    username: str | None, password: str | None, *, temporary: bool = False
) -> str | None:
    """The message code of the first rule the password breaks, or None. A temporary
    password (a first or reset one, changed at the next sign-in; the demo password is
    one) need only be long enough and not contain the username."""
    # Only text: a list of ten items has a length of ten too.
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        return "password_too_short"
    lowered = password.lower()
    if isinstance(username, str) and username.strip() and username.strip().lower() in lowered:
        return "password_has_username"
    if not temporary and (lowered in COMMON or len(set(lowered)) < 4):
        return "password_too_common"
    return None
