"""``cimbus model diff`` and ``cimbus model apply``: files in, difference models and models out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bus.cli import main
from cim.network.diff import content, read_difference
from cim.network.export import write_rdfxml
from cim.network.rdfxml import load
from cim.network.store import CimObject, Document, Model, Part, Ref

CIM16 = "http://iec.ch/TC57/2013/CIM-schema-cim16#"
NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "cim": CIM16,
    "md": "http://iec.ch/TC57/61970-552/ModelDescription/1#",
}


def run(*args: str | Path):
    """Run cimbus with the arguments; exceptions are not swallowed."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def write(tmp: Path, name: str, *docs: dict[str, tuple[str, dict]]) -> Path:
    """Write a model built in code (one document per dict) to ``tmp/name``; its path."""
    model = Model()
    for i, described in enumerate(docs):
        model.documents.append(
            Document(
                name=f"{i}.xml",
                namespaces=dict(NS),
                header_id=f"urn:uuid:{i:08d}-0000-4000-8000-000000000000",
                ids=list(described),
            )
        )
        for oid, (cls, props) in described.items():
            model.objects.setdefault(oid, CimObject(oid, cls)).parts.append(Part(i, cls, props))
    out = tmp / name
    write_rdfxml(model, out if len(docs) > 1 else out.with_suffix(".xml"))
    return out if len(docs) > 1 else out.with_suffix(".xml")


OLD = {
    "b1": ("Breaker", {"IdentifiedObject.name": "B1"}),
    "t1": ("Terminal", {"Terminal.ConductingEquipment": Ref("b1")}),
}
NEW = {
    "b1": ("Breaker", {"IdentifiedObject.name": "B1 renamed"}),
    "l1": ("ACLineSegment", {"ACLineSegment.r": "0.5"}),
}


def test_diff_then_apply_gives_the_new_model(tmp_path):
    """diff writes a DIFF.xml; apply of it to OLD writes a model with NEW's content."""
    old, new = write(tmp_path, "old", OLD), write(tmp_path, "new", NEW)
    result = run("model", "diff", old, new, "--out", tmp_path / "d.xml", "--json")
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)["differences"][0]
    assert (row["added"], row["removed"], row["changed"]) == (1, 1, 1)
    assert read_difference(tmp_path / "d.xml").supersedes() == [
        "00000000-0000-4000-8000-000000000000"
    ]
    result = run("model", "apply", old, tmp_path / "d.xml", "--out", tmp_path / "out.xml", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["files"] == [str(tmp_path / "out.xml")]
    assert content(load([tmp_path / "out.xml"])) == content(load([new]))


def test_diff_of_the_same_model_says_so(tmp_path):
    """No differences: a line saying so, exit 0."""
    old = write(tmp_path, "old", OLD)
    result = run("model", "diff", old, old)
    assert (result.exit_code, result.stdout) == (0, "no differences\n")


def test_apply_twice_is_refused_with_file_and_line(tmp_path):
    """The second application's reverse statements do not match: exit 1 naming file:line."""
    old, new = write(tmp_path, "old", OLD), write(tmp_path, "new", NEW)
    run("model", "diff", old, new, "--out", tmp_path / "d.xml")
    run("model", "apply", old, tmp_path / "d.xml", "--out", tmp_path / "once.xml")
    result = CliRunner().invoke(
        main, ["model", "apply", str(tmp_path / "once.xml"), str(tmp_path / "d.xml"), "-o", "x.xml"]
    )
    assert result.exit_code == 1
    assert f"error: 5.9 {tmp_path / 'd.xml'}:" in result.stderr
    assert "is not in the base" in result.stderr
    assert not (tmp_path / "x.xml").exists()


def test_lenient_apply_reports_warnings(tmp_path):
    """--lenient applies what fits and lists what it skipped."""
    old, new = write(tmp_path, "old", OLD), write(tmp_path, "new", NEW)
    run("model", "diff", old, new, "--out", tmp_path / "d.xml")
    run("model", "apply", old, tmp_path / "d.xml", "--out", tmp_path / "once.xml")
    result = run(
        "model",
        "apply",
        tmp_path / "once.xml",
        tmp_path / "d.xml",
        "--lenient",
        "--out",
        tmp_path / "twice.xml",
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert any("is not in the base" in w for w in json.loads(result.stdout)["warnings"])


def test_several_changed_documents_need_a_folder(tmp_path):
    """Two changed documents: --out DIFF.xml is refused, a folder gets one file each."""
    old = write(tmp_path, "old", OLD, {"b1": ("Breaker", {"Switch.open": "false"})})
    new = write(tmp_path, "new", NEW, {"b1": ("Breaker", {"Switch.open": "true"})})
    refused = CliRunner().invoke(main, ["model", "diff", str(old), str(new), "-o", "d.xml"])
    assert refused.exit_code == 1 and "give a folder" in refused.stderr
    result = run("model", "diff", old, new, "--out", tmp_path / "diffs")
    assert result.exit_code == 0, result.output
    written = sorted((tmp_path / "diffs").iterdir())
    assert [p.name for p in written] == ["0_DIFF.xml", "1_DIFF.xml"]
    result = run("model", "apply", old, *written, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert content(load([tmp_path / "out"])) == content(load([new]))


def test_hostile_difference_file_is_refused(tmp_path):
    """A DTD in a difference file is refused with its error code, nothing written."""
    old = write(tmp_path, "old", OLD)
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b'<!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>')
    result = CliRunner().invoke(main, ["model", "apply", str(old), str(bad), "-o", "o.xml"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: 1.8 {bad}: document type declarations")


def test_help_names_both_commands():
    """model --help lists diff and apply."""
    result = run("model", "--help")
    assert "diff" in result.stdout and "apply" in result.stdout


@pytest.mark.corpus
def test_real_t1_differences_through_the_command_line(shared_data, tmp_path):
    """The T1 EQ sequence applies; EQ_DIFF_3 alone warns about its missing dependency."""
    eq = shared_data / "cim" / "microgrid_bc" / "20171002T0930Z_BE_EQ_2.xml"
    diffs = [
        shared_data / "cim" / "microgrid_t1_diff" / f"20171002T0930Z_BE_EQ_DIFF_{n}.xml"
        for n in (1, 3, 4, 5)
    ]
    result = run("model", "apply", eq, *diffs, "--out", tmp_path / "eq.xml", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["warnings"] == []
    assert [(r["added"], r["removed"]) for r in summary["applied"]] == [
        (66, 0),
        (2, 0),
        (1, 3),
        (0, 0),
    ]
    result = run("model", "apply", eq, diffs[1], "--out", tmp_path / "eq3.xml", "--json")
    assert "depends on urn:uuid:1fbbb385" in json.loads(result.stdout)["warnings"][0]
    result = run("model", "diff", eq, tmp_path / "eq.xml", "--out", tmp_path / "d.xml")
    assert result.exit_code == 0, result.output
    run("model", "apply", eq, tmp_path / "d.xml", "--out", tmp_path / "again.xml")
    assert (tmp_path / "again.xml").read_bytes() == (tmp_path / "eq.xml").read_bytes()
