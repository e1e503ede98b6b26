"""The WorkOrders message profile (cimbus design, 2011-style namespace) over CIM100.

There is no IEC reference XSD for this noun: cimbus designed it for the ERP's work order as ERP
and OMS/WMS exchange it. CIM100's ``WorkOrder`` is a ``Document`` with no members of its own, so
it carries the order's document data (number, revision, author, status) and embeds exactly one
``Work``: the work it orders, with the same mRID as the ELWork of the WorkRequests message that
asked for it. The Work holds the ERP order number (``workOrderNumber``, required), kind,
priority, progress (``statusKind``), location, time schedules, cost lines and at least one
WorkTask. Each task carries its crews, assets, replaced assets, material, activity records and
task costs.

Every associated object is **embedded**; the profile has no ``ref`` member. Crews and assets are
master data that the receiver already holds (crews travel in the Crews noun), so a task carries
them by identity only, as the 2011 WorkRequests message does: a Crew is its mRID (required) and
name, an Asset its mRID (required), name, serial number and type. The receiver resolves those
mRIDs against its own records; the payload check does not. Money carries its currency
(``Money.unit``); Hours, IntegerQuantity and PerCent carry their value only. See
``docs/cim-model.md``, "Profiles".
"""

from __future__ import annotations

from cim.profiles._dsl import (
    DATETIME_INTERVAL,
    MRID,
    STATUS,
    attr,
    cls,
    compound,
    enum,
    nested,
    root,
    value_text,
)
from cim.profiles.model import Profile
from cim.profiles.workrequests import required

NAMESPACE = "http://iec.ch/TC57/2011/WorkOrders#"

_KEY = attr("mRID", min=1)
"""An mRID that the receiver matches against its own records: required."""

_CLASSES = (
    cls("Asset", _KEY, attr("name"), attr("serialNumber"), attr("type")),
    cls("Crew", _KEY, attr("name")),
    DATETIME_INTERVAL,
    value_text("Hours", "float"),
    value_text("IntegerQuantity", "integer"),
    cls(
        "MaterialItem",
        MRID,
        attr("description"),
        attr("name"),
        required(compound("quantity", "IntegerQuantity", text_field="value")),
    ),
    cls("Money", enum("unit", "Currency"), attr("value", "decimal", min=1)),
    value_text("PerCent", "float"),
    cls(
        "PositionPoint",
        attr("sequenceNumber", "integer"),
        attr("xPosition", min=1),
        attr("yPosition", min=1),
        attr("zPosition"),
    ),
    cls("Priority", attr("justification"), attr("rank", "integer"), attr("type")),
    STATUS,
    cls(
        "StreetAddress",
        attr("postalCode"),
        compound("streetDetail", "StreetDetail"),
        compound("townDetail", "TownDetail"),
    ),
    cls("StreetDetail", attr("buildingName"), attr("name"), attr("number")),
    cls("TownDetail", attr("code"), attr("country"), attr("name"), attr("stateOrProvince")),
    cls(
        "Work",
        _KEY,
        attr("description"),
        enum("kind", "ServiceRequestKind"),
        attr("name"),
        attr("requestDateTime", "dateTime"),
        enum("statusKind", "WorkStatusKind"),
        attr("workOrderNumber", min=1),
        compound("priority", "Priority"),
        nested("TimeSchedules", "WorkTimeSchedule"),
        nested("WorkCostDetails", "WorkCostDetail"),
        nested("WorkLocation", "WorkLocation", max=1),
        nested("WorkTasks", "WorkTask", min=1),
    ),
    cls(
        "WorkActivityRecord",
        MRID,
        attr("createdDateTime", "dateTime", min=1),
        attr("reason"),
        attr("type"),
        compound("percentComplete", "PerCent", text_field="value"),
        compound("status", "Status"),
    ),
    # amount's meaning (planned, actual, authorised, budgeted, forecast) is in `type`, as CIM says
    cls(
        "WorkCostDetail",
        MRID,
        attr("isDebit", "boolean"),
        attr("transactionDateTime", "dateTime"),
        attr("type"),
        required(compound("amount", "Money")),
    ),
    cls(
        "WorkLocation",
        MRID,
        attr("direction"),
        attr("name"),
        attr("type"),
        compound("mainAddress", "StreetAddress"),
        nested("PositionPoints", "PositionPoint"),
    ),
    cls(
        "WorkOrder",
        _KEY,
        attr("authorName"),
        attr("comment"),
        attr("createdDateTime", "dateTime"),
        attr("lastModifiedDateTime", "dateTime"),
        attr("name"),
        attr("revisionNumber"),
        compound("status", "Status"),
        # CIM100 has no WorkOrder-Work association: the order nests the one Work it orders
        nested("Work", "Work", min=1, max=1),
    ),
    cls(
        "WorkTask",
        _KEY,
        attr("completedDateTime", "dateTime"),
        attr("crewETA", "dateTime"),
        attr("description"),
        attr("estimatedCompletionTime", "dateTime"),
        attr("instruction"),
        attr("name"),
        attr("schedOverride"),
        attr("startedDateTime", "dateTime"),
        enum("statusKind", "WorkStatusKind"),
        enum("taskKind", "WorkTaskKind"),
        nested("Assets", "Asset"),
        compound("contractorCost", "Money"),
        nested("Crews", "Crew"),
        compound("laborCost", "Money"),
        compound("laborHours", "Hours", text_field="value"),
        nested("MaterialItems", "MaterialItem"),
        compound("materiallCost", "Money"),  # sic: CIM100 spells it so
        nested("OldAsset", "Asset"),
        nested("TimeSchedules", "WorkTimeSchedule"),
        compound("toolCost", "Money"),
        nested("WorkActivityRecords", "WorkActivityRecord"),
        nested("WorkLocation", "WorkLocation", max=1),
    ),
    cls(
        "WorkTimeSchedule",
        enum("kind", "WorkTimeScheduleKind"),
        compound("scheduleInterval", "DateTimeInterval"),
    ),
)

WORK_ORDERS = Profile(
    name="WorkOrders",
    version="1.0",
    namespace=NAMESPACE,
    root_element="WorkOrders",
    root_class="WorkOrder",
    root=root("WorkOrders", nested("WorkOrder", "WorkOrder")),
    classes={c.name: c for c in _CLASSES},
)
"""WorkOrders 1.0 in ``http://iec.ch/TC57/2011/WorkOrders#`` (no reference XSD)."""

__all__ = ["NAMESPACE", "WORK_ORDERS"]
