"""`selfwatch lint`: formats, control comments, output, exit codes, config defaults."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from selfwatch.checklist.engine import default_engine
from selfwatch.cli import cli
from selfwatch.lint import detect_kind, lint_document, prose

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def test_markdown_skips_front_matter_code_and_link_targets():
    text = (
        "---\ntitle: shit happens\n---\n"
        "Read [my post](https://example.com/fuck-it) today.\n"
        "```\nrm -rf shit\n```\n"
        "Use `damn_config` here. ![img](/img/crap.png)\n"
        "[ref]: https://example.com/bullshit\n"
    )
    out = prose(text, "markdown")
    assert len(out) == len(text) and out.count("\n") == text.count("\n")
    for hidden in ("shit", "fuck", "damn", "crap", "bullshit"):
        assert hidden not in out
    assert "Read" in out and "my post" in out and "today" in out


def test_html_skips_tags_scripts_and_decodes_entities():
    text = '<p class="shit">My boss &amp; co are idiots</p><script>var fuck = 1;</script>'
    out = prose(text, "html")
    assert len(out) == len(text)
    assert "shit" not in out and "fuck" not in out
    assert "&" in out and "&amp;" not in out
    report = lint_document(default_engine(), "post.html", text)
    (f,) = [f for f in report.findings if f.category == "employer"]
    assert text[f.start : f.end] == "idiots" and f.col == text.index("idiots") + 1


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("<p>f&#117;ck this</p>", "f&#117;ck"),  # mid-word
        ("<p>my boss is a cl&#111;wn</p>", "cl&#111;wn"),
        ("<p>&#102;uck this</p>", "&#102;uck"),  # at the start of the word
        ("<p>fuc&#x6b; this</p>", "fuc&#x6b;"),  # at the end of the word
        ("<p>f&#117;&#99;k this</p>", "f&#117;&#99;k"),  # several in one word
        ("<p>f&shy;uck this</p>", "f&shy;uck"),  # invisible when rendered
    ],
)
def test_html_entity_inside_a_word_is_decoded_and_found(text, word):
    out = prose(text, "html")
    assert len(out) == len(text)
    (f,) = lint_document(default_engine(), "t.html", text).findings
    assert f.matched == word == text[f.start : f.end]
    assert (f.line, f.col) == (1, text.index(word) + 1)


def test_html_entity_word_keeps_columns_after_it():
    line = "f&#117;ck&amp;co, my boss is an idiot &mdash; sh&#105;t."
    text = f"<p>\n{line}\n</p>\n"
    report = lint_document(default_engine(), "t.html", text)
    # "&amp;" sits between words: it ends "fuck", and what follows keeps its column
    assert [(f.matched, f.line, f.col) for f in report.findings] == [
        ("f&#117;ck", 2, 1),
        ("idiot", 2, line.index("idiot") + 1),
    ]
    # Both swear words are one reason in one sentence: one finding, each span as written
    swearing = report.findings[0]
    assert swearing.words == ("f&#117;ck", "sh&#105;t")
    assert [text[a:b] for a, b in swearing.spans] == list(swearing.words)


def test_entity_that_decodes_to_a_newline_keeps_the_lines():
    text = "<p>one&NewLine;two</p>\nmy boss is an idiot\n"
    out = prose(text, "html")
    assert len(out) == len(text) and out.count("\n") == text.count("\n")
    (f,) = lint_document(default_engine(), "t.html", text).findings
    assert (f.line, f.col) == (2, 15)


def test_markdown_decodes_entities_but_not_in_code():
    text = "Well, sh&#105;t.\n\n`f&#117;ck` and\n\n```\nf&#117;ck\n```\n"
    report = lint_document(default_engine(), "t.md", text)
    assert [(f.matched, f.line, f.col) for f in report.findings] == [("sh&#105;t", 1, 7)]


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("<p>f<b></b>uck this</p>", "f<b></b>uck"),
        ("<p>f<span>u</span>ck this</p>", "f<span>u</span>ck"),
        ("<p>sh<i>i</i>t happens</p>", "sh<i>i</i>t"),
        ("<p>f<b></b><i></i>uck this</p>", "f<b></b><i></i>uck"),  # several tags in a row
        ('<p>f<SPAN class="x">u</SPAN>ck this</p>', 'f<SPAN class="x">u</SPAN>ck'),
        ("<p>f<x-mark>u</x-mark>ck this</p>", "f<x-mark>u</x-mark>ck"),  # unknown: inline
        ("<p>f&#117;<b></b>ck this</p>", "f&#117;<b></b>ck"),  # beside an entity
    ],
)
def test_html_inline_tags_inside_a_word_do_not_split_it(text, word):
    assert len(prose(text, "html")) == len(text)
    (f,) = lint_document(default_engine(), "t.html", text).findings
    assert f.matched == word == text[f.start : f.end]
    assert (f.line, f.col) == (1, text.index(word) + 1)


def test_inline_tags_inside_a_word_keep_positions_after_it():
    line = "Well, f<span>u</span>ck, my boss is an idiot and sh<i>i</i>t."
    text = f"<p>\n{line}\n</p>\n"
    report = lint_document(default_engine(), "t.html", text)
    assert [(f.matched, f.line, f.col, f.start) for f in report.findings] == [
        ("f<span>u</span>ck", 2, 7, text.index("f<span>")),
        ("idiot", 2, line.index("idiot") + 1, text.index("idiot")),
    ]
    assert report.findings[0].spans[1] == (text.index("sh<i>"), text.index("t.") + 1)
    # Markdown allows inline HTML, and the same word is found there
    (f,) = lint_document(default_engine(), "t.md", "Well, f<b></b>uck.\n").findings
    assert (f.matched, f.col) == ("f<b></b>uck", 7)


@pytest.mark.parametrize(
    "tags", ["<br>", "<br/>", "<BR />", "</p><p>", "<div>", "<li>", "<td>", "<h1>", "<img src=x>"]
)
def test_html_breaking_tags_between_letters_still_split_words(tags):
    text = f"<p>end{tags}start f{tags}uck</p>"
    out = prose(text, "html")
    assert "end" + " " * len(tags) + "start" in out and "fuck" not in out
    assert lint_document(default_engine(), "t.html", text).findings == ()


def test_ordinary_html_is_blanked_as_before():
    text = "<p>Great <b>talk</b> today</p>"
    assert prose(text, "html") == "   Great    talk     today    "
    assert lint_document(default_engine(), "t.html", text).findings == ()
    text = "<p>Great <b>talk</b> today, but my <em>boss</em> is an <i>idiot</i></p>"
    (f,) = lint_document(default_engine(), "t.html", text).findings
    assert (f.matched, f.col, f.start) == ("idiot", text.index("idiot") + 1, text.index("idiot"))


def _finding_lines(text: str) -> list[int]:
    return [f.line for f in lint_document(default_engine(), "t.md", text).findings]


def test_markdown_indented_code_is_skipped():
    text = (
        "    shit at the very start\n"
        "Intro, shit.\n\n"
        "    rm -rf shit\n"
        "    echo shit\n\n"  # a blank line inside the block does not end it
        "\tshit again\n"
        "After the code, shit.\n"
    )
    out = prose(text, "markdown")
    assert len(out) == len(text) and out.count("\n") == text.count("\n")
    assert _finding_lines(text) == [2, 8]


def test_markdown_indented_paragraph_continuation_is_linted():
    assert _finding_lines("A paragraph line\n    and its continuation, shit.\n") == [2]


def test_markdown_indented_list_item_content_is_linted():
    text = (
        "- an item\n\n    more of the item, shit.\n"
        "1. another\nlazy line\n\n    still the item, shit.\n\n"
        "A paragraph ends the list.\n\n    code again: shit\n"
    )
    assert _finding_lines(text) == [3, 7]


def test_markdown_fenced_code_is_still_skipped():
    text = "Text.\n\n```\nshit\n    shit\n```\n\n    shit\n\nWell, shit.\n"
    assert _finding_lines(text) == [10]
    # A fenced block cannot be continued, so an indented line right after it is code
    assert _finding_lines("Text.\n```\nok\n```\n    shit\nWell, shit.\n") == [6]


def test_detect_kind():
    assert detect_kind("a.md", "") == "markdown"
    assert detect_kind("a.HTML", "") == "html"
    assert detect_kind("a.txt", "<p>x</p>") == "text"
    assert detect_kind("-", "<!DOCTYPE html><p>x") == "html"
    assert detect_kind("-", "plain words") == "text"


def test_ignore_comment_covers_only_the_next_line():
    text = "<!-- selfwatch-ignore profanity -->\nwhat a shitshow\nanother shitshow\n"
    report = lint_document(default_engine(), "a.md", text)
    assert [f.line for f in report.findings if f.category == "profanity"] == [3]
    assert report.suppressed == 1


def test_disable_enable_by_rule_and_category():
    text = (
        "shit one\n<!-- selfwatch-disable profanity.obscene -->\nshit two\n"
        "<!-- selfwatch-enable profanity.obscene -->\nshit three\n"
        "<!-- selfwatch-disable -->\nshit four, my boss is an idiot\n"
    )
    report = lint_document(default_engine(), "a.txt", text)
    assert [f.line for f in report.findings] == [1, 5]


def test_ignore_for_other_rule_keeps_finding():
    text = "<!-- selfwatch-ignore employer -->\nwhat a shitshow\n"
    report = lint_document(default_engine(), "a.md", text)
    assert [f.category for f in report.findings] == ["profanity"]


def test_cli_text_output_and_exit_1(tmp_path):
    draft = tmp_path / "post.md"
    draft.write_text("Fine intro.\n\nMy boss is an idiot.\n", encoding="utf-8")
    result = run("lint", str(draft))
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert first.startswith(f"{draft}:3:")
    assert " warning employer.badmouthing: " in first
    assert "1 flagged" in result.output.splitlines()[-1]


def test_cli_clean_file_exits_0(tmp_path):
    draft = tmp_path / "post.txt"
    draft.write_text("Shipped the new search page today.\n", encoding="utf-8")
    result = run("lint", str(draft))
    assert result.exit_code == 0, result.output


def test_cli_fail_on_levels(tmp_path):
    draft = tmp_path / "p.txt"
    draft.write_text("well, shit\n", encoding="utf-8")
    assert run("lint", "--fail-on", "error", str(draft)).exit_code == 0
    assert run("lint", "--fail-on", "warning", str(draft)).exit_code == 1
    assert run("lint", "--fail-on", "never", str(draft)).exit_code == 0
    assert run("lint", "--fail-on", "loud", str(draft)).exit_code == 2


def test_cli_stdin_json():
    result = run("lint", "--format", "json", "-", input="@user shut up you idiot")
    assert result.exit_code == 1
    (report,) = json.loads(result.output)
    assert report["path"] == "-" and report["flagged"] is True and report["score"] >= 40
    f = report["findings"][0]
    assert set(f) >= {
        "rule",
        "category",
        "level",
        "line",
        "col",
        "start",
        "end",
        "message",
        "suggestion",
        "why",
    }
    assert f["category"] == "harassment"


def test_json_report_is_one_finding_a_line_and_the_whole_report():
    from selfwatch.output import finding_dict, json_report

    engine = default_engine()
    reports = [
        lint_document(engine, 'dir/"odd" name é.md', "You idiot @sam.\n\nWhat a shit day."),
        lint_document(engine, "clean.md", "Lovely walk by the river today."),
    ]
    out = json_report(reports)
    expected = [
        {
            "path": r.path,
            "score": r.score,
            "flagged": r.flagged,
            "suppressed": r.suppressed,
            "findings": [finding_dict(f) for f in r.findings],
        }
        for r in reports
    ]
    assert json.loads(out) == expected
    assert len(expected[0]["findings"]) >= 2 and expected[1]["findings"] == []
    # each finding is one line of the output, which stays readable (no \u escapes)
    lines = [ln.strip().rstrip(",") for ln in out.splitlines() if '"rule"' in ln]
    assert [json.loads(ln) for ln in lines] == expected[0]["findings"]
    assert "é" in out and "\\u" not in out
    assert json.loads(json_report([])) == []


def test_cli_explain_adds_why_and_suggestion():
    result = run("lint", "--explain", "-", input="my boss is an idiot")
    assert "    why: " in result.output and "    suggestion: " in result.output


def test_cli_missing_file_is_usage_error():
    result = run("lint", "does-not-exist.md")
    assert result.exit_code == 2
    assert "Error: does-not-exist.md: cannot read" in result.output


def test_cli_profile_and_lint_defaults_from_config(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(
        '[lint]\nfail_on = "error"\nformat = "json"\nprofile = "jane"\n\n'
        '[[profiles]]\nkey = "jane"\nname = "Jane Doe"\nconfidential_terms = ["Bluebird"]\n',
        encoding="utf-8",
    )
    result = run("--config", str(config), "lint", "-", input="Bluebird ships in May")
    assert result.exit_code == 1, result.output
    (report,) = json.loads(result.output)
    assert [f["rule"] for f in report["findings"]] == ["confidential.codename"]
    # warning-level findings do not fail when the config says fail_on = "error"
    assert run("--config", str(config), "lint", "-", input="well shit").exit_code == 0


def test_cli_unknown_profile(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[[profiles]]\nkey = "jane"\nname = "Jane Doe"\n', encoding="utf-8")
    result = run("--config", str(config), "lint", "--profile", "jnae", "-", input="hi")
    assert result.exit_code == 2
    assert "no profile named 'jnae' (did you mean 'jane'?)" in result.output


def test_terminal_output_escapes_control_characters():
    result = run("lint", "-", input="shit \x1b[31mred\x1b[0m")
    assert "\x1b" not in result.output


def test_bundled_example_draft_flags(tmp_path):
    result = run("lint", str(ROOT / "examples" / "draft.md"))
    assert result.exit_code == 1
    rules = {
        line.split()[2].rstrip(":") for line in result.output.splitlines()[:-1] if ": " in line
    }
    assert {"employer.badmouthing", "confidential.marker", "personal_data.phone"} <= rules


# selfwatch.posts: the watch cycle's values, which lint never needs (each costs ~1 ms to define);
# html: only Markdown, HTML and texts with an '&' need entities decoded; _hashlib: OpenSSL's
# start-up, which the cache key does without
@pytest.mark.parametrize(
    "module", ["httpx", "feedparser", "jinja2", "selfwatch.posts", "html", "_hashlib"]
)
def test_lint_path_does_not_import_heavy_modules(module, tmp_path):
    draft = tmp_path / "d.txt"
    draft.write_text("my boss is an idiot", encoding="utf-8")
    code = (
        "import sys\nfrom selfwatch.cli import cli\n"
        f"try:\n    cli(['lint', {str(draft)!r}])\nexcept SystemExit:\n    pass\n"
        f"print({module!r} in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_plain_text_compiles_none_of_the_markup_patterns(tmp_path):
    draft = tmp_path / "d.txt"
    draft.write_text("my boss is an idiot <b>really</b>", encoding="utf-8")
    page = tmp_path / "d.md"
    page.write_text("my boss is an `idiot` <b>really</b>", encoding="utf-8")
    code = (
        "from selfwatch.cli import cli\nfrom selfwatch import lint\n"
        f"for path in {[str(draft), str(page)]!r}:\n"
        "    try:\n        cli(['lint', path])\n    except SystemExit:\n        pass\n"
        "    print('compiled', lint._rx.cache_info().currsize)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    counts = [line for line in out.stdout.splitlines() if line.startswith("compiled")]
    assert counts[0] == "compiled 0"
    assert int(counts[1].split()[1]) > 5
