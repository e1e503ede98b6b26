"""The compiler: a checked mapping file becomes a tree of plain Python callables, once.

One engine runs both directions. The source side (:mod:`adapters.mapping.sources`) resolves
paths into a native document or a CIM payload; the target side builds a CIM payload of the noun's
profile (``to_cim``) or native JSON data (``from_cim``). Everything that can be decided from the
file — which member a key names, its type, which conversions apply, which cast ends them — is
decided here; a translation only calls the closures. Problems are collected with their location
in the file (a tuple of keys) so that ``cimbus mappings check`` reports them all at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adapters.mapping import casts, values
from adapters.mapping.conversions import Conversions, Loc
from adapters.mapping.errors import MappingError
from adapters.mapping.paths import Scope
from adapters.mapping.sources import CimSource, Ctx, NativeSource
from adapters.mapping.spec import FieldRule, MappingFile, ObjectRule, ValueRule
from adapters.mapping.units import cim_unit
from cim.profiles import Member, Node, Payload, Profile, ProfileClass
from cim.profiles._values import cim_class

Items = Callable[[Scope], list[Any]]
"""A compiled object rule: the objects it makes in this scope (none, one, or one per item)."""


class Compiler:
    """Compiles one mapping file; ``problems`` holds (location, message, hint) for each finding."""

    def __init__(
        self,
        spec: MappingFile,
        profile: Profile,
        *,
        lookups: dict[str, values.Lookup],
        native_schema: dict[str, Any] | None,
        crosswalk: Any,
    ) -> None:
        self.spec, self.profile, self.lookups, self.crosswalk = spec, profile, lookups, crosswalk
        self.to_cim = spec.direction == "to_cim"
        self.native = NativeSource(native_schema)
        self.source: NativeSource | CimSource = self.native if self.to_cim else CimSource(profile)
        self.problems: list[tuple[Loc, str, str | None, bool]] = []
        self.conversions = Conversions(
            system=spec.system,
            to_cim=self.to_cim,
            lookups=lookups,
            crosswalk=crosswalk,
            problem=self.problem,
        )

    def problem(
        self, loc: Loc, message: str, hint: str | None = None, *, key: bool = False
    ) -> None:
        """Record a finding at ``loc`` (at its key, for a target that does not exist)."""
        self.problems.append((loc, message, hint, key))

    # --- whole message ----------------------------------------------------------------------

    def compile(self) -> Callable[[Any], Any]:
        """The translation function of the whole message (check ``problems`` before use)."""
        ctx = self.source.context()
        if self.to_cim:
            fields = self._cim_fields(self.profile.root, self.spec.rules, ctx, ("rules",))
            root_order = [m.element for m in self.profile.root.members]
            made = dict(fields[1])

            def to_payload(doc: Any) -> Payload:
                scope: Scope = (doc, 1, None, doc, None)
                lists = []
                for element in root_order:
                    fn = made.get(element)
                    if fn is None:
                        continue
                    try:
                        nodes = fn(scope)
                    except MappingError as exc:
                        raise exc.within(element) from None
                    if nodes:
                        lists.append((element, tuple(nodes)))
                return Payload(tuple(lists))

            return to_payload
        build = self._native_object(self.spec.rules, ctx, ("rules",), self.native.schema)
        return lambda payload: build((payload, 1, None, payload, None))

    # --- CIM targets ------------------------------------------------------------------------

    def _cim_fields(
        self, pclass: ProfileClass, rules: dict[str, FieldRule], ctx: Ctx, loc: Loc
    ) -> tuple[list[tuple[str, Any]], list[tuple[str, Any]], list[tuple[str, Any]]]:
        """(model fields, embedded objects, extensions), each as (name, compiled fn)."""
        scalars: list[tuple[str, Any]] = []
        nested: list[tuple[str, Any]] = []
        extensions: list[tuple[str, Any]] = []
        for element, rule in rules.items():
            here = (*loc, element)
            m = pclass.member(element)
            if m is None:
                known = ", ".join(x.element for x in pclass.members)
                what = pclass.name or self.profile.root_element
                self.problem(
                    here, f"{what} has no member {element!r}", f"use one of: {known}", key=True
                )
                continue
            embedded = m.kind == "association" or (m.kind == "compound" and m.text_field is None)
            if embedded:
                fn = self._cim_objects(m, rule, ctx, here)
                if fn is not None and m.kind == "association":
                    nested.append((element, fn))
                elif fn is not None:
                    scalars.append((m.path, fn))
                continue
            if isinstance(rule, ObjectRule | list):
                self.problem(here, f"{element} is a value ({m.kind}), not an object", "drop fields")
                continue
            vfn = self._cim_value(m, rule, ctx, here)
            if vfn is not None:
                if m.kind == "extension":
                    extensions.append((element, vfn))
                else:
                    scalars.append((m.path, vfn))
        for m in pclass.members:
            if m.min >= 1 and m.element not in rules and pclass is not self.profile.root:
                self.problem(
                    loc,
                    f"{pclass.name}.{m.element} is required by the {self.profile.name} profile",
                    f"add a rule for {m.element}",
                )
        order = {m.element: i for i, m in enumerate(pclass.members)}
        nested.sort(key=lambda kv: order[kv[0]])
        extensions.sort(key=lambda kv: order[kv[0]])
        return scalars, nested, extensions

    def _cim_objects(
        self, m: Member, rule: FieldRule, ctx: Ctx, loc: Loc
    ) -> Callable[[Scope], Any] | None:
        rules = rule if isinstance(rule, list) else [rule]
        if not all(isinstance(r, ObjectRule) for r in rules):
            self.problem(loc, f"{m.element} is an object: give it fields", "write fields: {...}")
            return None
        pclass = self.profile.cls(m.type)
        parts: list[Items] = []
        for i, r in enumerate(rules):
            assert isinstance(r, ObjectRule)
            here = (*loc, i) if isinstance(rule, list) else loc
            part = self._items(r, ctx, here, self._cim_maker(m, pclass, r, here))
            if part is not None:
                parts.append(part)
        repeated = len(rules) > 1 or any(isinstance(r, ObjectRule) and r.each for r in rules)
        if m.max == 1 and repeated:
            self.problem(loc, f"{m.element} holds at most one object", "drop each or the extras")
        compound = m.kind == "compound"
        return _joined(parts, compound=compound)

    def _cim_maker(
        self, m: Member, pclass: ProfileClass, rule: ObjectRule, loc: Loc
    ) -> Callable[[Ctx], Callable[[Scope], Any]]:
        def make_for(ctx: Ctx) -> Callable[[Scope], Any]:
            fields = self._cim_fields(pclass, rule.fields, ctx, (*loc, "fields"))
            cls = cim_class(pclass.cim_class)
            return _maker(cls, *fields, as_node=m.kind == "association")

        return make_for

    def _cim_value(self, m: Member, rule: FieldRule, ctx: Ctx, loc: Loc) -> values.ValueFn | None:
        try:
            cast = casts.cim_cast(self.profile, m)
        except ValueError as exc:
            self.problem(loc, str(exc))
            return None
        xsd = casts.xsd_of(self.profile, m)
        enum = m.type if m.kind == "enum" else None
        unit = cim_unit(m.type) if m.kind == "compound" else None
        return self._value(rule, ctx, loc, cast=cast, xsd=xsd, enum=enum, unit=unit, many=m.many)

    # --- native targets ---------------------------------------------------------------------

    def _native_object(
        self, rules: dict[str, FieldRule], ctx: Ctx, loc: Loc, schema: Any
    ) -> Callable[[Scope], dict[str, Any]]:
        fns: list[tuple[str, Any]] = []
        for key, rule in rules.items():
            here = (*loc, key)
            sub = self._native_target(schema, key, here)
            if isinstance(rule, ObjectRule | list):
                rs = rule if isinstance(rule, list) else [rule]
                parts: list[Items] = []
                for i, r in enumerate(rs):
                    h = (*here, i) if isinstance(rule, list) else here
                    part = self._items(r, ctx, h, self._native_maker(r, h, self.native.items(sub)))
                    if part is not None:
                        parts.append(part)
                single = not isinstance(rule, list) and rule.each is None
                fns.append((key, _joined(parts, compound=single)))
                continue
            kind = rule.type if isinstance(rule, ValueRule) and rule.type else _json_type(sub)
            vfn = self._value(
                rule,
                ctx,
                here,
                cast=casts.native_cast(kind),
                xsd=None,
                enum=None,
                unit=None,
                many=True,
                native_enum=sub.get("enum") if isinstance(sub, dict) else None,
            )
            if vfn is not None:
                fns.append((key, vfn))
        pairs = tuple(fns)

        def make(s: Scope) -> dict[str, Any]:
            out: dict[str, Any] = {}
            key = ""
            try:
                for key, fn in pairs:
                    v = fn(s)
                    if v is not None and v != [] and v != {}:  # nothing made: left out
                        out[key] = v
            except MappingError as exc:
                raise exc.within(key) from None
            return out

        return make

    def _native_maker(
        self, rule: ObjectRule, loc: Loc, schema: Any
    ) -> Callable[[Ctx], Callable[[Scope], Any]]:
        return lambda ctx: self._native_object(rule.fields, ctx, (*loc, "fields"), schema)

    def _native_target(self, schema: Any, key: str, loc: Loc) -> Any:
        if schema is None:
            return None
        try:
            return self.native._child(schema, key, key)
        except ValueError as exc:
            self.problem(loc, str(exc).replace("path", "target", 1))
            return None

    # --- shared -----------------------------------------------------------------------------

    def _resolver(self, ctx: Ctx, loc: Loc) -> Callable[[str, bool], Any]:
        def resolve(text: str, many: bool) -> Any:
            return self.source.resolve(text, ctx, many=many)

        return resolve

    def _items(
        self, rule: ObjectRule, ctx: Ctx, loc: Loc, make_for: Callable[[Ctx], Any]
    ) -> Items | None:
        """Compile ``each``/``group_by``/``when`` around the object maker."""
        if rule.each is None:
            return _single(make_for(ctx), self._when(rule, ctx, loc))
        try:
            found = self.source.resolve(rule.each, ctx, many=True)
        except ValueError as exc:
            self.problem((*loc, "each"), str(exc))
            return None
        item = self.native.items(found.kind) if self.to_cim else found.kind
        if not self.to_cim and not isinstance(item, ProfileClass):  # a CIM value list
            self.problem((*loc, "each"), f"each {rule.each!r} must lead to objects, not values")
            return None
        inner = Ctx(item, ctx, ctx.root)
        key = None
        if rule.group_by is not None:
            group = found.kind if found.kind is not None else {}  # no schema: any list
            inner = Ctx(item, ctx, ctx.root, group=group)
            try:
                key = self.source.resolve(rule.group_by, inner).get
            except ValueError as exc:
                self.problem((*loc, "group_by"), str(exc))
                return None
        make = make_for(inner)
        inner_when = self._when(rule, inner, loc)
        return _each(found.get, make, inner_when, key)

    def _when(self, rule: ObjectRule | ValueRule, ctx: Ctx, loc: Loc) -> Any:
        if rule.when is None:
            return None
        try:
            return values.condition(rule.when, self._plain_resolver(ctx))
        except ValueError as exc:
            self.problem((*loc, "when"), str(exc))
            return None

    def _plain_resolver(self, ctx: Ctx) -> values.Resolve:
        return lambda text, many: self.source.resolve(text, ctx, many=many).get

    def _value(
        self,
        rule: FieldRule,
        ctx: Ctx,
        loc: Loc,
        *,
        cast: casts.Cast,
        xsd: str | None,
        enum: str | None,
        unit: str | None,
        many: bool,
        native_enum: list[Any] | None = None,
    ) -> values.ValueFn | None:
        if isinstance(rule, str):
            rule = ValueRule.model_validate({"from": rule})
            loc_src: Loc = loc
        else:
            loc_src = (*loc, "from")
        assert isinstance(rule, ValueRule)
        if rule.each is not None and not many:
            self.problem((*loc, "each"), "this target holds one value", "drop each")
            return None
        try:
            get, source_kind = self._source(rule, ctx, loc_src)
        except ValueError as exc:
            at = (*loc, "template") if rule.template is not None else loc_src
            self.problem(at, str(exc))
            return None
        steps = self.conversions.steps(rule, loc, source_kind, xsd=xsd, enum=enum, unit=unit)
        if steps is None:
            return None
        if rule.lookup is not None and not (rule.unit or rule.time) and self.to_cim:
            self._lookup_values_fit(rule.lookup, cast, (*loc, "lookup"))
        if rule.time is not None and self.to_cim and xsd == "dateTime":
            pass  # the time step already gives an aware UTC datetime: no cast after it
        elif rule.unit is not None and rule.time is None and xsd == "string" and self.to_cim:
            steps[-1] = values.unit_text_step(rule.unit.from_, rule.unit.to)  # fused with cast
        else:
            steps.append(cast)
        when = self._when(rule, ctx, loc)
        default = None
        try:
            if rule.const is not None:
                constant = values.compose(steps)(rule.const)
                return values.value_fn(
                    rule,
                    get=lambda s: constant,
                    convert_steps=(),
                    when=when,
                    default=None,
                    many=False,
                    as_list=False,
                )
            if rule.default is not None:
                default = cast(rule.default)
        except (ValueError, TypeError) as exc:
            what = "const" if rule.const is not None else "default"
            self.problem((*loc, what), f"{exc}")
            return None
        return values.value_fn(
            rule,
            get=get,
            convert_steps=steps,
            when=when,
            default=default,
            many=rule.each is not None,
            as_list=not self.to_cim,
        )

    def _lookup_values_fit(self, name: str, cast: casts.Cast, loc: Loc) -> None:
        table = self.lookups.get(name)
        for value in table.entries.values() if table is not None else ():
            try:
                cast(value)
            except (ValueError, TypeError) as exc:
                self.problem(loc, f"lookup {name} gives {value!r}, which the target refuses: {exc}")
                return

    def _source(self, rule: ValueRule, ctx: Ctx, loc: Loc) -> tuple[Any, Any]:
        if rule.const is not None:
            return (lambda s: None), None
        if rule.template is not None:
            return values.template(rule.template, self._plain_resolver(ctx)), None
        assert rule.from_ is not None
        if rule.each is not None:
            inner = self.source.resolve(rule.each, ctx, many=True)
            item = self.native.items(inner.kind) if self.to_cim else inner.kind
            got = self.source.resolve(rule.from_, Ctx(item, ctx, ctx.root))
            each_get, one = inner.get, got.get

            def many(s: Scope) -> list[Any]:
                return [one((x, i, s, s[3], None)) for i, x in enumerate(each_get(s), 1)]

            return many, got.kind
        found = self.source.resolve(rule.from_, ctx)
        if not self.to_cim and isinstance(found.kind, ProfileClass):
            raise ValueError(f"path {rule.from_!r} leads to an object; name one of its members")
        return found.get, found.kind


def _json_type(schema: Any) -> str | None:
    kind = schema.get("type") if isinstance(schema, dict) else None
    return kind if kind in ("string", "number", "integer", "boolean") else None


def _single(make: Callable[[Scope], Any], when: Any) -> Items:
    if when is None:
        return lambda s: [make(s)]
    return lambda s: [make(s)] if when(s) else []


def _each(get: Any, make: Callable[[Scope], Any], when: Any, key: Any) -> Items:
    def items(s: Scope) -> list[Any]:
        out = []
        root = s[3]
        if key is None:
            pairs: Any = ((x, None) for x in get(s))
        else:
            groups: dict[Any, list[Any]] = {}
            for x in get(s):
                k = key((x, 0, s, root, None))
                groups.setdefault(getattr(k, "value", k), []).append(x)
            pairs = ((rows[0], rows) for rows in groups.values())
        i = 0
        try:
            for i, (x, group) in enumerate(pairs, 1):
                scope: Scope = (x, i, s, root, group)
                if when is None or when(scope):
                    out.append(make(scope))
        except MappingError as exc:
            raise exc.within(f"[{i}]") from None
        return out

    return items


def _joined(parts: list[Items], *, compound: bool) -> Callable[[Scope], Any]:
    if compound:  # one object (or none), not a list
        only = parts[0] if parts else (lambda s: [])
        return lambda s: next(iter(only(s)), None)
    if len(parts) == 1:
        return parts[0]
    return lambda s: [x for p in parts for x in p(s)]


def _maker(
    cls: type[Any],
    scalars: list[tuple[str, Any]],
    nested: list[tuple[str, Any]],
    extensions: list[tuple[str, Any]],
    *,
    as_node: bool,
) -> Callable[[Scope], Any]:
    fields, kids, exts = tuple(scalars), tuple(nested), tuple(extensions)

    def make(s: Scope) -> Any:
        kw: dict[str, Any] = {}
        name = ""
        try:
            for name, fn in fields:
                v = fn(s)
                if v is not None:
                    kw[name] = v
            if not as_node:
                return cls(**kw)
            children = []
            for name, fn in kids:
                nodes = fn(s)
                if nodes:
                    children.append((name, tuple(nodes)))
            ext = []
            for name, fn in exts:
                v = fn(s)
                if v is not None:
                    ext.append((name, v))
        except MappingError as exc:
            raise exc.within(name) from None
        return Node(cls(**kw), tuple(children), tuple(ext))

    return make


__all__ = ["Compiler", "Items", "Loc"]
