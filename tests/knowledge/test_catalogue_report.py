"""Coverage of the whole shipped catalogue against the issue's bar, and the CLI around it."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from motcua.commands.catalogue import catalogue_app
from knowledge.catalogue.report import coverage, summary
from tests.support.database import migrated_url

BAR = 0.95


@pytest.fixture(scope="module")
def figures(catalogue):
    return summary(catalogue.values())


def test_report_has_the_required_counts(figures):
    for key in ("procedures", "with_channel_table", "channels_with_time_limit",
                "fees_classified", "with_papers", "papers_itemised"):
        assert isinstance(figures[key], int)
    assert figures["procedures"] == 2642 + 207


def test_papers_itemised_bar(figures):
    assert figures["papers_itemised"] >= BAR * figures["with_papers"]


def test_papers_itemised_counts_real_papers_only(catalogue, figures):
    measures = {m.key: m for m in coverage(catalogue.values())}
    # 2.001201's only item is "không quy định": split, but no paper in it
    assert catalogue["2.001201"].papers and "2.001201" in measures["papers_itemised"].missing
    items = sum(len(p.papers) for p in catalogue.values())
    kinds = ("paper_items_submit", "paper_items_show", "paper_items_note")
    assert sum(figures[k] for k in kinds) == items
    assert figures["with_paper_notes"] == sum(bool(p.paper_notes) for p in catalogue.values())
    share = figures["with_paper_notes"] / figures["with_papers"]
    print(f"procedures whose papers table holds notes: {figures['with_paper_notes']} "
          f"({share:.1%}); note items {figures['paper_items_note']} of {items}")


def test_fees_classified_where_the_source_states_a_fee(figures):
    assert figures["fees_classified_where_stated"] >= BAR * figures["fees_stated"]


@pytest.mark.xfail(strict=True, reason="~14% of procedures say 'Không có thông tin' for the fee; "
                   "the parser does not invent one (see docs/catalogue.md)")
def test_fees_classified_bar_over_all_channel_tables(figures):
    assert figures["fees_classified"] >= BAR * figures["with_channel_table"]


def test_time_limit_bar(figures):
    # counted: a figure, "Không quy định", a figure per case or per stage, a deadline in words
    assert figures["channels_with_time_limit"] >= BAR * figures["with_channel_table"]


def test_time_unit_stays_strict(catalogue):
    measures = {m.key: m for m in coverage(catalogue.values())}
    # "Không quy định" is a parsed time limit, but not a figure with a unit
    assert "1.008312" not in measures["channels_with_time_limit"].missing
    assert "1.008312" in measures["channels_with_time_unit"].missing


def test_cli_report_json_and_show(tmp_path):
    runner = CliRunner()
    result = runner.invoke(catalogue_app, ["report", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["procedures"] == 2849
    db = migrated_url(tmp_path)
    assert runner.invoke(catalogue_app, ["import", "--db", db]).exit_code == 0
    shown = runner.invoke(catalogue_app, ["show", "1.004222", "--db", db])
    assert shown.exit_code == 0
    assert "Đăng ký thường trú — mã 1.004222" in shown.output
    assert "Trực tuyến: thời hạn 7 ngày làm việc; phí, lệ phí: 10.000 đồng" in shown.output
