"""The live class's pages: joining and starting a class, the student's page, the teacher's.

``autograd serve`` holds live classes (issue 20): a teacher starts one from
the lesson box of its page, students join with the join code and a nickname,
and each sees the lesson page in the class's mode (practice or the
chain-rule trainer), following the teacher's step. The teacher's page paces
the class and shows the dashboard: every student's mark on every question,
the mistakes by code with practice's diagnosis, the answers to the question
at hand, live.

This module writes those pages; the server (``autograd.serve``) adds
transport. The student's and the teacher's page are the lesson page
(``autograd.lesson.page``) with class.html's parts in its named slots: its
script asks the class API for the lesson and hands it to the lesson page's
own script, which in class mode sends each answer to the server to be judged
(``practice``'s diagnoses, on the server) instead of judging it itself.

Every word these pages show is here, in ``WORDS``: whole sentences with
named placeholders, which the pages' script fills (``{code}``, ``{name}``)
and never glues together; the catalogs will translate exactly these. The
static ones are put in the HTML here, escaped; all of them reach the script
as JSON.

>>> from autograd import Value
>>> from autograd.lesson import lesson_data
>>> html = student_page(lesson_data(Value(0.0, label="z")))
>>> 'data-role="student"' in html, "@@t:" in html, "@@WORDS@@" in html
(True, False, False)
>>> "<title>Class K7XM2Q</title>" in for_class(html, "K7XM2Q")
True
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from importlib import resources

from autograd.lesson import _script_json, page

__all__ = ["CODE", "WORDS", "fill_words", "for_class", "student_page", "teacher_page"]

# Where a page names its class (its title): the same page serves every class,
# and for_class puts the code in.
CODE = "@@CODE@@"

# Every sentence and label of the class's parts of the pages, by key. A
# placeholder in braces is filled by the page's script with a number, a
# name or a code, never with words of its own.
WORDS = {
    # The start page (GET /): joining a class
    "join_heading": "Join a class",
    "join_code": "Join code",
    "join_name": "Nickname",
    "join_button": "Join",
    "join_hint": "Type the code your teacher shows and a nickname (1 to 24 characters).",
    "join_no_code": "Type the class's join code: six letters and digits, such as K7X M2Q.",
    "join_no_name": "Type a nickname: it is how your teacher sees your answers.",
    "joining": "Joining class {code} …",
    # The start page: starting a class
    "start_heading": "Start a class",
    "start_hint": (
        "The class works on the program and values in the lesson box below (or the exercise "
        "it holds), or on a list of them."
    ),
    "start_mode": "Students answer in",
    "start_mode_practice": "practice mode (each gradient)",
    "start_mode_trainer": "trainer mode (each local derivative, product and sum)",
    "start_add": "Add this lesson to the list",
    "start_list": "The class's list",
    "start_remove": "Remove",
    "start_remove_item": "Remove {item}",
    "start_button": "Start a class",
    "start_list_button": "Start a class with this list",
    "starting": "Starting a class …",
    "item_program": "{program}, at {values} ({mode})",
    "item_exercise": "Exercise: level {level}, seed {seed} ({mode})",
    "mode_practice": "practice",
    "mode_trainer": "trainer",
    "value": "{name} = {value}",
    "values_separator": ", ",
    "values_first": "Type a number for every input first.",
    "started_heading": "Class {code} has started",
    "started_code": "Join code",
    "started_join": "Students open {address} and type the join code.",
    "started_loopback": (
        "This address reaches this computer only: for students, start the server with "
        "--host 0.0.0.0 and give them the address it prints."
    ),
    "teacher_link": (
        "Your teacher link, shown only this once: it opens the class's dashboard. "
        "Keep it to yourself."
    ),
    "copy": "Copy the link",
    "copied": "The teacher link is copied.",
    "copy_failed": "Copying did not work here: select the link and copy it yourself.",
    "open_teacher": "Open the teacher's page",
    # Requests, on every page
    "offline": "The server cannot be reached: check the network; the page tries again.",
    "http_error": "The server answered with status {status}; try again in a moment.",
    "busy": "The server is busy; the page tries again in {seconds} s.",
    # The student's page
    "student_title": "Class {code}",
    "student_heading": "You are {name} in class {code}",
    "connecting": "Connecting to class {code} …",
    "not_joined": "You have not joined class {code} in this browser.",
    "join_again": "Join class {code}",
    "token_refused": (
        "This browser's place in class {code} is no longer valid (the class may have been "
        "deleted): join again."
    ),
    "following": "Following the teacher: step {step} of {last}.",
    "free": "Free: go at your own pace.",
    "paused": "Look up: your teacher has paused the class.",
    "ended": "The class has ended: your answers are kept.",
    "deleted": "The class has been deleted.",
    "item_position": "Lesson {item} of {items}",
    "item_previous": "Previous lesson",
    "item_next": "Next lesson",
    "live": "Connected.",
    "reconnecting": "Connection lost: reconnecting …",
    "sending": "Sending your answer …",
    "still_sending": "Your last answer is still being sent; it counts once.",
    "kept_offline": (
        "Not sent yet: the connection is lost. Your answer is kept and is sent again as soon "
        "as it is back; it counts once."
    ),
    "refused_paused": "The class is paused: look up, and send your answer when it goes on.",
    "my_answers": "Your answers",
    "answer_question": "Question",
    "answer_value": "Your answer",
    "answer_verdict": "Verdict",
    "shown": "shown",
    # Marks: a symbol, and its words for a screen reader (not colour alone)
    "mark_right": "right",
    "mark_wrong": "wrong",
    "mark_shown": "answer shown",
    "mark_none": "not answered yet",
    # The teacher's page
    "teacher_title": "Class {code}: the teacher's page",
    "no_token": (
        "This page needs the teacher link that was shown when the class started "
        "(/teach/{code}#token=…), opened in this tab."
    ),
    "teacher_refused": "The teacher link of class {code} is not valid.",
    "join_at": "Students open {address} and type",
    "pacing": "Pacing",
    "item": "Lesson",
    "item_option": "{item}: {title}",
    "step_previous": "The class to the previous step",
    "step_next": "The class to the next step",
    "step_position": "Step {step} of {last}",
    "free_button": "Free pace",
    "pause_button": "Pause",
    "answers_button": "Show this step's answers",
    "pace_following": "Students follow you: lesson {item}, step {step}.",
    "pace_free": "Students go at their own pace.",
    "pace_paused": "Paused: the students' pages are locked.",
    "teacher_ended": "The class has ended: no one can join or answer. The answers are kept.",
    "dashboard": "Dashboard",
    "to_dashboard": "Go to the dashboard",
    "students_count": "Students who joined: {count}.",
    "grid_caption": "Each student's mark on each question",
    "grid_student": "Student",
    "column": "{symbol}",
    "column_item": "{item}. {symbol}",
    "legend": "The marks",
    "legend_wrong": "wrong, with the mistake's code",
    "no_students": "No student has joined yet.",
    "current_question": "The class's answers to {column}",
    "distribution_answer": "Answer",
    "distribution_students": "Students",
    "distribution_verdict": "Verdict",
    "no_answers": "No answers to this question yet.",
    "mistakes_heading": "Mistakes by question",
    "mistakes_question": "Question",
    "mistakes_answered": "Answered",
    "mistakes_right": "Right",
    "mistakes_shown": "Shown",
    "mistakes_codes": "Mistakes (students)",
    "mistakes_common": "The most common mistake",
    "mistake_button": "{code} ({students})",
    "common": "{code}: {message}",
    "answers_of_student": "{name}'s answers",
    "answers_with_code": "Answers to {column} with the mistake {code}",
    "answers_time": "Time",
    "answers_student": "Student",
    "answers_node": "Node",
    "answers_message": "Feedback",
    "close": "Close",
    "export_csv": "Download the answers (CSV)",
    "export_jsonl": "Download the answers (JSON Lines)",
    "end_class": "End the class",
    "end_confirm": (
        "End the class now? Students can no longer join or answer; the answers stay until "
        "you delete the class."
    ),
    "end_yes": "Yes, end the class",
    "delete_class": "Delete the class",
    "delete_confirm": "Delete class {code}, its students and every answer?",
    "delete_yes": "Delete",
    "delete_again": "Really delete? This cannot be undone.",
    "delete_really": "Delete for ever",
    "cancel": "Cancel",
    "class_deleted": "Class {code} is deleted: its students and answers are gone.",
}

_PARTS = ("style", "student", "teacher", "script")


def student_page(data: Mapping) -> str:
    """The student's page (``/class/CODE``): the lesson page with the class's parts.

    ``data`` is any lesson's ``lesson_data``, shown only until the class's own
    lesson arrives (a one-node graph is enough). The page's script and style
    are plain ``<script>``/``<style>``: the server adds its nonce, and the
    class's code with ``for_class``.
    """
    return _class_page(data, "student", WORDS["student_title"])


def teacher_page(data: Mapping) -> str:
    """The teacher's page (``/teach/CODE``): pacing, the dashboard and the lesson."""
    return _class_page(data, "teacher", WORDS["teacher_title"])


def for_class(text: str, code: str) -> str:
    """The page ``text`` (``student_page`` or ``teacher_page``) of class ``code``."""
    if not (code.isascii() and code.isalnum()):
        raise ValueError(f"a join code is letters and digits, got {code!r}")
    return text.replace(CODE, code)


def _class_page(data: Mapping, role: str, title: str) -> str:
    parts = _parts()
    data = {**data, "title": title.format(code=CODE)}
    return page(
        data,
        head=fill_words(parts["style"]),
        controls=fill_words(parts[role]),
        end=fill_words(parts["script"]),
    )


def fill_words(text: str) -> str:
    """``text`` with each ``@@t:key@@`` the word of ``key``, escaped for HTML, and
    ``@@WORDS@@`` all the words as JSON for a ``<script type="application/json">``.

    >>> fill_words('<h2>@@t:join_heading@@</h2>')
    '<h2>Join a class</h2>'
    """

    def word(match: re.Match) -> str:
        key = match.group(1)
        if key not in WORDS:
            raise KeyError(f"the class pages have no word {key!r}")
        return html.escape(WORDS[key])

    text = re.sub(r"@@t:(\w+)@@", word, text)
    return text.replace("@@WORDS@@", _script_json(WORDS))


def _parts() -> dict[str, str]:
    """class.html's parts, by the name of the comment that starts each."""
    text = resources.files("autograd").joinpath("class.html").read_text(encoding="utf-8")
    pieces = re.split(r"<!-- @@(\w+) -->\n", text)
    parts = dict(zip(pieces[1::2], (piece.strip() for piece in pieces[2::2])))
    missing = [name for name in _PARTS if name not in parts]
    if missing:
        raise RuntimeError(f"class.html has lost its part {missing[0]!r}")
    return parts
