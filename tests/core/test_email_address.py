"""The one e-mail check (harkop/email_address.py): email-validator's syntax rules, no network."""

import pytest

from harkop.email_address import MAX_LENGTH, InvalidEmail, normalise_email


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("ketua@kopsejahtera.co.id", "ketua@kopsejahtera.co.id"),
        ("  Ketua.Kop@Gmail.COM ", "Ketua.Kop@gmail.com"),  # trimmed, domain lower-cased, local part kept
        ("bendahara+rat@koperasi-balikpapan.id", "bendahara+rat@koperasi-balikpapan.id"),
    ],
)
def test_a_valid_address_is_kept_normalised(given, stored):
    """Is a valid address trimmed, its domain lower-cased and its part before @ kept as typed?"""
    assert normalise_email(given) == stored


@pytest.mark.parametrize(
    "given",
    [
        "ketua",  # no @
        "ketua@koperasi",  # a domain without a dot
        "ketua@@koperasi.id",
        "ketua kop@gmail.com",  # a space inside
        "ketua..kop@gmail.com",  # two dots in a row
        "ketua@koperasi.id>",  # pasted with its bracket (the old hand-written regex let it through)
        '"ketua"@koperasi.id',  # quoted part
        "ketua@server.local",  # reserved names (.local, .localhost, .invalid, .test) never take mail
        "panitia@harkop.test",  # reserved for testing
        "",
    ],
)
def test_an_invalid_address_is_refused(given):
    """Is anything but one syntactically valid address outside the reserved names refused with InvalidEmail?"""
    with pytest.raises(InvalidEmail):
        normalise_email(given)


def test_the_columns_length_is_the_limit():
    """Is an address that fits the 200-character columns kept, and a longer valid one refused?"""
    domain = "@koperasi.id"
    fits = "k" * 60 + "." + "k" * (MAX_LENGTH - len(domain) - 61) + domain
    assert normalise_email(fits) == fits and len(fits) == MAX_LENGTH
    with pytest.raises(InvalidEmail):
        normalise_email("k" * 60 + "." + "k" * (MAX_LENGTH - len(domain) - 60) + domain)


def test_no_dns_look_up_is_made(monkeypatch):
    """Is an address of a domain that does not resolve accepted without asking DNS?"""
    import dns.resolver

    def no_network(*args, **kwargs):
        raise AssertionError("DNS was asked")

    monkeypatch.setattr(dns.resolver.Resolver, "resolve", no_network)
    monkeypatch.setattr(dns.resolver, "resolve", no_network)
    assert normalise_email("ketua@koperasi-yang-tidak-ada-9f3c.id") == "ketua@koperasi-yang-tidak-ada-9f3c.id"
