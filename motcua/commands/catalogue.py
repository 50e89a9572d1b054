"""``motcua catalogue …``: import the shipped catalogue, show a card, print the coverage report."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.progress import track
from rich.table import Table

from feedback.db import for_writes
from knowledge.catalogue import CatalogueStore, load_shipped_catalogue
from knowledge.catalogue.card import render_card
from knowledge.catalogue.report import (
    COUNTED_TIME_KINDS,
    TIME_KIND_LABELS,
    coverage,
    summary,
    time_kinds,
)
from motcua import services
from motcua.settings import get_settings

catalogue_app = typer.Typer(help="Danh mục thủ tục hành chính: nhập, xem, báo cáo.")
console = Console()
DB_OPTION = typer.Option(None, "--db", help="SQLAlchemy URL (mặc định: SQLite trong data_dir).")


def _store(db: str | None) -> CatalogueStore:
    return services.catalogue_store(get_settings(), db)


@catalogue_app.command("import")
def import_command(db: str | None = DB_OPTION) -> None:
    """Parse both shipped catalogues and import them (only changed procedures get a new version)."""
    procedures = load_shipped_catalogue()
    # It reads, then writes, in one transaction: on SQLite, take the write lock first (feedback.db).
    store = CatalogueStore(for_writes(_store(db).engine))
    result = store.import_procedures(track(procedures, description="Đang nhập thủ tục…"))
    console.print(
        f"Đã nhập {result.total} thủ tục: {len(result.added)} mới, "
        f"{len(result.updated)} cập nhật, {result.unchanged} không đổi."
    )


@catalogue_app.command("show")
def show_command(code: str, db: str | None = DB_OPTION) -> None:
    """Print one procedure as a readable card (from the database, else from the shipped files)."""
    store = _store(db)
    procedure = store.get(code) if store.count() else None
    procedure = procedure or next((p for p in load_shipped_catalogue() if p.code == code), None)
    if procedure is None:
        console.print(f"Không tìm thấy thủ tục mã {code}.")
        raise typer.Exit(1)
    console.print(render_card(procedure), markup=False, highlight=False)


@catalogue_app.command("report")
def report_command(as_json: bool = typer.Option(False, "--json", help="Một đối tượng JSON.")) -> None:
    """How many procedures each field was parsed for, and which were not."""
    procedures = load_shipped_catalogue()
    if as_json:
        typer.echo(json.dumps(summary(procedures), ensure_ascii=False))
        return
    table = Table(title=f"Độ phủ phân tích — {len(procedures)} thủ tục")
    for column in ("Trường", "Đã phân tích", "Trên", "Tỉ lệ"):
        table.add_column(column)
    measures = coverage(procedures)
    for m in measures:
        table.add_row(m.label, str(m.parsed), str(m.eligible), f"{m.share:.1%}")
    console.print(table)
    kinds = Table(title="Thời hạn giải quyết theo loại (số hình thức nộp)")
    for column in ("Loại", "Số hình thức nộp", "Tính là đã phân tích"):
        kinds.add_column(column)
    labels = {**TIME_KIND_LABELS, "none": "nguồn không ghi gì"}
    for kind, count in time_kinds(procedures).items():
        kinds.add_row(labels[kind], str(count), "có" if kind in COUNTED_TIME_KINDS else "không")
    console.print(kinds)
    for m in measures:
        if m.missing:
            console.print(f"[bold]{m.label}[/bold] — chưa phân tích được ({len(m.missing)}):")
            console.print(", ".join(m.missing), highlight=False)
