"""VIN and IMEI checks: what real vehicles and devices carry passes, typing mistakes do not."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from fieldbox.fleet.tests.factories import imei
from fieldbox.fleet.validators import luhn_ok, normalise_vin, validate_imei, validate_vin, vin_check_digit

EUROPEAN = ["WVWZZZ1JZXW000001", "VF1RFB00X56123456", "ZFA31200000123456", "WBA3A5C51CF256551"]
NORTH_AMERICAN = ["1M8GDM9AXKP042788", "1HGCM82633A004352"]


@pytest.mark.parametrize("vin", EUROPEAN + NORTH_AMERICAN)
def test_real_vins_pass(vin):
    validate_vin(vin)


def test_a_european_vin_is_never_refused_for_its_ninth_character():
    for ninth in "0123456789X":
        validate_vin("WVWZZZ1J" + ninth + "XW000001")


def test_a_north_american_vin_with_a_wrong_check_digit_is_refused():
    wrong = "1M8GDM9A" + ("0" if vin_check_digit("1M8GDM9AXKP042788") != "0" else "1") + "KP042788"
    with pytest.raises(ValidationError, match="check digit"):
        validate_vin(wrong)


@pytest.mark.parametrize("bad", ["WVWZZZ1JZXW00000", "WVWZZZ1JZXW0000011", "WVWZZZ1JZXWO00001", "IVWZZZ1JZXW000001"])
def test_vins_of_the_wrong_length_or_with_i_o_q_are_refused(bad):
    with pytest.raises(ValidationError, match="17 letters"):
        validate_vin(bad)


def test_spaces_and_lower_case_are_normalised():
    assert normalise_vin(" wvwzzz1jzxw000001 ") == "WVWZZZ1JZXW000001"
    validate_vin(" wvwzzz1jzxw000001")


def test_imeis_need_15_digits_and_the_luhn_check():
    validate_imei("356938035643809")
    for bad in ("356938035643808", "35693803564380", "35693803564380A"):
        with pytest.raises(ValidationError, match="15 digits"):
            validate_imei(bad)


@given(st.integers(min_value=0, max_value=999_999))
def test_every_made_up_test_imei_is_valid_and_one_changed_digit_is_not(seed):
    good = imei(seed)
    validate_imei(good)
    changed = good[:-1] + str((int(good[-1]) + 1) % 10)
    assert not luhn_ok(changed)
