"""Difference models on real data: the ENTSO-E MicroGrid Type 1 difference files and their base.

The T1 files change the Belgian MicroGrid base case (``microgrid_bc``: BE EQ
``urn:uuid:d400c631…``, BE TP ``urn:uuid:f2f43818…``), which every EQ and TP difference
``Model.Supersedes``. In order: EQ_DIFF_1 (+ TP_DIFF_1, and the T1 SSH_2) turns the BE model
node-breaker; EQ_DIFF_3 (+ TP_DIFF_2) adds a Petersen coil; EQ_DIFF_4 (+ TP_DIFF_3, empty, and
SSH_3) replaces generator BE-G2 by an EnergySource; EQ_DIFF_5 (+ TP_DIFF_4, empty) changes two
curve points. EQ_DIFF_3/4/5 are ``Model.DependentOn`` EQ_DIFF_1; EQ_DIFF_2 holds the same
statements as EQ_DIFF_3 without saying so (both cannot be applied).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from cim.network.diff import (
    DifferenceConflict,
    Statement,
    apply,
    content,
    diff,
    diff_documents,
    difference_bytes,
    invert,
    read_difference,
)
from cim.network.export import write_rdfxml
from cim.network.rdfxml import load
from cim.network.store import Model, Ref, Uri

pytestmark = pytest.mark.corpus

CIM16 = "http://iec.ch/TC57/2013/CIM-schema-cim16#"
EQ_DIFF_1 = "1fbbb385-f7cb-4229-bbd1-c8cb6156a616"
SEQUENCE = [
    "BE_EQ_DIFF_1",
    "1D_BE_TP_DIFF_1",
    "BE_EQ_DIFF_3",
    "1D_BE_TP_DIFF_2",
    "BE_EQ_DIFF_4",
    "1D_BE_TP_DIFF_3",
    "BE_EQ_DIFF_5",
    "1D_BE_TP_DIFF_4",
]


def t1(shared: Path, name: str) -> Path:
    """A file of the MicroGrid T1 difference set."""
    return shared / "cim" / "microgrid_t1_diff" / f"20171002T0930Z_{name}.xml"


def bc(shared: Path, name: str) -> Path:
    """A file of the MicroGrid base case."""
    return shared / "cim" / "microgrid_bc" / f"20171002T0930Z_{name}.xml"


@pytest.fixture(scope="module")
def base(shared_data: Path) -> Model:
    """The BE EQ and TP documents of the base case."""
    return load([bc(shared_data, "BE_EQ_2"), bc(shared_data, "1D_BE_TP_2")])


@pytest.fixture(scope="module")
def applied(base: Model, shared_data: Path) -> Model:
    """The base with the whole T1 sequence applied, strictly."""
    model = base
    for name in SEQUENCE:
        model = apply(model, read_difference(t1(shared_data, name)))
    return model


def assert_same(a: Model, b: Model) -> None:
    """Same statements per document, same classes, same ids listed per document."""
    assert content(a) == content(b)
    assert {o.id: o.cls for o in a.objects.values()} == {o.id: o.cls for o in b.objects.values()}
    assert [Counter(d.ids) for d in a.documents] == [Counter(d.ids) for d in b.documents]


def test_every_real_difference_file_is_read(shared_data):
    """All nine T1 difference files read, unprefixed parseType included, with their headers."""
    files = sorted((shared_data / "cim" / "microgrid_t1_diff").glob("*DIFF*.xml"))
    assert len(files) == 9
    counts = {}
    for path in files:
        d = read_difference(path)
        assert b'parseType="Statements"' in path.read_bytes()
        assert b"rdf:parseType" not in path.read_bytes()
        eq = "_EQ_" in path.name
        base_id = (
            "d400c631-75a0-4c30-8aed-832b0d282e73" if eq else "f2f43818-09c8-4252-9611-7af80c398d20"
        )
        assert d.supersedes() == [base_id]
        assert ("http://entsoe.eu/CIM/EquipmentCore/3/1" in d.profiles()) is eq
        counts[path.name[15:-4]] = (len(d.reverse), len(d.forward))
    assert counts == {
        "1D_BE_TP_DIFF_1": (0, 42),
        "1D_BE_TP_DIFF_2": (0, 2),
        "1D_BE_TP_DIFF_3": (0, 0),
        "1D_BE_TP_DIFF_4": (0, 0),
        "BE_EQ_DIFF_1": (2, 399),
        "BE_EQ_DIFF_2": (4, 24),
        "BE_EQ_DIFF_3": (4, 24),
        "BE_EQ_DIFF_4": (48, 16),
        "BE_EQ_DIFF_5": (2, 2),
    }


def test_dependencies_in_the_headers(shared_data):
    """EQ_DIFF_3, 4 and 5 depend on EQ_DIFF_1; EQ_DIFF_2 is EQ_DIFF_3 without saying so."""
    for n in (3, 4, 5):
        d = read_difference(t1(shared_data, f"BE_EQ_DIFF_{n}"))
        assert d.header["Model.DependentOn"] == [f"urn:uuid:{EQ_DIFF_1}"]
    two, three = (read_difference(t1(shared_data, f"BE_EQ_DIFF_{n}")) for n in (2, 3))
    assert "Model.DependentOn" not in two.header
    assert (two.reverse, two.forward) == (three.reverse, three.forward)


def test_t1_sequence_changes_the_values_the_files_say(applied, base):
    """After the sequence, specific values are those of the forward differences."""
    o = applied.objects
    assert o["d0486169-2205-40b2-895e-b672ecb9e5fc"].get("IdentifiedObject.name") == "225.0"
    assert o["6ba406ce-78cf-4485-9b01-a34e584f1a8d"].get("RegulatingControl.Terminal") == Ref(
        "9f5dbaf3-e384-4e86-9d49-f43c30b4e354"
    )
    assert o["b9376bea-c75d-49f3-94ca-6a71fa0086a5"].ref("Terminal.ConnectivityNode") == (
        "ae99bd74-26b1-443a-b1a5-656320283a36"
    )
    assert len(list(applied.of_class("ConnectivityNode"))) == 21
    assert len(list(applied.of_class("Breaker"))) - len(list(base.of_class("Breaker"))) == 15
    coil = o["1e951716-1c9e-413f-b919-9f822df4b38a"]
    assert (coil.cls, coil.get("PetersenCoil.nominalU")) == ("PetersenCoil", "400.000000")
    end = o["664a19e1-1dc2-48d5-b265-c0630981e61c"]
    assert end.get("TransformerEnd.rground") == "100.000000"
    assert end.get("TransformerEnd.xground") == "100.0000000000"
    assert end.get("PowerTransformerEnd.connectionKind") == Uri(CIM16 + "WindingConnection.Yn")
    assert o["ab7ece75-d726-48c8-a924-b0a9325e6d51"].get("Terminal.phases") == Uri(
        CIM16 + "PhaseCode.ABCN"
    )
    for gone in ("5b7a4d43-09ec-4033-882d-64a76d557631", "550ebe0d-f2b2-48c1-991f-cebea43a21aa"):
        assert gone not in o and gone in base.objects
    terminal = o["4bb5407b-b4a5-416c-80ad-1a778ada2b9b"]
    assert terminal.get("IdentifiedObject.name") == "ACGENC-1230999187 - T1"
    assert terminal.get("entsoe:IdentifiedObject.shortName") is None
    assert terminal.ref("Terminal.ConductingEquipment") == "81d30eac-e291-4ce4-a133-4c134a207650"
    assert o["81d30eac-e291-4ce4-a133-4c134a207650"].cls == "EnergySource"
    for point in ("51AB-2E-F1-031323239373533303630", "51AB-2E-F1-231323239373533303630"):
        assert o[point].get("CurveData.y2value") == "250.000000"


def test_t1_changes_land_in_the_document_they_supersede(applied):
    """EQ statements go to the EQ document, TP statements to the TP document."""
    node = applied.objects["93cec50e-e92e-4773-b408-e2419dad090d"]
    assert [(p.doc, p.cls) for p in node.parts] == [
        (0, "ConnectivityNode"),
        (1, "ConnectivityNode"),
    ]
    assert node.parts[1].props == {
        "ConnectivityNode.TopologicalNode": Ref("e44141af-f1dc-44d3-bfa4-b674e5c953d7")
    }
    coil_terminal = applied.objects["933972e9-dc35-4899-929b-4e217623cde9"]
    assert [p.doc for p in coil_terminal.parts] == [0, 1]
    assert (
        coil_terminal.parts[1].props["Terminal.TopologicalNode"]
        == "5c74cb26-ce2f-40c6-951d-89091eb781b6"
    )
    assert applied.documents[0].ids[-1] == "81d30eac-e291-4ce4-a133-4c134a207650"


def test_wrong_order_or_repetition_is_refused_with_file_and_line(base, shared_data):
    """EQ_DIFF_3 after EQ_DIFF_2, or EQ_DIFF_4 twice, conflict on a named line."""
    two = apply(base, read_difference(t1(shared_data, "BE_EQ_DIFF_2")))
    with pytest.raises(DifferenceConflict) as caught:
        apply(two, read_difference(t1(shared_data, "BE_EQ_DIFF_3")))
    assert (Path(caught.value.file).name, caught.value.line) == (
        "20171002T0930Z_BE_EQ_DIFF_3.xml",
        17,
    )
    assert "PhaseCode.ABCN" in str(caught.value)
    four = apply(base, read_difference(t1(shared_data, "BE_EQ_DIFF_4")))
    with pytest.raises(
        DifferenceConflict, match=r"BE_EQ_DIFF_4\.xml:15: reverse difference 5b7a4d43"
    ):
        apply(four, read_difference(t1(shared_data, "BE_EQ_DIFF_4")))


def test_t1_ssh_files_describe_the_eq_states(base, shared_data):
    """SSH_2 fits the EQ after EQ_DIFF_1; SSH_3 fits it only after EQ_DIFF_3 and EQ_DIFF_4."""
    ssh2, ssh3 = (load([t1(shared_data, f"1D_BE_SSH_{n}")]) for n in (2, 3))
    states = [base]
    for n in (1, 3, 4):
        states.append(apply(states[-1], read_difference(t1(shared_data, f"BE_EQ_DIFF_{n}"))))
    missing = [
        (len(set(ssh2.objects) - set(s.objects)), len(set(ssh3.objects) - set(s.objects)))
        for s in states
    ]
    assert missing[1][0] == 0 and missing[0][0] > 0
    assert missing[3][1] == 0 and missing[1][1] == 2 and missing[2][1] == 1


@pytest.mark.parametrize(("old", "new"), [("bc", "2"), ("2", "3"), ("bc", "3"), ("3", "bc")])
def test_real_ssh_versions_round_trip(shared_data, old, new):
    """apply(a, diff(a, b)) == b for the base and T1 SSH documents, through bytes too."""

    def ssh(which: str) -> Model:
        if which == "bc":
            return load([bc(shared_data, "1D_BE_SSH_2")])
        return load([t1(shared_data, f"1D_BE_SSH_{which}")])

    a, b = ssh(old), ssh(new)
    d = diff(a, b)
    assert not d.is_empty()
    assert_same(apply(a, d), b)
    assert_same(apply(a, read_difference(difference_bytes(d))), b)
    assert_same(apply(b, invert(d)), a)


def test_base_and_applied_model_round_trip(base, applied):
    """diff_documents(base, applied) applied to base gives the applied model, and back."""
    found = diff_documents(base, applied)
    assert [len(d.forward) > 0 for d in found] == [True, True]
    out = base
    for d in found:
        out = apply(out, read_difference(difference_bytes(d)))
    assert_same(out, applied)
    for d in found:
        out = apply(out, invert(d))
    assert_same(out, base)


def test_diff_reproduces_a_real_difference_file(base, shared_data):
    """diff(base, base + EQ_DIFF_5) has exactly the statements of EQ_DIFF_5."""
    real = read_difference(t1(shared_data, "BE_EQ_DIFF_5"))
    eq = load([bc(shared_data, "BE_EQ_2")])
    ours = diff(eq, apply(eq, real))
    assert (ours.reverse, ours.forward) == (real.reverse, real.forward)
    assert ours.forward[0] == Statement(
        "51AB-2E-F1-031323239373533303630", "", "CurveData.y2value", "250.000000"
    )


def test_identical_real_models_have_no_difference(base, shared_data):
    """A model read twice has no difference."""
    again = load([bc(shared_data, "BE_EQ_2"), bc(shared_data, "1D_BE_TP_2")])
    assert diff_documents(base, again) == []


def test_exported_result_reads_back_and_diffs_to_nothing(applied, base, tmp_path):
    """The applied model written as RDF/XML and read again has no difference from it."""
    written = write_rdfxml(applied, tmp_path)
    again = load(written)
    assert diff_documents(applied, again) == []
    out = base
    for d in diff_documents(base, again):
        out = apply(out, d)
    assert_same(out, again)
