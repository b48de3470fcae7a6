"""A kind of order is one module of mentoring.order_kinds: the package finds it, ``Order.Kind`` and the field's
choices list it in its declared place, and no migration follows (the migrations name the callable)."""

import io
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from mentoring import order_kinds
from mentoring.models import Order
from mentoring.order_kinds import municipal

FIRST_NINE = ["organisation", "pairs", "plans", "mentors", "rewards", "curator", "roadmap", "final_event",
              "municipal_curator"]


def test_the_kinds_keep_their_values_and_order():
    values = [kind.value for kind in order_kinds.kinds()]
    assert [value for value in values if value in FIRST_NINE] == FIRST_NINE
    assert Order.Kind.values == values
    assert Order.Kind.choices == order_kinds.choices()
    assert list(Order._meta.get_field("kind").choices) == order_kinds.choices()
    assert Order.Kind.PAIRS == "pairs" and Order.Kind("curator").label == Order.Kind.CURATOR.label
    assert Order(kind="plans").get_kind_display() == "Об утверждении индивидуальных планов"


def test_each_module_declares_what_the_register_needs():
    for kind in order_kinds.kinds():
        assert len(kind.value) <= Order._meta.get_field("kind").max_length, kind.value
        assert str(kind.label), kind.value
        if kind.points is not None:
            assert kind.purpose.startswith("в целях"), kind.value
        if kind.municipal_points is not None:
            assert kind.municipal_purpose.startswith("в целях"), kind.value
    assert list(order_kinds.PAIR_KINDS) == ["pairs", "plans", "mentors"]
    assert list(order_kinds.NOT_PREPARED_BY_HAND) == ["roadmap"]
    assert list(municipal.KINDS) == ["municipal_curator"]
    assert set(order_kinds.form_fields("final_event")) == {"event_on", "event_name", "event_place"}
    assert order_kinds.form_fields("pairs") == {} and order_kinds.details_from("pairs", {}) is None


def test_no_migration_is_missing(db):
    # The field's choices are the callable: adding a kind's module changes no migration.
    call_command("makemigrations", "--check", "--dry-run", stdout=io.StringIO())


@pytest.fixture
def forget_kinds():
    """The kinds found again after the test (the package caches them)."""
    def forget():
        order_kinds.kinds.cache_clear()
        order_kinds._by_value.cache_clear()
        order_kinds.Kinds._enum = None

    forget()
    yield forget
    forget()


def test_a_new_module_is_a_new_kind(tmp_path, monkeypatch, forget_kinds):
    (tmp_path / "welcome.py").write_text(
        'VALUE = "welcome"\nLABEL = "О встрече молодых специалистов"\nPOSITION = 55\n'
        'PURPOSE = "в целях адаптации молодых специалистов"\n\n\ndef points(text):\n'
        '    return [{"text": "Провести встречу.", "subpoints": [], "table": None}], []\n',
        encoding="utf-8")
    monkeypatch.setattr(order_kinds, "__path__", [*order_kinds.__path__, str(tmp_path)])
    monkeypatch.delitem(sys.modules, "mentoring.order_kinds.welcome", raising=False)
    forget_kinds()
    values = Order.Kind.values
    assert values.index("welcome") == values.index("rewards") + 1  # POSITION 55: between 50 and 60
    assert Order.Kind.WELCOME.label == "О встрече молодых специалистов"
    assert ("welcome", "О встрече молодых специалистов") in Order._meta.get_field("kind").choices
    assert "welcome" not in order_kinds.PAIR_KINDS and "welcome" not in municipal.KINDS
    sys.modules.pop("mentoring.order_kinds.welcome", None)


def test_two_kinds_may_not_share_a_place(tmp_path, monkeypatch, forget_kinds):
    (tmp_path / "twin.py").write_text('VALUE = "twin"\nLABEL = "Двойник"\nPOSITION = 10\n\n\n'
                                      'def points(text):\n    return [], []\n', encoding="utf-8")
    monkeypatch.setattr(order_kinds, "__path__", [*order_kinds.__path__, str(tmp_path)])
    forget_kinds()
    with pytest.raises(ImproperlyConfigured, match="share a position"):
        order_kinds.kinds()
    sys.modules.pop("mentoring.order_kinds.twin", None)
