"""``python manage.py bench_matching``: times ``mentoring.matching.propose`` on synthetic candidates.

A benchmark, not a test: nothing touches the database. The candidates are generated in memory from
``--seed``, so the same options give the same instance.
"""

import random
import resource
import sys
import time
import tracemalloc

from django.core.management.base import BaseCommand

from mentoring.matching import MenteeCandidate, MentorCandidate, Weights, Wishes, parse_meeting_days, propose

MENTOR_CATEGORIES = ("teacher", "student", "employer")
MENTEE_CATEGORIES = ("student", "young_specialist")
MEETING_TIMES = (
    "вт, чт после 15:00", "пн–пт", "будни", "выходные", "понедельник и среду", "СБ", "ср, пт", "пн-ср",
    "по вторникам", "будни, кроме среды", "ежедневно", "после уроков", "", "чт 16-18", "с понедельника по четверг",
)


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def non_negative(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


def synthetic_instance(*, mentees: int, mentors: int, topics: int, seed: int):
    """Mentors with capacities 1–4, mentees with 1–3 requests, some wishes and a few people in both bases."""
    rng = random.Random(seed)
    topic_ids = list(range(1, topics + 1))
    days = {text: parse_meeting_days(text) for text in MEETING_TIMES}

    def some_topics(low, high):
        return frozenset(rng.sample(topic_ids, min(len(topic_ids), rng.randint(low, high))))

    mentee_list = []
    for i in range(1, mentees + 1):
        category = "student" if rng.random() < 0.9 else "young_specialist"
        age = None if rng.random() < 0.05 else (rng.randint(7, 17) if category == "student" else rng.randint(20, 30))
        mentee_list.append(MenteeCandidate(i, 100_000 + i, category, some_topics(1, 3), age,
                                           days[rng.choice(MEETING_TIMES)]))

    mentor_list = []
    for j in range(1, mentors + 1):
        category = rng.choices(MENTOR_CATEGORIES, weights=(6, 3, 1))[0]
        participant_id = 200_000 + j
        if category == "student" and mentee_list and rng.random() < 0.2:
            participant_id = rng.choice(mentee_list).participant_id  # a student in both bases
        age_min = age_max = None
        if rng.random() < 0.7:
            age_min = rng.randint(7, 14)
            age_max = age_min + rng.randint(2, 6)
        capacity = rng.randint(1, 4)
        mentor_list.append(MentorCandidate(j, participant_id, category, some_topics(2, 6), age_min, age_max,
                                           days[rng.choice(MEETING_TIMES)], capacity, capacity))

    by_mentee, by_mentor = {}, {}
    for e in mentee_list:
        if mentor_list and rng.random() < 0.5:
            for rank, m in enumerate(rng.sample(mentor_list, min(3, len(mentor_list))), start=1):
                by_mentee[(e.id, m.id)] = rank
    for m in mentor_list:
        if mentee_list and rng.random() < 0.3:
            for rank, e in enumerate(rng.sample(mentee_list, min(3, len(mentee_list))), start=1):
                by_mentor[(e.id, m.id)] = rank
    topic_names = {t: f"Тема {t}" for t in topic_ids}
    return mentor_list, mentee_list, Wishes(by_mentee, by_mentor), topic_names


class Command(BaseCommand):
    help = (
        "Замеряет время и память подбора наставников (mentoring.matching.propose) на синтетических данных в "
        "памяти, без базы данных: первый запуск, лучший из нескольких, пик памяти (tracemalloc) и max RSS."
    )

    def add_arguments(self, parser):
        parser.add_argument("--mentees", type=non_negative, default=1000, help="Сколько наставляемых.")
        parser.add_argument("--mentors", type=non_negative, default=400, help="Сколько наставников (мест 1–4).")
        parser.add_argument("--topics", type=positive, default=30, help="Сколько тем (компетенций / запросов).")
        parser.add_argument("--seed", type=int, default=1, help="Начальное значение генератора.")
        parser.add_argument("--repeat", type=positive, default=3, help="Сколько раз запускать для «лучшего из».")

    def handle(self, *args, mentees, mentors, topics, seed, repeat, **options):
        started = time.perf_counter()
        mentor_list, mentee_list, wishes, topic_names = synthetic_instance(
            mentees=mentees, mentors=mentors, topics=topics, seed=seed)
        generated = time.perf_counter() - started
        slots = sum(m.capacity_left for m in mentor_list)

        def run():
            return propose(mentor_list, mentee_list, mentor_categories=MENTOR_CATEGORIES,
                           mentee_categories=MENTEE_CATEGORIES, weights=Weights(), wishes=wishes,
                           topic_names=topic_names)

        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            proposal = run()
            timings.append(time.perf_counter() - started)

        tracemalloc.start()
        run()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        # ru_maxrss is in kilobytes on Linux, in bytes on macOS.
        rss_unit = 1024 * 1024 if sys.platform == "darwin" else 1024
        max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / rss_unit

        codes = {}
        for unmatched in proposal.unmatched:
            codes[unmatched.reason_code] = codes.get(unmatched.reason_code, 0) + 1
        self.stdout.write(f"Данные сгенерированы за {generated:.3f} с: {mentees} наставляемых, {mentors} наставников, "
                          f"{slots} мест, {topics} тем, {len(wishes.by_mentee) + len(wishes.by_mentor)} пожеланий.")
        self.stdout.write("Запуски, с: " + ", ".join(f"{t:.3f}" for t in timings))
        if codes:
            self.stdout.write("Без пары: " + ", ".join(f"{code} — {count}" for code, count in sorted(codes.items())))
        self.stdout.write(
            f"bench_matching mentees={mentees} mentors={mentors} slots={slots} topics={topics} seed={seed}: "
            f"first {timings[0]:.3f} s, best of {repeat} {min(timings):.3f} s, "
            f"peak traced {peak / 2**20:.1f} MiB, max RSS {max_rss:.0f} MiB, "
            f"pairs {len(proposal.pairs)}, unmatched {len(proposal.unmatched)}, "
            f"total score {proposal.total_score:.2f}"
        )
