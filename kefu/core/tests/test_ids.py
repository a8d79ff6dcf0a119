import pytest

from kefu.core.ids import MAX_PK, parse_pk


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1),
        ("42", 42),
        (" 7 ", 7),
        (MAX_PK, MAX_PK),
        (str(MAX_PK), MAX_PK),
        (MAX_PK + 1, None),
        ("9223372036854775808", None),
        (0, None),
        (-1, None),
        ("-1", None),
        (True, None),
        (1.0, None),
        (1e308, None),
        ("1e999", None),
        ("²", None),
        ("١٢", None),  # Arabic-Indic digits: isdigit() says yes, the database says no
        ([1], None),
        (None, None),
        ("", None),
    ],
)
def test_it_accepts_only_database_ids(value, expected):
    assert parse_pk(value) == expected
