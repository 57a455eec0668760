"""The restore drill's judgement: what counts as a backup that restores what production held."""

from stackcheck.drill import compare

BACKUP = {"public.prices": (1500, "a1"), "public.watchlists": (3, "b2"), "public.alembic_version": (1, "c3")}


def test_an_identical_restore_has_no_problems():
    assert compare(BACKUP, dict(BACKUP)) == []


def test_a_table_restored_empty_is_named_with_both_counts():
    restored = {**BACKUP, "public.prices": (0, "d41d8cd98f00b204e9800998ecf8427e")}
    assert compare(BACKUP, restored) == ["public.prices: 1500 rows at the backup, 0 restored"]


def test_same_counts_but_other_rows_are_a_difference():
    restored = {**BACKUP, "public.watchlists": (3, "zz")}
    assert compare(BACKUP, restored) == ["public.watchlists: 3 rows at the backup, 3 restored, contents differ"]


def test_missing_and_extra_tables_are_named():
    restored = {k: v for k, v in BACKUP.items() if k != "public.watchlists"} | {"public.stray": (1, "e5")}
    assert compare(BACKUP, restored) == ["public.watchlists: missing from the restore (3 rows in the backup)",
                                         "public.stray: in the restore only"]
