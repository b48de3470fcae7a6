"""The one scoping mechanism: what a user may see and do, by organisation.

Every model that belongs to an organisation has a queryset derived from ``ScopedQuerySet`` and
names the path from itself to its organisation in ``scope_path``. Views never query such a model
without ``.visible_to(request.scope)``; ``get_visible_or_404`` is the single lookup helper, so an
object outside the user's scope answers 404 exactly like one that does not exist.

Writing is not a second check a view could forget: the permission is in the lookup. Every view reached
from a URL declares what it needs, once, above its ``def``: ``@read_only`` (GET and HEAD only, 405 to
anything else), ``@requires(Perm.…)`` for a view that writes or shows a form that writes
(``read=Perm.VIEW`` for a page everyone reads with a form on it for those who write: its GET needs only
VIEW), ``@own_records`` for the few that write only the user's own rows (reminders, settings, export
jobs); the public page of a personal questionnaire link is ``@public_token_view`` (no login, the token
is the key). ``get_visible_or_404(queryset, request, pk=…)`` then demands the declared permission on the
object — 404 outside the scope, 403 to someone who sees it but may not do that — and a view that
creates offers only ``request.scope.editable_organisations(request.required_permission)``. ``perm=``
overrides the declaration for a related object that only needs to be seen. The querysets say what a
user may do with an object (``permissions(scope, obj)``: the organisation's roles, or the
municipality's for a district roadmap or a municipality itself). A person's record looked up to be read
is recorded in the audit trail as a view; looked up to be edited, it is not (the change is recorded).
``tests/test_permissions.py`` walks every URL pattern: a view without a declaration fails it, a
``@read_only`` view must answer 405 to a POST, and the regional observer, who sees the whole region,
must get 403 or 404 from every ``@requires`` view, GET and POST, with nothing changed in the database.

Who may do what (the table the README repeats):

Organisation level (ROLE_PERMISSIONS):

======================  ====  ========  =========  ======  =====  ========  =========  =======  ========  =======  ======  ======  =====  =======  ======
role                    see   registry  mentoring  orders  sign   org card  headcount  roadmap  progress  approve  survey  report  audit  destroy  export
                                                                                                                                          log
======================  ====  ========  =========  ======  =====  ========  =========  =======  ========  =======  ======  ======  =====  =======  ======
regional observer       yes   -         -          -       -      -         -          -        -         -        -       -       -      -        -
municipal curator       yes   -         -          -       -      yes       yes        -        -         -        -       review  -      -        yes
school curator          yes   yes       yes        yes     -      yes       -          yes      yes       -        yes     yes     yes    yes      yes
director                yes   -         -          -       yes    yes       -          -        yes       yes      -       -       yes    yes      yes
working-group member    yes   yes       yes        -       -      -         -          -        yes       -        yes     -       -      -        -
superuser               yes   yes       yes        yes     yes    yes       yes        yes      yes       yes      yes     both    yes    yes      yes
======================  ====  ========  =========  ======  =====  ========  =========  =======  ========  =======  ======  ======  =====  =======  ======

Municipality level (MUNICIPALITY_ROLE_PERMISSIONS, the district roadmap and targets): the municipal
curator keeps the district roadmap (edit, progress, approve), the coverage targets, the portal-wide
vocabulary of competencies and requests, the shared question sets of the questionnaires and the
district's half-year analysis with its management decisions, and the municipal orders (prepared by
the municipal curator and entered as signed by the head of the education authority, who does not log
in: the paper carries the head's signature), and the district's settings («Настройки района»: the
education authority, its head who signs those orders, the monitoring due dates); the region and the
district's organisations only read them. No role holds ``EDIT_FORMS`` (the list of mentoring
forms): only a superuser, who holds every permission, changes it.
"Audit" is a person's «История» (who changed, viewed, downloaded their data); "destroy" is
«Уничтожить сейчас» and the acts of destruction; "export log" who exported personal data.

Reach: a regional observer the region, a municipal curator the municipality, the others their
organisation. "Registry edit" covers participants, mentor and mentee profiles, consents, partners,
imports and the organisation's own entries of the vocabulary; "mentoring edit" programmes, pairs and groups, matching, plans and
meetings; orders are prepared by the curator and signed (numbered, printed, frozen) by the director;
"edit organisation" covers the organisation card and its head counts; "survey" also covers the
organisation's own question sets (``monitoring.models.QuestionnaireQuerySet``: seen by it and by those
above it, never by another organisation).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from functools import cached_property, wraps

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.views.decorators.http import require_safe


class Perm(enum.StrEnum):
    VIEW = "view"
    EDIT_REGISTRY = "edit_registry"
    EDIT_MENTORING = "edit_mentoring"
    PREPARE_ORDERS = "prepare_orders"
    SIGN_ORDERS = "sign_orders"
    EDIT_ORGANISATION = "edit_organisation"
    EDIT_ROADMAP = "edit_roadmap"
    REPORT_PROGRESS = "report_progress"
    APPROVE_ROADMAP = "approve_roadmap"
    SURVEY = "survey"  # enter questionnaire answers, hand out personal links, keep the organisation's own sets
    PREPARE_REPORT = "prepare_report"  # the half-yearly monitoring report and the cases
    REVIEW_REPORT = "review_report"  # accept or return a report
    EDIT_TARGETS = "edit_targets"  # the municipality's coverage targets
    EDIT_HEADCOUNT = "edit_headcount"  # students and teachers of an organisation, the base of coverage
    EDIT_VOCABULARY = "edit_vocabulary"  # the portal-wide competencies and requests
    VIEW_AUDIT = "view_audit"  # a person's «История»: who changed, viewed, downloaded their data
    DESTROY_DATA = "destroy_data"  # «Уничтожить сейчас» and the acts of destruction
    EXPORT_LOG = "export_log"  # who exported personal data, when, from where
    EDIT_QUESTIONNAIRES = "edit_questionnaires"  # the question sets every organisation shares
    EDIT_FORMS = "edit_forms"  # the list of mentoring forms: held by no role, only by a superuser
    DISTRICT_ANALYSIS = "district_analysis"  # the district's half-year analysis and management decisions
    EDIT_MUNICIPALITY = "edit_municipality"  # «Настройки района»: the education authority, its head, the due dates


class Role(models.TextChoices):
    REGIONAL_OBSERVER = "regional_observer", "Региональный наблюдатель"
    MUNICIPAL_CURATOR = "municipal_curator", "Муниципальный куратор"
    SCHOOL_CURATOR = "school_curator", "Куратор программы наставничества"
    DIRECTOR = "director", "Руководитель организации"
    WORKING_GROUP = "working_group", "Член рабочей группы"


ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.REGIONAL_OBSERVER: frozenset({Perm.VIEW}),
    Role.MUNICIPAL_CURATOR: frozenset(
        {Perm.VIEW, Perm.EDIT_ORGANISATION, Perm.EDIT_HEADCOUNT, Perm.REVIEW_REPORT, Perm.EXPORT_LOG}
    ),
    Role.SCHOOL_CURATOR: frozenset(
        {Perm.VIEW, Perm.EDIT_REGISTRY, Perm.EDIT_MENTORING, Perm.PREPARE_ORDERS, Perm.EDIT_ORGANISATION,
         Perm.EDIT_ROADMAP, Perm.REPORT_PROGRESS, Perm.SURVEY, Perm.PREPARE_REPORT, Perm.VIEW_AUDIT,
         Perm.DESTROY_DATA, Perm.EXPORT_LOG}
    ),
    Role.DIRECTOR: frozenset(
        {Perm.VIEW, Perm.SIGN_ORDERS, Perm.EDIT_ORGANISATION, Perm.APPROVE_ROADMAP, Perm.REPORT_PROGRESS,
         Perm.VIEW_AUDIT, Perm.DESTROY_DATA, Perm.EXPORT_LOG}
    ),
    Role.WORKING_GROUP: frozenset(
        {Perm.VIEW, Perm.EDIT_REGISTRY, Perm.EDIT_MENTORING, Perm.REPORT_PROGRESS, Perm.SURVEY}
    ),
}

# What each role may do with what belongs to a municipality itself (the district roadmap): the
# municipal curator keeps it; the region and the district's organisations read it.
MUNICIPALITY_ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.REGIONAL_OBSERVER: frozenset({Perm.VIEW}),
    Role.MUNICIPAL_CURATOR: frozenset(
        {Perm.VIEW, Perm.EDIT_ROADMAP, Perm.REPORT_PROGRESS, Perm.APPROVE_ROADMAP, Perm.EDIT_TARGETS,
         Perm.EDIT_VOCABULARY, Perm.EDIT_QUESTIONNAIRES, Perm.EXPORT_LOG, Perm.DISTRICT_ANALYSIS,
         Perm.PREPARE_ORDERS, Perm.SIGN_ORDERS, Perm.EDIT_MUNICIPALITY}
    ),
    Role.SCHOOL_CURATOR: frozenset({Perm.VIEW}),
    Role.DIRECTOR: frozenset({Perm.VIEW}),
    Role.WORKING_GROUP: frozenset({Perm.VIEW}),
}
ALL_PERMISSIONS = frozenset(Perm)

ORGANISATION_ROLES = frozenset({Role.SCHOOL_CURATOR, Role.DIRECTOR, Role.WORKING_GROUP})


@dataclass(frozen=True)
class Grant:
    """One active role assignment, reduced to what scoping needs."""

    role: str
    region_id: int | None = None
    municipality_id: int | None = None
    organisation_id: int | None = None
    # The municipality an organisation role's organisation is in: its district roadmap is readable.
    home_municipality_id: int | None = None

    def reaches_municipality(self, municipality) -> bool:
        if self.organisation_id is not None:
            return municipality.pk == self.home_municipality_id
        if self.municipality_id is not None:
            return municipality.pk == self.municipality_id
        if self.region_id is not None:
            return municipality.region_id == self.region_id
        return False

    def reaches(self, organisation) -> bool:
        if self.organisation_id is not None:
            return organisation.pk == self.organisation_id
        if self.municipality_id is not None:
            return organisation.municipality_id == self.municipality_id
        if self.region_id is not None:
            return organisation.municipality.region_id == self.region_id
        return False


@dataclass(frozen=True)
class Scope:
    """What one user reaches. Built once per request by ``registry.middleware.ScopeMiddleware``."""

    user_id: int | None = None
    is_superuser: bool = False
    grants: tuple[Grant, ...] = field(default_factory=tuple)

    @classmethod
    def for_user(cls, user) -> "Scope":
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return cls()
        from registry.models import RoleAssignment

        rows = RoleAssignment.objects.filter(user=user, is_active=True).values_list(
            "role", "region_id", "municipality_id", "organisation_id", "organisation__municipality_id"
        )
        return cls(user_id=user.pk, is_superuser=user.is_superuser, grants=tuple(Grant(*row) for row in rows))

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(grant.role for grant in self.grants)

    @cached_property
    def organisation_ids(self) -> frozenset[int]:
        return frozenset(g.organisation_id for g in self.grants if g.organisation_id is not None)

    @cached_property
    def municipality_ids(self) -> frozenset[int]:
        return frozenset(
            g.municipality_id for g in self.grants if g.municipality_id is not None and g.organisation_id is None
        )

    @cached_property
    def region_ids(self) -> frozenset[int]:
        return frozenset(
            g.region_id
            for g in self.grants
            if g.region_id is not None and g.municipality_id is None and g.organisation_id is None
        )

    @property
    def is_empty(self) -> bool:
        return not self.is_superuser and not self.grants

    @property
    def is_single_organisation(self) -> bool:
        return not self.is_superuser and not self.municipality_ids and not self.region_ids and len(self.organisation_ids) == 1

    def q(self, path: str) -> Q:
        """A filter on a model whose organisation is reached through ``path`` ("" for Organisation)."""
        if self.is_superuser:
            return Q()
        prefix = f"{path}__" if path else ""
        org_id = f"{path}_id" if path else "id"
        condition = Q(pk__in=[])
        if self.organisation_ids:
            condition |= Q(**{f"{org_id}__in": sorted(self.organisation_ids)})
        if self.municipality_ids:
            condition |= Q(**{f"{prefix}municipality_id__in": sorted(self.municipality_ids)})
        if self.region_ids:
            condition |= Q(**{f"{prefix}municipality__region_id__in": sorted(self.region_ids)})
        return condition

    def q_municipality(self, path: str) -> Q:
        """A filter on a model that belongs to a municipality itself, reached through ``path`` ("" for
        Municipality)."""
        if self.is_superuser:
            return Q()
        condition = Q(pk__in=[])
        municipalities = set(self.municipality_ids) | {
            g.home_municipality_id for g in self.grants if g.organisation_id is not None
        }
        own, region = (f"{path}_id__in", f"{path}__region_id__in") if path else ("pk__in", "region_id__in")
        if municipalities:
            condition |= Q(**{own: sorted(municipalities)})
        if self.region_ids:
            condition |= Q(**{region: sorted(self.region_ids)})
        return condition

    def permissions_for_municipality(self, municipality) -> frozenset[Perm]:
        if self.is_superuser:
            return ALL_PERMISSIONS
        granted: set[Perm] = set()
        for grant in self.grants:
            if grant.reaches_municipality(municipality):
                granted |= MUNICIPALITY_ROLE_PERMISSIONS.get(grant.role, frozenset())
        return frozenset(granted)

    def permissions_for(self, organisation) -> frozenset[Perm]:
        if self.is_superuser:
            return ALL_PERMISSIONS
        granted: set[Perm] = set()
        for grant in self.grants:
            if grant.reaches(organisation):
                granted |= ROLE_PERMISSIONS.get(grant.role, frozenset())
        return frozenset(granted)

    def can(self, perm: Perm, organisation) -> bool:
        return perm in self.permissions_for(organisation)

    def editable_organisations(self, perm: Perm = Perm.EDIT_REGISTRY):
        """Organisations where the user holds ``perm``: the choices of an organisation field."""
        from registry.models import Organisation

        if self.is_superuser:
            return Organisation.objects.filter(is_active=True)
        allowed = [g for g in self.grants if perm in ROLE_PERMISSIONS.get(g.role, frozenset())]
        return Organisation.objects.filter(is_active=True).visible_to(Scope(self.user_id, False, tuple(allowed)))

    def editable_municipalities(self, perm: Perm) -> list:
        """Municipalities where the user holds ``perm`` at the municipality level (the district roadmap,
        targets, analysis, register, vocabulary a municipal curator keeps), by name: the one check the
        pages that write for a municipality share, as ``editable_organisations`` is for organisations."""
        from registry.models import Municipality

        if self.is_superuser:
            return list(Municipality.objects.order_by("name", "pk"))
        # Only the grants whose role holds ``perm`` for a municipality (no query for anyone else).
        granting = tuple(g for g in self.grants if perm in MUNICIPALITY_ROLE_PERMISSIONS.get(g.role, frozenset()))
        if not granting:
            return []
        narrowed = Scope(self.user_id, False, granting)
        return [municipality for municipality in Municipality.objects.visible_to(narrowed).order_by("name", "pk")
                if perm in narrowed.permissions_for_municipality(municipality)]


class ScopedQuerySet(models.QuerySet):
    """Base queryset of every model that belongs to an organisation."""

    #: path from the model to its Organisation; "" for Organisation itself.
    scope_path: str = "organisation"

    def visible_to(self, scope: Scope):
        return self.filter(scope.q(self.scope_path))

    def permissions(self, scope: Scope, obj) -> frozenset[Perm]:
        """What ``scope`` may do with ``obj``: by default, what it may do in the object's organisation."""
        organisation = obj
        for part in self.scope_path.split("__") if self.scope_path else ():
            organisation = getattr(organisation, part)
        return scope.permissions_for(organisation)


def _scope_and_perm(scope_or_request, perm):
    """The lookup accepts the request (and then the permission the view declared) or a bare scope."""
    if isinstance(scope_or_request, Scope) or not hasattr(scope_or_request, "scope"):
        return scope_or_request, perm or Perm.VIEW
    request = scope_or_request
    return request.scope, perm or getattr(request, "required_permission", Perm.VIEW)


def get_visible_or_404(queryset, scope_or_request, *, perm: Perm | None = None, **lookup):
    """The one lookup: the object if it exists inside the scope, already checked for the action.

    ``perm`` is what the action needs on the object (by default what the view declared with
    ``@requires``, when given the request; else ``Perm.VIEW``): 404 outside the scope, 403 for someone
    who sees the object but may not do that with it. A person's record fetched to be viewed is
    recorded in the audit trail here, so no view can forget it (``audit_access`` on the model).
    """
    scope, perm = _scope_and_perm(scope_or_request, perm)
    # A form or the «История» tab opened (GET) shows the record as much as its page does.
    shown = perm == Perm.VIEW or getattr(scope_or_request, "method", None) in ("GET", "HEAD")
    if isinstance(queryset, type) and issubclass(queryset, models.Model):
        queryset = queryset._default_manager.all()
    try:
        obj = queryset.visible_to(scope).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None
    if perm != Perm.VIEW:
        granted = queryset.permissions(scope, obj)
        if Perm.VIEW not in granted:
            raise Http404
        if perm not in granted:
            raise PermissionDenied
    if shown and getattr(queryset.model, "audit_access", False):
        from registry import audit

        audit.record_view(obj)
    return obj


def requires(perm: Perm, *, read: Perm | None = None):
    """Declare what a view that writes needs; its lookups and organisation choices then check it.

    ``get_visible_or_404(queryset, request, pk=…)`` inside the view demands ``perm`` on the object,
    ``request.scope.editable_organisations(request.required_permission)`` offers only where it is held.
    A view that shows a form and saves it is a writing view: its GET needs ``perm`` too.

    ``read`` is for the few pages that everyone who reads sees, with a form on them for those who write
    (a pair's plan and its «add an item»): GET and HEAD then need only ``read``, any other method ``perm``.

    ``tests/test_permissions.py`` fails for any URL whose view declares nothing.
    """

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            reading = read is not None and request.method in ("GET", "HEAD")
            request.required_permission = read if reading else perm
            return view(request, *args, **kwargs)

        wrapped.permission = perm
        wrapped.read_permission = read or perm
        wrapped.declaration = "requires"
        return wrapped

    return decorate


def read_only(view):
    """Declare a view that only reads: it answers GET and HEAD, and 405 to anything else."""
    wrapped = require_safe(view)
    wrapped.permission = Perm.VIEW
    wrapped.declaration = "read_only"
    return wrapped


def own_records(view):
    """Declare a view that writes only the user's own records (their reminders and settings, the export
    jobs they request), never an organisation's: every query in it starts from ``request.user``, so it
    needs no permission on an organisation and any logged-in user may use it."""
    view.permission = None
    view.declaration = "own_records"
    return view
