"""Tests for the synthetic demo-complaint generator."""

from __future__ import annotations

import re
import time
import unicodedata
from collections import Counter

import pytest

from casework import demo_data
from casework.demo_data import (
    CATEGORY_WEIGHTS,
    CHANNEL_WEIGHTS,
    DemoComplaint,
    synthetic_complaints,
)

PHONE_RE = re.compile(r"^0[689]\d-\d{3}-\d{4}$")
EMAIL_RE = re.compile(r"^[a-z0-9._]+@example\.(com|org)$")
THAI_RE = re.compile(r"[\u0E00-\u0E7F]")
TEXT_FIELDS = ("first_name", "surname", "address", "subject", "details", "location_text")


@pytest.fixture(scope="module")
def sample() -> list[DemoComplaint]:
    return synthetic_complaints(2000, seed=42)


def test_deterministic_per_seed() -> None:
    assert synthetic_complaints(300, seed=7) == synthetic_complaints(300, seed=7)
    assert synthetic_complaints(300, seed=7) != synthetic_complaints(300, seed=8)


def test_default_seed_and_prefix_stability() -> None:
    assert synthetic_complaints(50) == synthetic_complaints(50, seed=0)
    assert synthetic_complaints(100, seed=3)[:40] == synthetic_complaints(40, seed=3)


def test_size_and_edge_cases() -> None:
    assert synthetic_complaints(0) == []
    assert len(synthetic_complaints(17, seed=1)) == 17
    with pytest.raises(ValueError):
        synthetic_complaints(-1)


def test_every_category_appears(sample: list[DemoComplaint]) -> None:
    assert {c.category for c in sample} == set(CATEGORY_WEIGHTS)
    assert set(CATEGORY_WEIGHTS) == set(demo_data.PROBLEMS)


def test_common_categories_dominate(sample: list[DemoComplaint]) -> None:
    counts = Counter(c.category for c in sample)
    top = {name for name, _ in counts.most_common(4)}
    assert top == {"lighting", "drainage", "road", "waste"}
    assert 0.02 <= counts["other"] / len(sample) <= 0.10


def test_channels(sample: list[DemoComplaint]) -> None:
    counts = Counter(c.channel for c in sample)
    assert set(counts) <= set(CHANNEL_WEIGHTS)
    assert 0.4 <= counts["web"] / len(sample) <= 0.6
    assert 0.18 <= counts["phone"] / len(sample) <= 0.32


def test_strings_non_empty_nfc_thai(sample: list[DemoComplaint]) -> None:
    for c in sample:
        for field in TEXT_FIELDS:
            value = getattr(c, field)
            assert isinstance(value, str) and value.strip(), (field, c)
            assert value == value.strip(), (field, value)
            assert unicodedata.is_normalized("NFC", value), (field, value)
            assert THAI_RE.search(value), (field, value)
        assert "{" not in c.details and "}" not in c.details, c.details
        assert "  " not in c.details, c.details


def test_subject_and_details_shape(sample: list[DemoComplaint]) -> None:
    for c in sample:
        assert len(c.subject) <= 80, c.subject
        assert 10 <= len(c.details) <= 400, c.details


def test_numbers_are_not_glued_to_following_thai(sample: list[DemoComplaint]) -> None:
    glued = re.compile(r"[0-9๐-๙][\u0E01-\u0E2E\u0E40-\u0E44]")
    for c in sample:
        assert not glued.search(c.details), c.details


def test_address_in_khon_kaen(sample: list[DemoComplaint]) -> None:
    for c in sample:
        assert c.address.endswith("จ.ขอนแก่น 40000"), c.address
        assert "ถ." in c.address, c.address


def test_phone_format(sample: list[DemoComplaint]) -> None:
    for c in sample:
        assert PHONE_RE.match(c.phone), c.phone


def test_emails_only_example_domains(sample: list[DemoComplaint]) -> None:
    emails = [c.email for c in sample if c.email is not None]
    assert 0.2 <= len(emails) / len(sample) <= 0.4
    for email in emails:
        assert EMAIL_RE.match(email), email


def test_details_mostly_unique(sample: list[DemoComplaint]) -> None:
    assert len({c.details for c in sample}) / len(sample) >= 0.7


def test_urgent_share(sample: list[DemoComplaint]) -> None:
    share = sum(c.urgent for c in sample) / len(sample)
    assert 0.10 <= share <= 0.35


def test_corruption_is_rare(sample: list[DemoComplaint]) -> None:
    share = sum(c.category == "corruption" for c in sample) / len(sample)
    assert 0 < share <= 0.03


def test_politeness_particle_matches_name(sample: list[DemoComplaint]) -> None:
    male = {name for name, _ in demo_data.MALE_NAMES}
    female = {name for name, _ in demo_data.FEMALE_NAMES}
    assert not male & female
    for c in sample:
        if c.first_name in male:
            assert "ค่ะ" not in c.details and "คะ" not in c.details, c.details
        else:
            assert c.first_name in female
            assert "ครับ" not in c.details, c.details


def test_name_pools_are_large_enough() -> None:
    assert len(demo_data.MALE_NAMES) + len(demo_data.FEMALE_NAMES) >= 40
    assert len(demo_data.SURNAMES) >= 40


def test_generation_is_fast() -> None:
    start = time.perf_counter()
    synthetic_complaints(10_000, seed=1)
    # Typically ~0.15 s; generous bound to stay stable on slow CI machines.
    assert time.perf_counter() - start < 3.0
