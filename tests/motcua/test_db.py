"""One schema history for every table of the app."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from feedback.db import make_engine
from motcua.db import include_name, migrate, schema
from tests.support.database import migrated_url, sqlite_only


def test_the_history_creates_every_table_the_code_defines(tmp_path) -> None:
    url = migrated_url(tmp_path)  # a copy of a database the whole history ran on, in this session
    migrate(url)  # idempotent
    engine = make_engine(url)
    tables = set(inspect(engine).get_table_names())
    defined = {name for metadata in schema() for name in metadata.tables}
    assert {"petition", "ch_outbox", "ch_inbox", "handover_request", "catalogue_procedure"} <= defined
    assert defined <= tables
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": include_name})
        differences = compare_metadata(context, schema())
    assert differences == []  # a model changed without a migration fails here


@sqlite_only("an older install's var/feedback.db file becomes the app database")
def test_an_older_install_keeps_its_petitions(tmp_path) -> None:
    from sqlalchemy import text

    from motcua import services
    from motcua.settings import Settings

    old = f"sqlite:///{tmp_path / 'feedback.db'}"
    migrate(old, "0002")  # the petition store as it was before the app had one database
    with create_engine(old).begin() as connection:
        connection.execute(text("CREATE TABLE marker (note TEXT)"))
        connection.execute(text("INSERT INTO marker VALUES ('kept')"))
    settings = Settings(data_dir=tmp_path)
    services.migrate_database(settings)
    engine = create_engine(settings.database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT note FROM marker")).scalar_one() == "kept"
    assert "ch_outbox" in inspect(engine).get_table_names()
    assert not (tmp_path / "feedback.db").exists()
