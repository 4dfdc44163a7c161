"""Tenant scoping: who is asking, for which organisation, in which role, and what of the data they may see.

Every tenant model's queryset has one method ``visible_to(scope)``: the rows that scope may see, the one
definition that selectors, the services' locked look-ups and the SQL hot paths use (or are proven to agree with).
An object outside the scope is treated exactly like one that does not exist (404).

Some rows are visible with part of their data hidden: an installer company keeps seeing a job it did, but no longer
the vehicle owner's data once the job ended. ``visible_to`` then returns a *masked projection*: the rows it loads,
as model instances or as ``values()`` dicts, come with that data already replaced (``Mask``), so no template,
serializer or export can show it by mistake.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models.query import ModelIterable, ValuesIterable

if TYPE_CHECKING:
    from fieldbox.accounts.models import Membership, Organisation, User

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Scope:
    user: User
    membership: Membership
    # All the person's memberships in active organisations (for the switcher and role checks).
    memberships: tuple[Membership, ...] = ()
    # Look-ups made once per request for this scope (e.g. the providers an installer company works for now).
    memo: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def organisation(self) -> Organisation:
        return self.membership.organisation

    @property
    def role(self) -> str:
        return self.membership.role

    @property
    def is_admin(self) -> bool:
        return self.membership.is_admin

    def require_role(self, *roles: str) -> None:
        """Refuse the action unless the user holds one of ``roles`` in this organisation."""
        if self.role not in roles:
            raise PermissionDenied

    def require_admin(self) -> None:
        if not self.is_admin:
            raise PermissionDenied

    def remember(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once for this scope (one request)."""
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]


@dataclass(frozen=True)
class Mask(Generic[M]):
    """What a scope may not read of some rows: which rows (``hides``, on an instance or on a ``values()`` row), how
    an instance loses that data (``strip``), and the ``values()`` paths replaced (``paths``: path → new value)."""

    hides: Callable[[Any], bool]
    hides_row: Callable[[dict[str, Any]], bool]
    strip: Callable[[M], None]
    paths: dict[str, Callable[[Any], Any]]
    needs: tuple[str, ...] = ("status",)  # what a values() row must carry for hides_row to decide

    @classmethod
    def on(
        cls,
        rule: Callable[..., bool],
        *,
        fields: tuple[str, ...],
        strip: Callable[[M], None],
        paths: dict[str, Callable[[Any], Any]],
    ) -> Mask[M]:
        """The mask of ``rule``, a function of the record's ``fields``, read the same on an instance and on a
        ``values()`` row (which then says ``masked``)."""

        def hides_row(row: dict[str, Any]) -> bool:
            row["masked"] = rule(*(row[f] for f in fields))
            return bool(row["masked"])

        return cls(
            hides=lambda record: rule(*(getattr(record, f) for f in fields)),
            hides_row=hides_row,
            strip=strip,
            paths=paths,
            needs=fields,
        )


class _MaskedModels(ModelIterable):  # type: ignore[type-arg]
    def __iter__(self) -> Iterator[Any]:
        mask: Mask[Any] = self.queryset._mask  # type: ignore[attr-defined]
        for obj in super().__iter__():
            if mask.hides(obj):
                mask.strip(obj)
            yield obj


class _MaskedValues(ValuesIterable):
    def __iter__(self) -> Iterator[dict[str, Any]]:
        mask: Mask[Any] = self.queryset._mask  # type: ignore[attr-defined]
        for row in super().__iter__():
            if mask.hides_row(row):
                for path, hidden in mask.paths.items():
                    if path in row:
                        row[path] = hidden(row[path])
            yield row


class ScopedQuerySet(models.QuerySet[M]):
    """A tenant model's queryset; ``masked(mask)`` makes the projection that hides what ``mask`` says."""

    _mask: Mask[M] | None = None

    def masked(self, mask: Mask[M]) -> Self:
        clone: Self = self._chain()  # type: ignore[attr-defined]
        clone._mask = mask
        if clone._iterable_class is ModelIterable:
            clone._iterable_class = _MaskedModels
        return clone

    def _clone(self) -> ScopedQuerySet[M]:
        clone: ScopedQuerySet[M] = super()._clone()  # type: ignore[misc]
        clone._mask = self._mask
        return clone

    def values(self, *fields: Any, **expressions: Any) -> Any:
        clone = super().values(*fields, **expressions)
        mask = self._mask
        if mask is not None:
            names = set(fields) | set(expressions)
            if names & set(mask.paths) and not set(mask.needs) <= names:
                raise ValueError(f"a masked projection reads {mask.needs} with {sorted(names & set(mask.paths))}")
            clone._iterable_class = _MaskedValues
        return clone

    def values_list(self, *fields: Any, flat: bool = False, named: bool = False) -> Any:
        mask = self._mask
        if mask is not None and set(fields) & set(mask.paths):
            raise ValueError(f"read {sorted(set(fields) & set(mask.paths))} of a masked projection with values()")
        return super().values_list(*fields, flat=flat, named=named)


class OrganisationOwnedQuerySet(ScopedQuerySet[M]):
    """Records an organisation keeps for itself (its settings, feeds, endpoints, wordings, device events): visible
    to its people, or only to its admins when ``admins_only``."""

    admins_only = False

    def visible_to(self, scope: Scope) -> OrganisationOwnedQuerySet[M]:
        if self.admins_only and not scope.is_admin:
            return self.none()
        return self.filter(organisation=scope.organisation)


class AdminsOnlyQuerySet(OrganisationOwnedQuerySet[M]):
    admins_only = True


class PersonalQuerySet(ScopedQuerySet[M]):
    """A person's own records in the organisation they work in (notifications)."""

    def visible_to(self, scope: Scope) -> PersonalQuerySet[M]:
        return self.filter(user=scope.user, organisation=scope.organisation)
