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
and never glues together, marked for the catalogs. A page is written in one
language (``lang``; the context's when None): ``words(lang)`` says each
sentence in it, its placeholders kept for the script, and the page's
``<html lang>`` is that language's tag. The static words are put in the HTML
here, escaped; all of them reach the script as JSON, with the names of
practice's mistake codes (``mistake:<code>``) in the same language.

>>> from autograd import Value
>>> from autograd.lesson import lesson_data
>>> html = student_page(lesson_data(Value(0.0, label="z")))
>>> 'data-role="student"' in html, "@@t:" in html, "@@WORDS@@" in html
(True, False, False)
>>> "<title>Class K7XM2Q</title>" in for_class(html, "K7XM2Q")
True
>>> chinese = student_page(lesson_data(Value(0.0, label="z")), lang="zh")
>>> '<html lang="zh-CN">' in chinese, "<title>课堂 @@CODE@@</title>" in chinese
(True, True)
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Mapping
from importlib import resources

from autograd.i18n import N_, language_tag, resolve_language, tr
from autograd.lesson import _script_json, page
from autograd.practice import CODE_MEANINGS

__all__ = [
    "CODE",
    "WORDS",
    "fill_words",
    "for_class",
    "in_language",
    "student_page",
    "teacher_page",
    "words",
]

# Where a page names its class (its title): the same page serves every class,
# and for_class puts the code in.
CODE = "@@CODE@@"

# Every sentence and label of the class's parts of the pages, by key. A
# placeholder in braces is filled by the page's script with a number, a
# name or a code, never with words of its own.
WORDS = {
    # The start page (GET /): joining a class
    "join_heading": N_("Join a class"),
    "join_code": N_("Join code"),
    "join_name": N_("Nickname"),
    "join_button": N_("Join"),
    "join_hint": N_("Type the code your teacher shows and a nickname (1 to 24 characters)."),
    "join_no_code": N_("Type the class's join code: six letters and digits, such as K7X M2Q."),
    "join_no_name": N_("Type a nickname: it is how your teacher sees your answers."),
    "joining": N_("Joining class {code} …"),
    # The start page: starting a class
    "start_heading": N_("Start a class"),
    "start_hint": N_(
        "The class works on the program and values in the lesson box below (or the exercise "
        "it holds), or on a list of them."
    ),
    "start_mode": N_("Students answer in"),
    "start_mode_practice": N_("practice mode (each gradient)"),
    "start_mode_trainer": N_("trainer mode (each local derivative, product and sum)"),
    "start_add": N_("Add this lesson to the list"),
    "start_list": N_("The class's list"),
    "start_remove": N_("Remove"),
    "start_remove_item": N_("Remove {item}"),
    "start_button": N_("Start a class"),
    "start_list_button": N_("Start a class with this list"),
    "starting": N_("Starting a class …"),
    "item_program": N_("{program}, at {values} ({mode})"),
    "item_exercise": N_("Exercise: level {level}, seed {seed} ({mode})"),
    "mode_practice": N_("practice"),
    "mode_trainer": N_("trainer"),
    "value": N_("{name} = {value}"),
    "values_separator": N_(", "),
    "values_first": N_("Type a number for every input first."),
    "started_heading": N_("Class {code} has started"),
    "started_code": N_("Join code"),
    "started_join": N_("Students open {address} and type the join code."),
    "started_loopback": N_(
        "This address reaches this computer only: for students, start the server with "
        "--host 0.0.0.0 and give them the address it prints."
    ),
    "teacher_link": N_(
        "Your teacher link, shown only this once: it opens the class's dashboard. "
        "Keep it to yourself."
    ),
    "copy": N_("Copy the link"),
    "copied": N_("The teacher link is copied."),
    "copy_failed": N_("Copying did not work here: select the link and copy it yourself."),
    "open_teacher": N_("Open the teacher's page"),
    # Requests, on every page
    "offline": N_("The server cannot be reached: check the network; the page tries again."),
    "http_error": N_("The server answered with status {status}; try again in a moment."),
    "busy": N_("The server is busy; the page tries again in {seconds} s."),
    # The student's page
    "student_title": N_("Class {code}"),
    "student_heading": N_("You are {name} in class {code}"),
    "connecting": N_("Connecting to class {code} …"),
    "not_joined": N_("You have not joined class {code} in this browser."),
    "join_again": N_("Join class {code}"),
    "token_refused": N_(
        "This browser's place in class {code} is no longer valid (the class may have been "
        "deleted): join again."
    ),
    "following": N_("Following the teacher: step {step} of {last}."),
    "free": N_("Free: go at your own pace."),
    "paused": N_("Look up: your teacher has paused the class."),
    "ended": N_("The class has ended: your answers are kept."),
    "deleted": N_("The class has been deleted."),
    "item_position": N_("Lesson {item} of {items}"),
    "item_previous": N_("Previous lesson"),
    "item_next": N_("Next lesson"),
    "live": N_("Connected."),
    "reconnecting": N_("Connection lost: reconnecting …"),
    "sending": N_("Sending your answer …"),
    "still_sending": N_("Your last answer is still being sent; it counts once."),
    "kept_offline": N_(
        "Not sent yet: the connection is lost. Your answer is kept and is sent again as soon "
        "as it is back; it counts once."
    ),
    "refused_paused": N_("The class is paused: look up, and send your answer when it goes on."),
    "my_answers": N_("Your answers"),
    "answer_question": N_("Question"),
    "answer_value": N_("Your answer"),
    "answer_verdict": N_("Verdict"),
    "shown": N_("shown"),
    # Marks: a symbol, and its words for a screen reader (not colour alone)
    "mark_right": N_("right"),
    "mark_wrong": N_("wrong"),
    "mark_wrong_code": N_("wrong: {mistake}"),
    "mark_shown": N_("answer shown"),
    "mark_none": N_("not answered yet"),
    # The teacher's page
    "teacher_title": N_("Class {code}: the teacher's page"),
    "no_token": N_(
        "This page needs the teacher link that was shown when the class started "
        "(/teach/{code}#token=…), opened in this tab."
    ),
    "teacher_refused": N_("The teacher link of class {code} is not valid."),
    "join_at": N_("Students open {address} and type"),
    "pacing": N_("Pacing"),
    "item": N_("Lesson"),
    "item_option": N_("{item}: {title}"),
    "step_previous": N_("The class to the previous step"),
    "step_next": N_("The class to the next step"),
    "step_position": N_("Step {step} of {last}"),
    "free_button": N_("Free pace"),
    "pause_button": N_("Pause"),
    "answers_button": N_("Show this step's answers"),
    "pace_following": N_("Students follow you: lesson {item}, step {step}."),
    "pace_free": N_("Students go at their own pace."),
    "pace_paused": N_("Paused: the students' pages are locked."),
    "teacher_ended": N_("The class has ended: no one can join or answer. The answers are kept."),
    "dashboard": N_("Dashboard"),
    "to_dashboard": N_("Go to the dashboard"),
    "students_count": N_("Students who joined: {count}."),
    "grid_caption": N_("Each student's mark on each question"),
    "grid_student": N_("Student"),
    "column": N_("{symbol}"),
    "column_item": N_("{item}. {symbol}"),
    "legend": N_("The marks"),
    "legend_wrong": N_("wrong, with the mistake's code"),
    "no_students": N_("No student has joined yet."),
    "current_question": N_("The class's answers to {column}"),
    "distribution_answer": N_("Answer"),
    "distribution_students": N_("Students"),
    "distribution_verdict": N_("Verdict"),
    "no_answers": N_("No answers to this question yet."),
    "mistakes_heading": N_("Mistakes by question"),
    "mistakes_question": N_("Question"),
    "mistakes_answered": N_("Answered"),
    "mistakes_right": N_("Right"),
    "mistakes_shown": N_("Shown"),
    "mistakes_codes": N_("Mistakes (students)"),
    "mistakes_common": N_("The most common mistake"),
    "mistake_button": N_("{mistake} ({students})"),
    "common": N_("{mistake}: {message}"),
    "answers_of_student": N_("{name}'s answers"),
    "answers_with_code": N_("Answers to {column} with the mistake: {mistake}"),
    "answers_time": N_("Time"),
    "answers_student": N_("Student"),
    "answers_node": N_("Node"),
    "answers_message": N_("Feedback"),
    "close": N_("Close"),
    "export_csv": N_("Download the answers (CSV)"),
    "export_jsonl": N_("Download the answers (JSON Lines)"),
    "end_class": N_("End the class"),
    "end_confirm": N_(
        "End the class now? Students can no longer join or answer; the answers stay until "
        "you delete the class."
    ),
    "end_yes": N_("Yes, end the class"),
    "delete_class": N_("Delete the class"),
    "delete_confirm": N_("Delete class {code}, its students and every answer?"),
    "delete_yes": N_("Delete"),
    "delete_again": N_("Really delete? This cannot be undone."),
    "delete_really": N_("Delete for ever"),
    "cancel": N_("Cancel"),
    "class_deleted": N_("Class {code} is deleted: its students and answers are gone."),
}

_PARTS = ("style", "student", "teacher", "script")


def words(lang: str | None = None) -> dict[str, str]:
    """``WORDS`` in ``lang`` (None: the context's language), each placeholder left
    for the page's script to fill; and ``mistake:<code>``, what each of practice's
    mistake codes means.

    >>> words("zh")["joining"], words("en")["joining"]
    ('正在加入课堂 {code}……', 'Joining class {code} …')
    """
    lang = resolve_language(lang)
    said = {key: _template(lang, message) for key, message in WORDS.items()}
    said.update({f"mistake:{code}": tr(lang, meaning) for code, meaning in CODE_MEANINGS.items()})
    return said


def _template(lang: str, message: str) -> str:
    """``message`` in ``lang`` with its placeholders as they are: ``{code}`` stays ``{code}``."""
    names = {name for _, name, _, _ in string.Formatter().parse(message) if name}
    return tr(lang, message, **{name: f"{{{name}}}" for name in names})


def student_page(data: Mapping, lang: str | None = None) -> str:
    """The student's page (``/class/CODE``): the lesson page with the class's parts.

    ``data`` is any lesson's ``lesson_data``, shown only until the class's own
    lesson arrives (a one-node graph is enough). The page's script and style
    are plain ``<script>``/``<style>``: the server adds its nonce, and the
    class's code with ``for_class``.
    """
    return _class_page(data, "student", lang)


def teacher_page(data: Mapping, lang: str | None = None) -> str:
    """The teacher's page (``/teach/CODE``): pacing, the dashboard and the lesson."""
    return _class_page(data, "teacher", lang)


def for_class(text: str, code: str) -> str:
    """The page ``text`` (``student_page`` or ``teacher_page``) of class ``code``."""
    if not (code.isascii() and code.isalnum()):
        raise ValueError(tr(None, "a join code is letters and digits, got {code!r}", code=code))
    return text.replace(CODE, code)


def _class_page(data: Mapping, role: str, lang: str | None) -> str:
    lang = resolve_language(lang)
    parts = _parts()
    title = words(lang)[f"{role}_title"].format(code=CODE)
    text = page(
        {**data, "title": title},
        head=fill_words(parts["style"], lang),
        controls=fill_words(parts[role], lang),
        end=fill_words(parts["script"], lang),
    )
    return in_language(text, lang)


def in_language(text: str, lang: str | None = None) -> str:
    """A page's HTML with ``<html lang>`` the tag of ``lang`` (``zh-CN`` for ``zh``).

    >>> in_language('<html lang="en"><p>课堂</p>', "zh")
    '<html lang="zh-CN"><p>课堂</p>'
    """
    tag = html.escape(language_tag(resolve_language(lang)))
    return re.sub(r'<html lang="[^"]*">', f'<html lang="{tag}">', text, count=1)


def fill_words(text: str, lang: str | None = None) -> str:
    """``text`` with each ``@@t:key@@`` the word of ``key`` in ``lang``, escaped for
    HTML, and ``@@WORDS@@`` all the words as JSON for a ``<script type="application/json">``.

    >>> fill_words('<h2>@@t:join_heading@@</h2>'), fill_words('<h2>@@t:join_heading@@</h2>', "zh")
    ('<h2>Join a class</h2>', '<h2>加入课堂</h2>')
    """
    said = words(lang)

    def word(match: re.Match) -> str:
        key = match.group(1)
        if key not in WORDS:
            raise KeyError(tr(None, "the class pages have no word {key!r}", key=key))
        return html.escape(said[key])

    text = re.sub(r"@@t:(\w+)@@", word, text)
    return text.replace("@@WORDS@@", _script_json(said))


def _parts() -> dict[str, str]:
    """class.html's parts, by the name of the comment that starts each."""
    text = resources.files("autograd").joinpath("class.html").read_text(encoding="utf-8")
    pieces = re.split(r"<!-- @@(\w+) -->\n", text)
    parts = dict(zip(pieces[1::2], (piece.strip() for piece in pieces[2::2])))
    missing = [name for name in _PARTS if name not in parts]
    if missing:
        raise RuntimeError(tr(None, "class.html has lost its part {part!r}", part=missing[0]))
    return parts
