"""E-mail addresses: the one syntax check behind services, the API, the importer and the command line.

Forms check with WTForms' `Email` validator, which calls the same library (email-validator) in the
same way. Only the syntax is checked: there is no DNS look-up (`check_deliverability=False`), so
nothing here reaches the network, and an address of a domain that no longer exists is kept.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

MAX_LENGTH = 200  # the size of every e-mail column


class InvalidEmail(ValueError):
    """Text that is not one valid address; the message is the library's reason (English, for logs)."""


def normalise_email(text: str) -> str:
    """The address as stored: trimmed, with its domain lower-cased (the part before @ as typed).

    Raises InvalidEmail for anything else: no @ or two, a space or a quoted part, a domain without
    a dot or a reserved one (localhost, .test, .invalid), or more than MAX_LENGTH characters.
    """
    try:
        address = validate_email(text.strip(), check_deliverability=False).normalized
    except EmailNotValidError as err:
        raise InvalidEmail(str(err)) from err
    if len(address) > MAX_LENGTH:
        raise InvalidEmail(f"The email address is longer than {MAX_LENGTH} characters.")
    return address
