"""Task files in every format the daily loop reads, and the rules that plan a day from them.

Each test reads as an example: the text a person keeps, what the mission makes of it.
"""

from __future__ import annotations

import copy
import json
import sys
import textwrap

import pytest
from lifeos_mission_daily_loop.formats import (
    Parsed,
    merge,
    normalise_tasks,
    parse_task_file,
)
from lifeos_mission_daily_loop.tasks import (
    field_warnings,
    prioritise,
    read_tasks,
    summarise,
    tasks_from,
)

from lifeos_core import StepFailed

KEYS = {"id", "title", "priority", "due", "due_at", "estimate_minutes", "done", "completed", "source",
        "subtasks", "projects", "contexts", "created"}


def parse(shown: str, text: str) -> Parsed:
    return parse_task_file(shown, textwrap.dedent(text).lstrip("\n"))


def only(parsed: Parsed) -> dict:
    assert parsed.problems == [] and len(parsed.tasks) == 1, parsed
    return parsed.tasks[0]


# --- the structured formats ----------------------------------------------------------

YAML = """
tasks:
  - id: rent
    title: Pay rent
    priority: high
    due: 2026-12-03
    estimate_minutes: 15
  - title: Call mom
    due: "2026-11-23T17:00:00+01:00"
    done: false
"""

JSON = """
[
  {"id": "rent", "title": "Pay rent", "priority": "high", "due": "2026-12-03", "estimate_minutes": 15},
  {"title": "Call mom", "due": "2026-11-23T17:00:00+01:00", "done": false}
]
"""

TOML = """
# my tasks
[[tasks]]
id = "rent"
title = "Pay rent"
priority = "high"
due = "2026-12-03"
estimate_minutes = 15

[[tasks]]
title = "Call mom"
due = "2026-11-23T17:00:00+01:00"
done = false
"""


@pytest.mark.parametrize(("shown", "text", "second_line"), [
    ("tasks.yaml", YAML, 7), ("tasks.yml", YAML, 7), ("tasks.json", JSON, 3), ("tasks.toml", TOML, 9),
])
def test_yaml_json_and_toml_give_the_same_tasks(shown, text, second_line):
    parsed = parse(shown, text)
    assert parsed.problems == [] and parsed.warnings == []
    rent, mom = parsed.tasks
    assert rent == {"id": "rent", "title": "Pay rent", "priority": "high", "due": "2026-12-03", "due_at": None,
                    "estimate_minutes": 15, "done": False, "completed": None, "source": rent["source"],
                    "subtasks": [], "projects": [], "contexts": [], "created": None}
    # no id of its own: the file and line it starts on is its id
    assert mom["id"] == mom["source"] == f"{shown}:{second_line}"
    assert (mom["priority"], mom["due"], mom["due_at"]) == ("medium", "2026-11-23", "2026-11-23T17:00:00+01:00")
    assert all(set(task) == KEYS for task in parsed.tasks)


def test_a_top_level_yaml_list_works_and_unquoted_dates_stay_as_written():
    parsed = parse("t.yaml", """
        - title: Plain date
          due: 2026-12-03
        - title: Date and time
          due: 2026-12-03 17:00:00
        - title: Zoned
          due: 2026-11-23T17:00:00+01:00
          completed: 2026-11-22
    """)
    assert [(task["due"], task["due_at"]) for task in parsed.tasks] == [
        ("2026-12-03", None), ("2026-12-03", "2026-12-03 17:00:00"), ("2026-11-23", "2026-11-23T17:00:00+01:00")]
    assert parsed.tasks[2]["completed"] == "2026-11-22" and parsed.tasks[2]["done"] is True
    json.dumps(parsed.tasks)  # plain JSON values only


def test_toml_dates_without_quotes_work_too():
    task = only(parse("t.toml", """
        [[tasks]]
        title = "Ship"
        due = 2026-11-23T17:00:00Z
    """))
    assert (task["due"], task["due_at"]) == ("2026-11-23", "2026-11-23T17:00:00+00:00")


def test_integer_ids_become_text_and_empty_files_have_no_tasks():
    assert only(parse("t.json", '[{"id": 7, "title": "x"}]'))["id"] == "7"
    for shown, text in [("t.yaml", ""), ("t.yaml", "# only a comment\n"), ("t.json", "  \n"), ("t.json", "[]"),
                        ("t.toml", ""), ("t.md", "# Nothing to do\n"), ("t.txt", "\n\n"), ("t.yaml", "tasks: []")]:
        assert parse(shown, text) == Parsed([], [], []), (shown, text)


# --- Markdown checklists --------------------------------------------------------------

def test_a_markdown_checklist_with_tokens_subtasks_and_things_to_ignore():
    parsed = parse("todo.md", """
        # This week

        Some notes that are not tasks.
        - a plain bullet, not a task
        - [ ] Pay rent !high due:2026-12-03 ~15m #home
          - [ ] find the IBAN
          - [x] log in to the bank
        * [x] Water plants done:2026-12-01
        + [ ] Call mom @phone !!
        1. [ ] Write report due:2026-12-03T17:00 ~1h30m
        2) [X] Book flights !l
    """)
    assert parsed.problems == [] and parsed.warnings == []
    rent, plants, mom, report, flights = parsed.tasks
    assert rent == {"id": "todo.md:5", "title": "Pay rent #home", "priority": "high", "due": "2026-12-03",
                    "due_at": None, "estimate_minutes": 15, "done": False, "completed": None, "source": "todo.md:5",
                    "subtasks": ["find the IBAN", "log in to the bank"], "projects": [], "contexts": [],
                    "created": None}
    assert (plants["done"], plants["completed"]) == (True, "2026-12-01")
    assert (mom["title"], mom["priority"], mom["contexts"]) == ("Call mom @phone", "medium", ["phone"])
    assert (report["due_at"], report["estimate_minutes"]) == ("2026-12-03T17:00", 90)
    assert (flights["done"], flights["priority"]) == (True, "low")


def test_a_heading_ends_the_item_above_so_later_items_are_not_its_subtasks():
    parsed = parse("t.markdown", """
        - [ ] First
        ## Later
          - [ ] indented, but under a heading
        ```
        - [ ] inside a code block
        ```
    """)
    assert [task["title"] for task in parsed.tasks] == ["First", "indented, but under a heading"]
    assert parsed.tasks[0]["subtasks"] == []


@pytest.mark.parametrize(("token", "priority"), [
    ("!high", "high"), ("!MEDIUM", "medium"), ("!low", "low"), ("!h", "high"), ("!m", "medium"), ("!l", "low"),
    ("!", "low"), ("!!", "medium"), ("!!!", "high"), ("!1", "high"), ("!p2", "medium"), ("!A", "high"),
])
def test_markdown_priority_tokens(token, priority):
    task = only(parse("t.md", f"- [ ] Task {token}\n"))
    assert (task["title"], task["priority"]) == ("Task", priority)


def test_every_bad_markdown_token_is_reported_with_its_line_and_field():
    parsed = parse("t.md", """
        - [ ] Fine
        - [ ] Bad date due:2026-13-01
        - [ ] Bad priority !urgent ~1x
        - [ ]
        - [ ] Twice !high !low
    """)
    assert [task["title"] for task in parsed.tasks] == ["Fine"]
    assert len(parsed.problems) == 5
    due, priority, estimate, title, twice = parsed.problems
    assert due.startswith("t.md:2: due: '2026-13-01' is not a valid date; write YYYY-MM-DD")
    assert priority.startswith("t.md:3: priority: '!urgent' is not a priority; write high, medium or low")
    assert estimate.startswith("t.md:3: estimate_minutes: '1x' is not an estimate;") and "~15m" in estimate
    assert title == "t.md:4: title: the item has no text; write what the task is"
    assert twice == "t.md:5: priority: given twice ('!low' is the second); keep one"


# --- todo.txt -------------------------------------------------------------------------

def test_todo_txt_lines():
    parsed = parse("todo.txt", """
        (A) 2026-12-01 Call mom due:2026-12-03 +family @phone

        x 2026-12-02 2026-11-30 Renew passport pri:B est:45m
        x 2026-12-02 Take out the bins
        (B) Water plants ~15m
        (C) Tidy desk
        (D) Sort photos t:2026-12-01
        Read a book
    """)
    assert parsed.problems == []
    mom, passport, bins, plants, desk, photos, book = parsed.tasks
    assert mom == {"id": "todo.txt:1", "title": "Call mom +family @phone", "priority": "high", "due": "2026-12-03",
                   "due_at": None, "estimate_minutes": None, "done": False, "completed": None,
                   "source": "todo.txt:1", "subtasks": [], "projects": ["family"], "contexts": ["phone"],
                   "created": "2026-12-01"}
    assert (passport["done"], passport["completed"], passport["created"]) == (True, "2026-12-02", "2026-11-30")
    assert (passport["priority"], passport["estimate_minutes"], passport["title"]) == ("medium", 45, "Renew passport")
    assert (bins["done"], bins["completed"], bins["created"]) == (True, "2026-12-02", None)
    assert (plants["priority"], plants["estimate_minutes"]) == ("medium", 15)
    assert [desk["priority"], photos["priority"], book["priority"]] == ["low", "low", "medium"]
    assert photos["title"] == "Sort photos t:2026-12-01"  # other key:value tags are kept as text


def test_todo_txt_problems_name_the_line_and_field():
    parsed = parse("todo.txt", """
        x 2026-02-30 Nope
        (A) Call pri:B
        Walk est:forever
    """)
    assert parsed.tasks == []
    assert [problem.split(";")[0] for problem in parsed.problems] == [
        "todo.txt:1: completed: '2026-02-30' is not a valid date",
        "todo.txt:2: priority: given twice ('pri:B' is the second)",
        "todo.txt:3: estimate_minutes: 'forever' is not an estimate",
    ]


# --- one set of spellings for every format -------------------------------------------

@pytest.mark.parametrize(("value", "priority"), [
    ("high", "high"), ("Medium", "medium"), ("LOW", "low"), ("h", "high"), ("m", "medium"), ("l", "low"),
    ("A", "high"), ("b", "medium"), ("C", "low"), ("D", "low"), ("Z", "low"),
    (1, "high"), ("1", "high"), (2, "medium"), ("3", "low"), (4, "low"),
    ("p1", "high"), ("P2", "medium"), ("p3", "low"), ("p4", "low"), ("!", "low"), ("!!", "medium"), ("!!!", "high"),
])
def test_priority_spellings_in_a_structured_file(value, priority):
    assert only(normalise_tasks([{"title": "x", "priority": value}]))["priority"] == priority
    assert only(parse("t.yaml", f"- title: x\n  priority: {json.dumps(value)}\n"))["priority"] == priority


@pytest.mark.parametrize("value", ["urgent", "", 0, 5, "p5", "!!!!", True, 1.0, "AA"])
def test_other_priorities_are_problems_listing_the_accepted_spellings(value):
    problems = normalise_tasks([{"title": "x", "priority": value}]).problems
    assert problems == [(f"tasks[0].priority: {value!r} is not a priority; write high, medium or low "
                        "(also h/m/l, A/B/C, 1-4 or p1-p4 with 1 highest, or !/!!/!!!)")]


@pytest.mark.parametrize(("value", "due", "due_at"), [
    ("2026-12-03", "2026-12-03", None),
    ("2026-12-03T17:00", "2026-12-03", "2026-12-03T17:00"),
    ("2026-12-03 17:00", "2026-12-03", "2026-12-03 17:00"),
    ("2026-11-23T17:00:00+01:00", "2026-11-23", "2026-11-23T17:00:00+01:00"),
    ("2026-11-23T23:30:00-05:00", "2026-11-23", "2026-11-23T23:30:00-05:00"),  # no zone conversion
    ("2026-11-23T17:00Z", "2026-11-23", "2026-11-23T17:00Z"),
])
def test_due_spellings(value, due, due_at):
    task = only(normalise_tasks([{"title": "x", "due": value}]))
    assert (task["due"], task["due_at"]) == (due, due_at)


@pytest.mark.parametrize("value", ["2026-13-01", "2026-02-30", "23/11/2026", "tomorrow", "2026-12-03T25:00", 20261203])
def test_bad_due_dates_are_problems(value):
    (problem,) = normalise_tasks([{"title": "x", "due": value}]).problems
    assert problem.startswith(f"tasks[0].due: {value!r} is not a valid date; write YYYY-MM-DD")


@pytest.mark.parametrize(("value", "minutes"), [
    (0, 0), (45, 45), (30.0, 30), ("90", 90), ("15m", 15), ("1h", 60), ("1h30m", 90), ("1.5h", 90), ("2H", 120),
    ("45min", 45),
])
def test_estimate_spellings(value, minutes):
    assert only(normalise_tasks([{"title": "x", "estimate_minutes": value}]))["estimate_minutes"] == minutes


@pytest.mark.parametrize("value", [-5, "-5", "abc", "1.33h", "h", 2.5, True, "", "\u00b2", "\u0661"])
def test_bad_estimates_are_problems(value):
    (problem,) = normalise_tasks([{"title": "x", "estimate_minutes": value}]).problems
    assert problem == (f"tasks[0].estimate_minutes: {value!r} is not an estimate; "
                       "write whole minutes (90) or with units: 15m, 1h, 1h30m, 1.5h")


@pytest.mark.parametrize(("value", "done"), [(True, True), (False, False), ("true", True), ("False", False)])
def test_done_is_a_boolean(value, done):
    assert only(normalise_tasks([{"title": "x", "done": value}]))["done"] is done


def test_a_completion_date_means_done_unless_done_says_otherwise():
    assert only(normalise_tasks([{"title": "x", "completed": "2026-11-20"}]))["done"] is True
    assert normalise_tasks([{"title": "x", "completed": "2026-11-20", "done": False}]).problems == [
        "tasks[0].done: false, but the task has a completion date; write done: true or remove completed"]


@pytest.mark.parametrize("value", ["yes", "x", 1])
def test_other_done_values_are_problems(value):
    assert normalise_tasks([{"title": "x", "done": value}]).problems == [
        f"tasks[0].done: {value!r} is not true or false; write true or false"]


# --- every problem at once, with its line -----------------------------------------------

def test_a_yaml_file_with_several_mistakes_reports_each_on_its_own_line():
    parsed = parse("plan.yaml", """
        tasks:
          - id: a
            title: Fine
          - id: b
            title: Two mistakes
            priority: urgent
            estimate_minutes: lots
          - just a string
          - id: a
            title: Same id as the first
          - id: c
            due: 2026-13-01
    """)
    assert [task["id"] for task in parsed.tasks] == ["a"]
    assert [problem.split(";")[0] for problem in parsed.problems] == [
        "plan.yaml:6: priority: 'urgent' is not a priority",
        "plan.yaml:7: estimate_minutes: 'lots' is not an estimate",
        "plan.yaml:8: task: a str is not a task",
        "plan.yaml:11: title: missing",
        "plan.yaml:12: due: '2026-13-01' is not a valid date",
        "plan.yaml:9: id: 'a' is also the id of the task at plan.yaml:2",
    ]


def test_json_problems_point_at_the_line_of_the_field():
    parsed = parse("t.json", """
        {"tasks": [
          {"id": 1, "title": "ok"},
          {"id": 2,
           "title": "late",
           "due": "someday"},
          {"id": true, "title": ""}
        ]}
    """)
    assert [problem.split(";")[0] for problem in parsed.problems] == [
        "t.json:5: due: 'someday' is not a valid date",
        "t.json:6: id: True is not an id",
        "t.json:6: title: ''",
    ]


def test_toml_problems_point_at_the_task_header_and_key_lines():
    parsed = parse("t.toml", """
        [[tasks]]
        title = "ok"

        [[tasks]]
        title = "bad"
        # a comment
        priority = "zz"
        done = "maybe"
    """)
    assert [problem.split(";")[0] for problem in parsed.problems] == [
        "t.toml:7: priority: 'zz' is not a priority",
        "t.toml:8: done: 'maybe' is not true or false",
    ]
    assert parsed.tasks[0]["id"] == "t.toml:1"


def test_an_inline_toml_task_array_points_at_the_tasks_line():
    parsed = parse("t.toml", 'owner = "me"\ntasks = [{title = "x", priority = 9}]\n')
    assert parsed.problems[0].startswith("t.toml:2: priority: 9 is not a priority")


@pytest.mark.parametrize(("shown", "text", "start"), [
    ("t.yaml", "tasks: [\n", "t.yaml:2: YAML: "),
    ("t.json", '{"tasks": [\n  {"title": "x"},\n]}', "t.json:3: JSON: "),
    ("t.toml", "[[tasks]]\ntitle = \n", "t.toml:2: TOML: "),
    ("t.csv", "", "t.csv: format: cannot tell the format from '.csv'; name the file with one of .yaml, .yml, .json"),
    ("tasks", "", "tasks: format: cannot tell the format from 'no extension'"),
    ("t.yaml", "title: one task\n", "t.yaml:1: tasks: no task list found;"),
    ("t.yaml", "tasks: 3\n", "t.yaml:1: tasks: a int is not a list of tasks;"),
])
def test_unreadable_files_are_one_problem_with_a_line(shown, text, start):
    parsed = parse_task_file(shown, text)
    assert parsed.tasks == [] and len(parsed.problems) == 1
    assert parsed.problems[0].startswith(start), parsed.problems


def test_without_a_toml_reader_the_problem_says_what_to_do(monkeypatch):
    monkeypatch.setitem(sys.modules, "tomllib", None)
    monkeypatch.setitem(sys.modules, "tomli", None)
    (problem,) = parse_task_file("t.toml", "[[tasks]]\ntitle = 'x'\n").problems
    assert problem.startswith("t.toml: format: reading TOML needs Python 3.11 or newer")


# --- warnings ------------------------------------------------------------------------------

def test_unknown_fields_are_warnings_with_a_suggestion_one_per_field():
    parsed = parse("t.yaml", """
        - {title: a, estimate: 10}
        - {title: b, estimate: 20}
        - {title: c, estimate: 30}
        - {title: d, estimate: 40, colour: red}
    """)
    assert len(parsed.tasks) == 4 and parsed.problems == []
    assert parsed.tasks[0]["estimate_minutes"] is None  # ignored, not guessed
    estimate, colour = parsed.warnings
    assert estimate.startswith("t.yaml:1, t.yaml:2, t.yaml:3 and 1 more: daily_loop does not read the field "
                               "'estimate' (did you mean 'estimate_minutes'?); task fields are: id, title")
    assert colour.startswith("t.yaml:4: daily_loop does not read the field 'colour'; task fields are:")


def test_the_mission_check_warns_about_state_fields_too():
    state = {"tasks": [{"id": 1, "title": "a", "estimate": 5}, {"id": 2, "title": "b", "estimate": 5}]}
    (warning,) = field_warnings(state)
    assert warning.startswith("tasks[0], tasks[1]: daily_loop does not read the field 'estimate' "
                              "(did you mean 'estimate_minutes'?)")
    assert field_warnings({"tasks": "nope"}) == [] and field_warnings({}) == []


# --- a state's task list ---------------------------------------------------------------------

def test_state_tasks_use_index_places_and_report_everything():
    raw = [{"id": "a", "title": "ok", "priority": 2}, {"title": "no id"}, "text",
           {"id": "a", "title": "again"}, {"id": "d", "title": "d", "due": "2026-13-01", "done": "yes"}]
    parsed = normalise_tasks(raw)
    assert [(task["id"], task["source"], task["priority"]) for task in parsed.tasks] == [
        ("a", "tasks[0]", "medium"), ("tasks[1]", "tasks[1]", "medium")]
    assert [problem.split(";")[0] for problem in parsed.problems] == [
        "tasks[2]: a str is not a task",
        "tasks[4].due: '2026-13-01' is not a valid date",
        "tasks[4].done: 'yes' is not true or false",
        "tasks[3].id: 'a' is also the id of the task at tasks[0]",
    ]
    assert normalise_tasks({"a": 1}).problems == [
        "tasks: a dict is not a list of tasks; write a list of task objects"]


def test_normalised_tasks_fed_back_in_are_unchanged():
    parsed = parse("t.md", "- [ ] Ship it !high due:2026-12-03T17:00 ~1h\n  - [ ] test\n")
    again = normalise_tasks(parsed.tasks)
    assert again.warnings == [] and again.problems == [] and again.tasks == parsed.tasks


def test_read_tasks_fails_the_step_with_every_problem():
    with pytest.raises(StepFailed) as failed:
        read_tasks({"tasks": [{"id": 1, "title": "a", "priority": "x!"}, {"title": ""}, {"id": 3, "title": "c",
                                                                                          "due": "soon"}]})
    message = str(failed.value)
    assert message.startswith("3 problems in the tasks: tasks[0].priority: 'x!' is not a priority;")
    assert "; tasks[1].title: '';" in message and "; tasks[2].due: 'soon' is not a valid date;" in message
    with pytest.raises(StepFailed, match=r"^tasks\[0\]\.done: 'no' is not true or false"):
        read_tasks({"tasks": [{"title": "a", "done": "no"}]})
    assert [task.id for task in read_tasks({"tasks": [{"id": 5, "title": "x"}]})] == ["5"]
    assert read_tasks({}) == []


# --- several files -------------------------------------------------------------------------------

def test_merge_concatenates_and_reports_ids_used_in_two_files():
    home = parse("home.yaml", "- {id: rent, title: Pay rent}\n- {id: bins, title: Bins}\n")
    work = parse("work.json", '[{"id": "report", "title": "Report"},\n {"id": "rent", "title": "Rent the hall"}]')
    notes = parse("notes.md", "- [ ] Call mom\n")
    merged = merge([home, work, notes])
    assert [task["id"] for task in merged.tasks] == ["rent", "bins", "report", "notes.md:1"]
    assert merged.problems == [("work.json:2: id: 'rent' is also the id of the task at home.yaml:1; "
                               "give each task its own id")]
    assert merge([]) == Parsed([], [], [])


def test_merge_keeps_each_files_problems_and_warnings():
    bad = parse("a.yaml", "- {title: x, priority: zz, estimate: 3}\n")
    merged = merge([bad, parse("b.txt", "ok\n")])
    assert merged.problems == bad.problems and merged.warnings == bad.warnings
    assert [task["title"] for task in merged.tasks] == ["ok"]


# --- determinism and sharing -------------------------------------------------------------------

def test_parsing_is_deterministic_and_shares_nothing():
    text = "- [ ] Pay rent !high\n  - [ ] find IBAN\n"
    first, second = parse_task_file("t.md", text), parse_task_file("t.md", text)
    assert first == second
    first.tasks[0]["subtasks"].append("changed")
    assert second.tasks[0]["subtasks"] == ["find IBAN"]

    raw = [{"id": 1, "title": "a", "subtasks": ["x"], "estimate": 3}]
    before = copy.deepcopy(raw)
    parsed = normalise_tasks(raw)
    parsed.tasks[0]["subtasks"].append("y")
    assert raw == before

    merged = merge([first])
    merged.tasks[0]["subtasks"].append("again")
    assert first.tasks[0]["subtasks"] == ["find IBAN", "changed"]


# --- planning the day ------------------------------------------------------------------------------

TODAY = "2026-11-23"


def plan(tasks, **limits):
    limits = {"capacity_minutes": 240, "max_priorities": 5, "default_estimate_minutes": 30, **limits}
    return prioritise(tasks_from(normalise_tasks(tasks).tasks), TODAY, **limits)


def test_each_chosen_task_says_why_in_rank_order():
    daily = plan([
        {"id": "tax", "title": "Tax", "priority": "low", "due": "2026-11-20", "estimate_minutes": 30},
        {"id": "call", "title": "Call", "priority": "high", "due": "2026-11-24", "estimate_minutes": 15},
        {"id": "bills", "title": "Bills", "due": TODAY, "estimate_minutes": 10},
        {"id": "report", "title": "Report", "priority": "high", "due": "2026-11-26"},
        {"id": "trip", "title": "Plan trip", "due": "2026-12-20"},
    ])
    assert [(task["id"], task["why"]) for task in daily["priorities"]] == [
        ("tax", ["overdue since 2026-11-20", "low priority"]),
        ("call", ["high priority", "due tomorrow"]),
        ("report", ["high priority", "due in 3 days"]),
        ("bills", ["medium priority", "due today"]),
        ("trip", ["medium priority"]),  # a far due date says nothing
    ]
    assert daily["priorities"][0] == {"id": "tax", "title": "Tax", "priority": "low", "due": "2026-11-20",
                                      "estimate_minutes": 30, "overdue": True,
                                      "why": ["overdue since 2026-11-20", "low priority"], "source": "tasks[0]"}


def test_deferred_tasks_say_why_not():
    daily = plan([
        {"id": "big", "title": "Big", "priority": "high", "estimate_minutes": 200},
        {"id": "huge", "title": "Huge", "priority": "high", "estimate_minutes": 100},
        {"id": "small", "title": "Small", "estimate_minutes": 20},
        {"id": "tiny", "title": "Tiny", "priority": "low", "estimate_minutes": 5},
        {"id": "done", "title": "Done", "done": True},
    ], capacity_minutes=240, max_priorities=2)
    assert [task["id"] for task in daily["priorities"]] == ["big", "small"]
    assert daily["deferred"] == ["huge", "tiny"]
    assert daily["deferred_tasks"] == [
        {"id": "huge", "title": "Huge", "estimate_minutes": 100, "why_not": "no room: 40 minutes left"},
        {"id": "tiny", "title": "Tiny", "estimate_minutes": 5, "why_not": "already 2 priorities"},
    ]


def test_tasks_from_files_plan_and_count_like_any_others():
    parsed = parse("todo.txt", """
        (A) Call mom due:2026-11-22 ~10m
        x 2026-11-22 Old thing
        Read due:2026-11-23
    """)
    tasks = tasks_from(parsed.tasks)
    assert summarise(tasks, TODAY) == {"total": 3, "done": 1, "open": 2, "overdue": 1, "due_today": 1}
    assert tasks[1].completed == "2026-11-22" and tasks[0].source == "todo.txt:1"
    chosen = prioritise(tasks, TODAY, capacity_minutes=60, max_priorities=3, default_estimate_minutes=30)
    assert [(task["source"], task["estimate_minutes"]) for task in chosen["priorities"]] == [
        ("todo.txt:1", 10), ("todo.txt:3", 30)]


def test_the_plan_is_the_same_every_time():
    tasks = [{"id": str(n), "title": f"t{n}", "priority": "hml"[n % 3], "due": f"2026-11-{20 + n % 7:02d}"}
             for n in range(12)]
    assert plan(tasks) == plan(tasks)
    ranked = [(task["id"], task["why"]) for task in plan(tasks)["priorities"]]
    assert ranked == [(task["id"], task["why"]) for task in plan(list(reversed(tasks)))["priorities"]]
    assert ranked[0] == ("0", ["overdue since 2026-11-20", "high priority"])


def test_words_that_only_look_like_tokens_stay_in_the_title():
    parsed = parse("t.md", """
        - [ ] Back up ~/Documents before the != check ~20m
    """)
    assert parsed.problems == []
    assert parsed.tasks[0]["title"] == "Back up ~/Documents before the != check"
    assert parsed.tasks[0]["estimate_minutes"] == 20


def test_several_tasks_on_one_line_get_their_own_ids():
    for name, text in (("t.json", '[{"title": "Pay rent"}, {"title": "Call mom"}]'),
                       ("t.yaml", "tasks: [{title: Pay rent}, {title: Call mom}]")):
        parsed = parse_task_file(name, text)
        assert parsed.problems == []
        assert [task["id"] for task in parsed.tasks] == [f"{name}:1", f"{name}:1#2"]


def test_an_estimate_beyond_a_year_is_a_problem_at_its_line():
    parsed = parse("t.md", """
        - [ ] Big ~99999999999999999999999999m
    """)
    assert parsed.problems == ["t.md:1: estimate_minutes: '99999999999999999999999999m' is more than a year of minutes; "
                               "write the estimate in minutes or hours, e.g. 90 or 1h30m (as a token: ~15m)"]
    structured = parse_task_file("t.json", '[{"title": "x", "estimate_minutes": 1e300}]')
    assert "more than a year of minutes" in structured.problems[0]
