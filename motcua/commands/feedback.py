"""``motcua feedback …``: the petition store's schema, officer accounts, routing evaluation, demo data."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from feedback.auth import AccountError, create_officer
from feedback.config import FeedbackConfig
from feedback.directory import load_directory
from feedback.routing.evaluate import DEFAULT_EVAL_FILE, evaluate, load_cases
from motcua import services
from motcua.settings import get_settings

feedback_app = typer.Typer(help="Phản ánh, kiến nghị: tài khoản cán bộ, đánh giá định tuyến, dữ liệu mẫu.",
                           no_args_is_help=True)
console = Console()


def _config() -> FeedbackConfig:
    return services.feedback_config(get_settings())


@feedback_app.command("migrate")
def migrate_cmd() -> None:
    """Create or upgrade the schema of the app's database (every table, not only petitions)."""
    services.migrate_database(get_settings())
    console.print("Đã cập nhật cơ sở dữ liệu.")


@feedback_app.command("create-officer")
def create_officer_cmd(
    username: str, unit_id: str,
    role: str = typer.Option("officer", help="officer | lead | triage | admin"),
    full_name: str = typer.Option("", help="Họ tên hiển thị"),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
) -> None:
    """Create a console account bound to one unit of the directory."""
    service = services.feedback_service(get_settings())
    try:
        officer = create_officer(service.engine, service.directory, username, full_name or username,
                                 password, role, unit_id, actor="cli")
    except AccountError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    console.print(f"Đã tạo tài khoản {officer.username} ({officer.role}) cho {service.directory.name(unit_id)}.")


@feedback_app.command("eval-routing")
def eval_routing_cmd(
    cases: Path = typer.Option(DEFAULT_EVAL_FILE, help="JSONL file of labelled petitions"),
    units: Path = typer.Option(None, help="units.yml (default: the configured province)"),
    errors: int = typer.Option(10, help="How many misrouted cases to list"),
) -> None:
    """Print routing accuracy on the labelled set, without and with learning from corrections."""
    directory = load_directory(units or _config().units_file)
    report = evaluate(directory, load_cases(cases))
    table = Table(title=f"Định tuyến trên {report.total} phản ánh có nhãn")
    for col in ("Chỉ số", "Giá trị"):
        table.add_column(col)
    table.add_row("Độ chính xác (tĩnh)", f"{report.accuracy:.1%}")
    table.add_row("Tỉ lệ tự động chuyển (không qua điều phối)", f"{report.coverage:.1%}")
    table.add_row("Độ chính xác khi tự động chuyển", f"{report.auto_precision:.1%}")
    table.add_row("Nửa kiểm tra: trước khi học", f"{report.held_out_static_accuracy:.1%}")
    table.add_row("Nửa kiểm tra: sau khi học từ các lần chuyển lại ở nửa kia",
                  f"{report.held_out_learned_accuracy:.1%}")
    for source, (right, total) in sorted(report.by_source.items()):
        table.add_row(f"  nguồn {source}", f"{right}/{total} = {right / total:.1%}")
    console.print(table)
    for case, got in report.errors[:errors]:
        console.print(f"- {case.text[:80]!r}: cần {case.expected}, ra {got}")


@feedback_app.command("seed-demo")
def seed_demo_cmd(password: str = typer.Option(..., prompt=True, hide_input=True)) -> None:
    """Demo accounts (admin, triage, commune officer) and petitions taken from the labelled set."""
    from feedback.demo import seed

    summary = seed(services.feedback_service(get_settings()), password)
    console.print(summary)


@feedback_app.command("build-routing-eval")
def build_routing_eval_cmd() -> None:
    """Rebuild feedback/data/routing_eval.jsonl from the written petitions and the catalogue."""
    from feedback.routing.build_eval import OUTPUT, build

    console.print(f"Đã ghi {build()} phản ánh có nhãn vào {OUTPUT}.")
