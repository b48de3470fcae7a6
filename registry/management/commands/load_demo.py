"""``python manage.py load_demo``: the demo district (see ``registry.demo`` for what it contains)."""

from django.core.management.base import BaseCommand, CommandError

from registry import demo
from registry.commands import non_negative, positive




class Command(BaseCommand):
    help = (
        "Создаёт демонстрационный район: Владимирская область, Селивановский район, школы, техникум и центр, "
        "пользователей всех ролей, участников с профилями и согласиями. Повторный запуск ничего не меняет: "
        "в организацию, где уже есть участники, новые не добавляются. Пароль демо-пользователей — "
        f"«{demo.DEFAULT_PASSWORD}» или значение переменной окружения DEMO_PASSWORD."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisations", type=positive, default=demo.DEFAULT_ORGANISATIONS,
                            help="Сколько организаций (первые — из документов, остальные — «МБОУ СОШ № N»).")
        parser.add_argument("--participants", type=non_negative, default=demo.DEFAULT_PARTICIPANTS,
                            help="Сколько участников в каждой организации.")
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED,
                            help="Начальное значение генератора: те же параметры дают те же данные.")

    def handle(self, *args, organisations, participants, seed, **options):
        try:
            demo.load_demo(organisations=organisations, participants=participants, seed=seed,
                           password=demo.default_password(), stdout=self.stdout)
        except (ValueError, RuntimeError) as error:
            raise CommandError(str(error)) from error
