"""The store: idempotent re-import, version history, and the public API round trip."""

from __future__ import annotations

import dataclasses

from sqlmodel import Session

from feedback.db import engine_for
from knowledge.catalogue import CatalogueStore
from knowledge.catalogue.store import CatalogueProcedure
from knowledge.procedure import TimeLimitKind
from tests.support.database import migrated_url


def test_reimport_is_idempotent_and_keeps_history(tmp_path, catalogue):
    store = CatalogueStore(engine_for(migrated_url(tmp_path)))
    sample = [catalogue[c] for c in ("1.001193", "1.004222", "1.000014", "1.013124")]

    first = store.import_procedures(sample)
    assert sorted(first.added) == sorted(p.code for p in sample)
    again = store.import_procedures(sample)
    assert (again.added, again.updated, again.unchanged) == ([], [], 4)

    renamed = dataclasses.replace(sample[1], name="Đăng ký thường trú (sửa đổi)")
    changed = store.import_procedures([renamed, *sample[2:]])
    assert changed.updated == ["1.004222"] and changed.unchanged == 2

    history = store.history("1.004222")
    assert [v.version for v in history] == [1, 2]
    assert history[0].procedure == sample[1]
    assert store.get("1.004222") == renamed
    assert store.count() == 4
    assert store.get("1.001193") == sample[0]
    assert store.get("9.999999") is None
    assert [p.code for p in store.all()] == sorted(p.code for p in sample)


def test_rows_stored_before_time_limits_had_a_kind_still_load(tmp_path, catalogue):
    """Rows written before TimeLimit.kind hold only value, unit and text; they load unchanged."""
    store = CatalogueStore(engine_for(migrated_url(tmp_path)))
    store.import_procedures([catalogue["1.008312"], catalogue["1.004222"]])
    with Session(store.engine) as session:
        for code in ("1.008312", "1.004222"):
            row = session.get(CatalogueProcedure, code)
            data = dict(row.data, channels=[dict(c) for c in row.data["channels"]])
            for channel in data["channels"]:
                limit = channel["time_limit"]
                channel["time_limit"] = {k: limit[k] for k in ("value", "unit", "text")}
            row.data = data
            session.add(row)
        session.commit()
    assert store.get("1.008312").channels[0].time_limit.kind is TimeLimitKind.NOT_SET
    assert store.get("1.004222") == catalogue["1.004222"]
