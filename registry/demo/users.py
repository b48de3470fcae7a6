"""The people who log in: the regional observer, the municipal curator, the first schools' director,
curators and working group (step 50)."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from django.contrib.auth.hashers import make_password

from registry.demo.context import DemoContext, demo_step
from registry.models import (
    RoleAssignment,
    User,
)
from registry.scoping import Role


@dataclasses.dataclass(frozen=True)
class UserSpec:
    username: str
    last_name: str
    first_name: str
    patronymic: str
    role: str
    where: str | int  # "region", "municipality" or the index of the organisation
    position: str
    duty: str = ""
    started_on: datetime.date | None = None


# Working-group duties after seed 002, the appointments after seed 000 (January 2022).
USERS = (
    UserSpec("region", "Орлова", "Татьяна", "Викторовна", Role.REGIONAL_OBSERVER, "region",
             "Методист регионального наставнического центра", started_on=datetime.date(2022, 1, 10)),
    UserSpec("municipal", "Кузнецова", "Ирина", "Николаевна", Role.MUNICIPAL_CURATOR, "municipality",
             "Главный специалист управления образования, муниципальный куратор",
             duty="координация внедрения целевой модели наставничества в образовательных организациях района; "
             "мониторинг 1 раз в полугодие (не позднее 10 декабря и 10 июня)",
             started_on=datetime.date(2022, 1, 17)),
    UserSpec("director1", "Соколова", "Наталья", "Владимировна", Role.DIRECTOR, 0, "Директор",
             started_on=datetime.date(2019, 8, 26)),
    UserSpec("curator1", "Лебедева", "Елена", "Викторовна", Role.SCHOOL_CURATOR, 0,
             "Заместитель директора по воспитательной работе",
             duty="осуществление организационного, аналитического, информационного сопровождения реализации "
             "системы наставничества", started_on=datetime.date(2022, 1, 24)),
    UserSpec("curator2", "Фомина", "Ольга", "Сергеевна", Role.SCHOOL_CURATOR, 1,
             "Заместитель директора по учебно-воспитательной работе",
             duty="осуществление организационного, аналитического, информационного сопровождения реализации "
             "системы наставничества", started_on=datetime.date(2022, 1, 25)),
    UserSpec("methodist1", "Маркова", "Ирина", "Николаевна", Role.WORKING_GROUP, 0, "Старший методист",
             duty="организационное и методическое сопровождение работы наставнических пар",
             started_on=datetime.date(2022, 1, 24)),
    UserSpec("psychologist1", "Зуева", "Анна", "Владимировна", Role.WORKING_GROUP, 0, "Педагог-психолог",
             duty="организация отбора и обучения наставников; проведение внутреннего мониторинга реализации и "
             "эффективности программы наставничества", started_on=datetime.date(2022, 1, 24)),
    UserSpec("socped1", "Киселёв", "Дмитрий", "Олегович", Role.WORKING_GROUP, 0, "Социальный педагог",
             duty="осуществление персонифицированного учёта обучающихся, молодых специалистов и педагогов, "
             "участвующих в программе наставничества", started_on=datetime.date(2022, 1, 24)),
    UserSpec("organizer1", "Ершова", "Марина", "Андреевна", Role.WORKING_GROUP, 0, "Педагог-организатор",
             duty="обеспечение формирования баз данных наставников и наставляемых, а также лучших практик "
             "наставничества", started_on=datetime.date(2023, 9, 1)),
)


@demo_step(order=50)
def build_users(ctx: DemoContext) -> None:
    """The people who log in; an existing account is left as it is, password included."""
    password_hash = None
    for spec in USERS:
        if isinstance(spec.where, int) and spec.where >= len(ctx.organisations):
            continue
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            # One hash for all demo accounts: hashing is slow by design, and the password is shared anyway.
            password_hash = password_hash or make_password(ctx.password)
            user = User.objects.create(
                username=spec.username, password=password_hash, last_name=spec.last_name,
                first_name=spec.first_name, patronymic=spec.patronymic,
                email=f"{spec.username}@nastavnik.example",
            )
            ctx.created["пользователей"] += 1
        ctx.users[spec.username] = user
        where: dict[str, Any] = {}
        if spec.where == "region":
            where["region"] = ctx.region
            place = ctx.region.name
        elif spec.where == "municipality":
            where["municipality"] = ctx.municipality
            place = ctx.municipality.name
        else:
            where["organisation"] = ctx.organisations[spec.where]
            place = ctx.organisations[spec.where].short_name
        _assignment, created = RoleAssignment.objects.get_or_create(
            user=user, role=spec.role, **where,
            defaults={"position": spec.position, "duty": spec.duty, "started_on": spec.started_on},
        )
        ctx.created["назначений на роли"] += created
        if spec.role == Role.SCHOOL_CURATOR:
            ctx.curators[ctx.organisations[spec.where].pk] = user
        ctx.logins.append((spec.username, f"{Role(spec.role).label}, {place} — {user.display_name}"))
