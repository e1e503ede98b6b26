"""Identity crosswalk: a native key (system, object type, native ID) <-> a CIM mRID (UUID).

Every native identifier an adapter meets is looked up here before it goes on the bus, so that
each real-world object carries one mRID whichever system named it. In CIM terms a row is a
``Name``: the system is the ``NameTypeAuthority`` (``CIS``), the object type qualified by its
system is the ``NameType`` (``CIS.AccountNumber``) and the native ID is ``Name.name``, naming the
``IdentifiedObject`` whose mRID the crosswalk holds. :meth:`Crosswalk.names` exports exactly that.

A miss is handled by policy: ``"create"`` records a new UUID4 mRID atomically (the key is the
primary key, so processes racing for one key all get the first committed mRID), ``"fail"``
raises :class:`cim.errors.MessageError` with code 2.15 (an invalid ID: the message names an
object the crosswalk does not know), ``"defer"`` returns ``None`` so that the caller decides.

Implementations: :class:`SqliteCrosswalk` (the default, one machine, WAL, several processes may
share the file) and :class:`PostgresCrosswalk` (adapters on several machines). Each thread gets
its own connection. Errors, drawn as in :mod:`cim.errors`::

    MessageError (2.15)        a bad key, a miss under "fail", a key re-linked to another mRID
    TransportError
    └── StoreUnavailable (5.3) the database failed (same class as bus.idempotency)
"""

from __future__ import annotations

from adapters.crosswalk.keys import (
    MAX_NAME,
    MAX_NATIVE_ID,
    MISS_CODE,
    NAMESPACE,
    CimNames,
    Crosswalk,
    NativeKey,
    OnMiss,
    canonical_mrid,
    export_names,
)
from adapters.crosswalk.stores import TABLE, PostgresCrosswalk, SqliteCrosswalk, StoreUnavailable

__all__ = [
    "MAX_NAME",
    "MAX_NATIVE_ID",
    "MISS_CODE",
    "NAMESPACE",
    "TABLE",
    "CimNames",
    "Crosswalk",
    "NativeKey",
    "OnMiss",
    "PostgresCrosswalk",
    "SqliteCrosswalk",
    "StoreUnavailable",
    "canonical_mrid",
    "export_names",
]
