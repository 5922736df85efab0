"""A finding states its reason: a target bound in its clause, a stance, who wrote it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from selfwatch import lint_text
from selfwatch.checklist import default_engine, load_builtin, parse_files
from selfwatch.checklist.context import ENGINE_CONCEPTS, TARGET_CONCEPTS
from selfwatch.checklist.engine import LEARNED
from selfwatch.cli import cli
from selfwatch.errors import ChecklistError
from selfwatch.model import Finding, Level

RULES = Path(__file__).resolve().parent.parent / "src" / "selfwatch" / "checklist" / "rules"


def risks(text: str, category: str, **kwargs: str) -> list[Finding]:
    """Return the findings of ``category`` at warning or above."""
    found = lint_text(text, **kwargs).findings  # type: ignore[arg-type]
    return [f for f in found if f.category == category and f.level >= Level.WARNING]


def test_an_insult_needs_a_person_it_is_aimed_at() -> None:
    (insult,) = risks("@dana it's June you idiot", "harassment")
    assert insult.target == "you" and "aimed at second person 'you'" in insult.why
    # the author calling themself names, or a thing, is no harassment
    assert risks("@dana I thought I was so stupid, could not find it", "harassment") == []
    assert risks("Stupid printer jammed again", "harassment") == []
    assert risks("thank you one week bot", "harassment") == []


def test_commas_that_list_words_do_not_cut_the_insult_from_its_target() -> None:
    found = risks("you're a broke, lying, pathetic mama's boy", "harassment")
    assert [f.target for f in found] == ["you're"]
    assert risks("Yes, I was stupid, but you were kind", "harassment") == []


def test_hate_needs_a_protected_group_as_target() -> None:
    (hate,) = risks("I despise gay people", "hate")
    assert hate.target == "gay people" and hate.level == Level.ERROR
    assert risks("I despise tax collectors", "hate") == []  # a profession is no protected group
    assert risks("I hate this printer", "hate") == []
    assert risks("My lesbian aunt bakes the best pie in town", "hate") == []


def test_a_pronoun_points_back_at_the_group_named_before_it() -> None:
    (hate,) = risks("I have met many refugees. They are all parasites", "hate")
    assert hate.target == "refugees" and "via 'They'" in hate.why
    (later,) = risks("Look at these women. They are worthless.", "hate")
    assert later.target == "women"


def test_a_group_said_of_someone_before_and_then_a_clause_is_the_pronouns_antecedent() -> None:
    (hate,) = risks("My new neighbours are gay and they make me want to vomit.", "hate")
    assert hate.target == "gay"
    # "Being trans and ..." describes the writer: no one named before is said to be trans
    assert risks("Being trans and having an Xbox account SUCKS.", "hate") == []
    # a nationality names a group only with a person noun after it
    (smell,) = risks("I can smell the Indian guy from three desks away.", "hate")
    assert smell.target == "Indian guy"
    assert risks("I can smell the Indian restaurant from three streets away.", "hate") == []


def test_patterns_read_a_disguised_word_decoded_in_place() -> None:
    (threat,) = risks("imm1gr4nts should be dr0wned", "hate")
    assert threat.rule == "hate.threat_normative" and threat.matched == "should be dr0wned"
    # numbers are no disguise: "100" is not read as "loo"
    assert risks("Ran 100 laps of the track in 2 hours", "substance") == []


def test_an_exception_word_is_read_as_itself_or_its_plural_not_as_a_verb() -> None:
    # screen_fiction's "book" excuses a line from a book, not a table booked
    (punish,) = risks(
        "I booked a table, and honestly socialists should be thrown in camps", "politics"
    )
    assert punish.rule == "politics.punishment"
    assert risks("Two books say socialists should be thrown in camps", "politics") == []


def test_negation_quotes_and_counter_speech_are_not_the_claim() -> None:
    assert risks("Trans people are not disgusting", "hate") == []
    assert risks("I don't find disabled people gross at all", "hate") == []
    assert risks("Immigrants are not vermin, they're people.", "hate") == []
    assert risks("Calling Black people animals is racist", "hate") == []
    # ...but a negated good word is the claim itself
    (worth,) = risks("Gay people are not worth anything", "hate")
    assert worth.rule == "hate.negated_worth" and "negated by 'not'" in worth.why


def test_threats_to_whoever_of_a_group_and_rhetorical_questions() -> None:
    assert risks("any immigrant who sets foot on my land is getting shot", "hate")
    assert risks("The refugees are getting killed at sea", "hate") == []
    assert risks("I'm going to make every disabled person in this town regret it", "hate")
    assert risks("I'm going to make women feel safe at work", "hate") == []
    assert [f.stance for f in risks("Aren't gay people just perverts?", "hate")] == ["asked"]
    assert risks("Aren't gay people just the best?", "hate") == []


def test_a_question_is_still_hate_and_says_it_was_asked() -> None:
    (hate,) = risks("Why are women so stupid?", "hate")
    assert hate.stance == "asked"


def test_a_feeling_is_hate_only_when_the_group_is_what_is_felt_about() -> None:
    assert risks("I despise gay people", "hate")
    assert risks("Gay people fill me with revulsion.", "hate")
    assert (
        risks('When people say "Jews are greedy", they are repeating centuries-old hate.', "hate")
        == []
    )
    assert risks("Women have faced hate online for years", "hate") == []


def test_threats_need_the_group_as_their_object() -> None:
    assert risks("I am going to make those gay people suffer", "hate")
    assert risks("Refugees suffer in overcrowded camps", "hate") == []
    assert risks("You think they are being murdered like Jews were?", "hate") == []
    assert risks("Trying to beat the egg whites by hand", "hate") == []


def test_run_together_and_spaced_out_words_are_read() -> None:
    assert risks("immigrantsarevermin", "hate")
    assert risks("honestly #killallmuslims", "hate")
    assert risks("transpeoplearementallyill", "hate")  # the second word of "mentally ill"
    assert risks("u r a liar", "harassment")  # three letters are words too, not "ura"
    assert risks("Blackpeople are all criminals.", "hate")  # a group's name run together
    assert risks("I love blackpeople", "hate") == []
    assert risks("i d e s p i s e jews", "hate")
    assert lint_text("Blackmail is a crime and so is extortion").findings == ()


def test_slur_homonyms_and_quoted_slurs() -> None:
    assert risks("Throw another faggot of wood on the fire, it's cold", "hate") == []
    assert risks("When the river dyke gave way, the polder flooded", "hate") == []
    assert risks("There's a chink in the fence where the light gets through", "hate") == []
    assert risks("The coon hunters headed out with their dogs at dusk", "hate") == []
    assert risks("i dont have a car you retard", "hate")  # a car is no ignition timing
    quoted = [f for f in lint_text('He shouted "faggot" at me').findings if f.category == "hate"]
    assert [(f.level, f.stance) for f in quoted] == [(Level.INFO, "quoted")]


def test_a_repost_is_the_authors_own_words_not_a_quote() -> None:
    # The old-style retweet ('"@name: ...') and a post opening with a quotation after emoji,
    # entities or "RT @name:" republish the words; a quotation inside a sentence reports them.
    for text in (
        '"@bob: these niggers ruin everything"',
        '&#128514;&#128514; "@bob: these niggers ruin everything" lmao',
        'RT @amy: "these niggers ruin everything"',
    ):
        assert [(f.level, f.stance) for f in risks(text, "hate")] == [(Level.ERROR, "asserted")]
    quoted = lint_text('He yelled "these niggers ruin everything" and left').findings
    assert [f.stance for f in quoted if f.category == "hate"] == ["quoted"]
    # ... but an opening quotation the post goes on to answer is a quote
    answered = '"Disabled people are a burden" is exactly the kind of ugly lie we need to fight.'
    assert risks(answered, "hate") == []
    assert risks('"these niggers ruin everything" lmao', "hate")


def test_spelling_variants_of_a_slur_are_slurs_and_in_group_use_is_not_hate() -> None:
    assert risks("he still acts like a nig", "hate")
    assert risks("fuck them niccas", "hate")
    assert risks("my nicca we made it", "hate") == []
    assert risks("shoutout to my niccas", "profanity")


def test_mild_swearing_is_info_and_never_flags_alone() -> None:
    for text in ("damn, the build broke again", "hell yeah we shipped it", "wtf is this error"):
        verdict = lint_text(text)
        assert verdict.findings and not verdict.flagged
        assert {f.level for f in verdict.findings} == {Level.INFO}
    assert lint_text("this build is fucking broken").flagged


def test_one_finding_per_reason_per_sentence_with_every_span() -> None:
    text = "Fuck this, fuck that. Fuck it all."
    found = [f for f in lint_text(text).findings if f.rule == "profanity.obscene"]
    assert [f.words for f in found] == [("Fuck", "fuck"), ("Fuck",)]
    assert [text[a:b] for a, b in found[0].spans] == ["Fuck", "fuck"]


def test_disguises_are_never_read_into_words_or_acronyms() -> None:
    assert lint_text("Netflix loses hundreds of titles via @variety").findings == ()
    assert lint_text("TTS support landed in the app today").findings == ()
    assert risks("@sam fcuk you", "profanity")  # a real disguise still counts


def test_posts_by_others_raise_what_is_done_to_the_person() -> None:
    rant = "My boss is a clown and our Q3 numbers are not public yet"
    assert {f.category for f in risks(rant, "employer")} == {"employer"}
    assert lint_text(rant, author="other").findings == ()
    (phone,) = risks("Call Jane at 503-555-0142", "personal_data", author="other")
    assert "remove" in phone.suggestion
    (mine,) = risks("Call me at 503-555-0142", "personal_data")
    assert "remove" not in mine.suggestion


def test_explain_prints_target_and_stance(tmp_path: Path) -> None:
    draft = tmp_path / "d.txt"
    draft.write_text("@dana it's June you idiot\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["lint", "--explain", str(draft)])
    assert "    target: you" in result.output
    assert "    stance: asserted" in result.output


def test_rule_files_reject_unknown_targets_and_require_without_terms() -> None:
    text = """
[[rules]]
id = "x.y"
category = "hate"
message = "m"
suggestion = "s"
target = ["planet"]
negation = "require"
patterns = ["zzz"]
examples.flag = ["zzz"]
examples.pass = ["a"]
"""
    with pytest.raises(ChecklistError) as err:
        parse_files([("mine.toml", text)])
    assert "target: unknown kind 'planet'" in str(err.value)
    assert "negation: 'require' needs terms" in str(err.value)


def _files() -> list[tuple[Path, dict[str, object]]]:
    return [(p, tomllib.loads(p.read_text(encoding="utf-8"))) for p in sorted(RULES.glob("*.toml"))]


def test_every_word_list_is_used() -> None:
    checklist = load_builtin()
    used = {
        c
        for r in checklist.rules
        for c in (*r.requires, *r.requires_any, *r.requires_near, *r.unless, *r.unless_near)
    }
    # read by the engine itself, not named by a rule
    used |= ENGINE_CONCEPTS | {"not_disguise"}
    used |= {"compound_glue", "employer_generic", *TARGET_CONCEPTS}
    # A sense_<word> list is read for <word>, which must be a rule's term
    terms = {t for r in checklist.rules for t in r.terms}
    used |= {c for c in checklist.concepts if c.startswith("sense_") and c[6:] in terms}
    unused = sorted(set(checklist.concepts) - used)
    assert unused == [], f"word lists no rule or engine step reads: {unused}"


def test_no_term_is_listed_twice() -> None:
    for path, doc in _files():
        concepts = doc.get("concepts", {})
        assert isinstance(concepts, dict)
        lists = [(f"concepts.{k}", v) for k, v in concepts.items()]
        rules = doc.get("rules", [])
        assert isinstance(rules, list)
        lists += [(f"{r['id']}.terms", r.get("terms", [])) for r in rules]
        for name, values in lists:
            twice = sorted({v for v in values if values.count(v) > 1})
            assert not twice, f"{path.name}: {name} lists {twice} twice"


def test_each_rule_lives_in_the_file_its_id_names() -> None:
    for path, doc in _files():
        rules = doc.get("rules", [])
        assert isinstance(rules, list)
        for rule in rules:
            assert rule["id"].split(".")[0] == path.stem, f"{rule['id']} is in {path.name}"


@pytest.mark.parametrize(
    "text",
    [
        "I just got laid off, so I am open to new roles",
        "The archive is made up of chunks of 4 KB each",
        "I used a prompt to generate fake data for the integration tests",
        "I am less plugged into the music scene than I used to be",
        'Our test phrase for the voice demo is "Don\'t tell anyone"',
        "Insider sells 1,500 shares of Acme Corp",
        "I blocked you, not because I think you're a fascist sympathizer, but for the spam",
        "Apple hates interop, as usual",
        "My aunt is a lesbian and she bakes the best pie in the family",
        "Drivers are three times more likely to crash while texting",
        "TTS support finally landed in the app",
    ],
)
def test_the_false_alarms_found_on_real_archives_stay_quiet(text: str) -> None:
    # Paraphrases of what the independent evaluation (issue 9) found flagged on real archives
    flagged = [f for f in lint_text(text).findings if f.is_risk and f.level >= Level.WARNING]
    assert flagged == [], [(f.rule, f.matched) for f in flagged]


HOUSE_RULES = """
version = "1"
[[rules]]
id = "house.crypto_shill"
category = "employer"
level = "warning"
terms = ["to the moon", "wagmi"]
message = "Crypto shilling reads as poor judgment to our screeners."
suggestion = "Keep investment hype off your public feed."
examples.flag = ["wagmi, this coin goes to the moon"]
examples.pass = ["We went to see the moon landing museum"]
"""


def test_rule_files_from_a_folder_named_in_the_config(tmp_path: Path) -> None:
    (tmp_path / "house").mkdir()
    (tmp_path / "house" / "house.toml").write_text(HOUSE_RULES, encoding="utf-8")
    config = tmp_path / "selfwatch.toml"
    config.write_text('[checklist]\nrule_dirs = ["house"]\n', encoding="utf-8")
    runner = CliRunner(env={"SELFWATCH_CACHE": str(tmp_path / "cache")})
    args = ["--config", str(config), "lint", "-"]
    result = runner.invoke(cli, args, input="wagmi, this coin goes to the moon\n")
    assert result.exit_code == 1 and "house.crypto_shill" in result.output
    # a broken file names itself; a missing folder names the key
    (tmp_path / "house" / "zz.toml").write_text("bad = [\n", encoding="utf-8")
    default_engine.cache_clear()  # a new process would build it afresh
    broken = runner.invoke(cli, args, input="hi\n")
    assert broken.exit_code == 2 and f"Error: {tmp_path / 'house' / 'zz.toml'}: not valid TOML" in (
        broken.output
    )
    config.write_text('[checklist]\nrule_dirs = ["nope"]\n', encoding="utf-8")
    missing = runner.invoke(cli, args, input="hi\n")
    assert f"checklist.rule_dirs[0]: not a folder: {tmp_path / 'nope'}" in missing.output


def test_a_place_meant_to_be_found_and_a_role_account_are_not_personal_data() -> None:
    assert risks("Our clinic has moved to 1200 Riverside Ave, Suite 4.", "personal_data") == []
    assert risks("Tickets: email events@example.com", "personal_data") == []
    assert risks("Party at my place, 742 Evergreen Terrace, bring snacks", "personal_data")
    assert risks("email me at sam.lee1990@gmail.com", "personal_data")


def test_single_quote_marks_are_found_once_a_text(monkeypatch) -> None:
    # A 1 MB draft without line breaks once made each finding read to the end of the text;
    # the marks are found in one pass, and each finding looks only at those near it
    from selfwatch.checklist import context

    searches: list[tuple[int, ...]] = []
    real = context._SINGLE

    class Recording:
        def finditer(self, text: str, *bounds: int):  # type: ignore[no-untyped-def]
            searches.append(bounds)
            return real.finditer(text, *bounds)

    monkeypatch.setattr(context, "_SINGLE", Recording())
    text = "My boss is a clown and the 'team' is great. " * 4000  # 176 KB, one line
    assert len(default_engine(None).lint(text).findings) > 1000
    assert searches == [()]


REQUIRES_NEAR = """
version = "t"
[concepts]
chore = ["timesheet"]
[[rules]]
id = "employer.unnoticed"
category = "employer"
level = "warning"
terms = ["nobody noticed"]
requires_near = ["chore"]
message = "m"
suggestion = "s"
examples.flag = ["Faked my timesheet. Nobody noticed."]
examples.pass = ["Dyed my hair. Nobody noticed."]
"""


def test_requires_near_reads_the_next_sentence_but_not_further() -> None:
    from selfwatch.checklist.context import Context
    from selfwatch.checklist.engine import Engine, _missing
    from selfwatch.checklist.tokens import tokenize

    engine = Engine(parse_files([("near.toml", REQUIRES_NEAR)]))
    engine.support = None

    def rules(text: str) -> list[str]:
        return [f.rule for f in engine.lint(text).findings]

    assert rules("Faked my timesheet. Nobody noticed.") == ["employer.unnoticed"]
    assert rules("Faked my timesheet. Went home. Nobody noticed.") == []
    # What is missing is named as the support model's vouching prints it
    text = "Dyed my hair. Nobody noticed."
    tokens = tokenize(text)
    hits = engine.scan(tokens)
    hit = next(h for h in hits if h.owner == "employer.unnoticed")
    rule = engine.rules["employer.unnoticed"]
    missing = _missing(rule, engine._from_hit(rule, hit), Context(text, tokens, engine.scan), [])
    assert missing == "'chore' nearby"


def test_a_topic_noted_at_info_never_hides_a_warning_of_its_category() -> None:
    # "religious" is a topic word (info); the contempt said of religious people is a warning,
    # and where a learned vouching and a rule's own evidence overlap, the rule's is kept
    findings = lint_text("religious ppl r literally delusional & shouldnt be allowed to raise kids")
    religion = [f for f in findings.findings if f.category == "religion"]
    assert [f.level for f in religion] == [Level.INFO, Level.WARNING]
    assert religion[1].rule == "religion.contempt"
    assert LEARNED not in religion[1].why


DERIVED = """
version = "t"
[concepts]
boss_word = ["boss"]
sense_clown = ["circus", "juggling"]
[[rules]]
id = "profanity.rant"
category = "profanity"
terms = ["clown"]
message = "m"
suggestion = "s"
examples.flag = ["what a clown"]
examples.pass = ["what a day"]
[[rules]]
id = "employer.rant"
category = "employer"
derives = "profanity"
requires_any = ["boss_word"]
message = "m"
suggestion = "s"
examples.flag = ["my boss is a clown"]
examples.pass = ["what a clown"]
"""


def test_a_derived_rule_reads_another_reasons_findings_by_its_own_context() -> None:
    from selfwatch.checklist.engine import Engine

    engine = Engine(parse_files([("derived.toml", DERIVED)]))
    engine.support = None

    def rules(text: str) -> list[str]:
        return sorted(f.rule for f in engine.lint(text).findings)

    assert rules("my boss is a clown") == ["employer.rant", "profanity.rant"]
    assert rules("what a clown") == ["profanity.rant"]
    # The other sense of a word, from a user's own sense_<word> list: no finding to derive from
    assert rules("my boss hired a clown for the circus party") == []
    assert rules("my boss hired a clown for the party") == ["employer.rant", "profanity.rant"]


@pytest.mark.parametrize("derives", ["employer", "praise", "gossip"])
def test_derives_names_another_risk_category(derives: str) -> None:
    text = DERIVED.replace('derives = "profanity"', f'derives = "{derives}"')
    with pytest.raises(ChecklistError, match=r"rules\[1\].derives: must be another risk category"):
        parse_files([("derived.toml", text)])


def test_a_phrase_never_runs_across_a_comma_colon_bracket_or_dash() -> None:
    # "bomb the" is a threat's phrase; "the bomb, the sound" only puts its words side by side
    assert risks("My new mixing desk is the bomb, the sound is crisp.", "violence") == []
    assert risks("The demo was the bomb - the crowd loved it.", "violence") == []
    assert risks("I'm going to bomb the office tomorrow.", "violence")
    assert risks("I'm going to bomb the office, tomorrow.", "violence")


def test_words_reported_and_then_condemned_are_counter_speech() -> None:
    reported = "A man on the bus called immigrants vermin last night."
    assert risks(reported, "hate")  # reported alone is not judged: still the words
    assert risks(reported + " That language is unacceptable.", "hate") == []
    assert risks("Disgusting. " + reported, "hate") == []
    shouted = "Someone shouted go back to your country at my colleague today."
    (found,) = [
        f for f in lint_text(shouted + " Absolutely disgusting.").findings if f.category == "hate"
    ]
    assert found.level == Level.INFO and found.stance == "counter"
    # the hateful words themselves are no judgement of what is reported
    assert risks("A man on the bus called immigrants disgusting vermin last night.", "hate")
    assert risks("Immigrants are vermin. Disgusting.", "hate")


def test_a_bodily_attack_is_no_violence_and_a_firms_number_no_private_data() -> None:
    assert (
        risks("The nurse who cared for my dad after his heart attack deserves a medal.", "violence")
        == []
    )
    assert risks("The guy who attacked the mosque deserves a medal.", "violence")
    firm = (
        "If you're looking for a plumber, Brookside Heating were brilliant, "
        "their number is (555) 612-7730."
    )
    assert risks(firm, "personal_data") == []
    assert risks("My neighbours are awful, their number is (555) 612-7730.", "personal_data")
    notice = (
        "For deliveries, please use our warehouse address: Unit 4, Riverside Estate. "
        "Phone (555) 300-1188."
    )
    assert risks(notice, "personal_data") == []
    assert (
        risks(
            "Our registered office is 22 Chancery Lane, London. Company number 09876543.",
            "personal_data",
        )
        == []
    )


SCOPED = """
version = 1
[concepts]
record = ["figures", "hours", "timesheet"]

[[rules]]
id = "employer.cooked"
category = "employer"
terms = ["cooked"]
requires_any = ["record"]
requires_scope = "clause"
message = "m"
suggestion = "s"
examples.flag = ["cooked the figures"]
examples.pass = ["cooked a stew"]
"""


def test_requires_scope_clause_wants_the_co_evidence_in_the_words_own_clause() -> None:
    from selfwatch.checklist.engine import Engine

    def rules(toml: str, text: str) -> list[str]:
        engine = Engine(parse_files([("scoped.toml", toml)]))
        engine.support = None
        return [f.rule for f in engine.lint(text).findings]

    assert rules(SCOPED, "I cooked the figures for the audit") == ["employer.cooked"]
    assert rules(SCOPED, "Smoked it for twelve hours, best thing I've ever cooked") == []
    sentence = SCOPED.replace('requires_scope = "clause"\n', "")
    assert rules(sentence, "Smoked it for twelve hours, best thing I've ever cooked") == [
        "employer.cooked"
    ]
    with pytest.raises(ChecklistError, match=r"requires_scope: must be one of sentence, clause"):
        parse_files([("scoped.toml", SCOPED.replace('= "clause"', '= "paragraph"'))])


def test_pride_named_in_a_sentence_does_not_reclaim_a_slur_aimed_at_others() -> None:
    hateful = "those f*ggots at the pride parade should be rounded up and thrown in jail"
    assert risks(hateful, "hate")
    assert risks("So proud of my kid marching at Pride with the dykes on bikes crew", "hate") == []


def test_an_adjective_that_describes_speech_judges_the_speech_not_a_person() -> None:
    slur = "Someone shouted a racist slur at my colleague at the bus stop today. We reported it."
    assert risks(slur, "employer") == []
    joke = 'If someone tells a racist joke at dinner, "I don\'t get it, can you explain?" works.'
    assert risks(joke, "harassment") == []
    assert (
        risks("Ten years married today. Still laugh at his awful jokes. Love you.", "harassment")
        == []
    )
    # said of the person, it is still name-calling
    assert risks("you're a racist", "harassment")
    assert risks("she is an awful person", "harassment")
    assert risks("my boss is a sexist dinosaur", "employer")


def test_words_said_of_a_things_subject_are_not_aimed_at_a_handle_after_them() -> None:
    game = "That headshot from across the map was disgusting 😂 well played @pixelfox_gg"
    assert risks(game, "harassment") == []
    assert risks("what an idiot you are", "harassment")
    assert risks("The guy in the red car was a total idiot @bob", "harassment")


def test_careless_work_someone_else_did_is_no_admission() -> None:
    assert (
        risks("The build is dead again, someone merged without running the linter", "employer")
        == []
    )
    assert risks("my colleague pushed to prod without testing", "employer") == []
    assert risks("I just merged it without testing lol", "employer")
    assert risks("pushed to prod without testing again, yolo", "employer")


def test_a_secret_the_writer_says_they_keep_is_no_disclosure() -> None:
    kept = "I'm under NDA so I can't say which game I'm working on, but I'm loving it."
    assert risks(kept, "confidential") == []
    assert (
        risks("I have news I'm bursting to share but it's embargoed till Tuesday.", "confidential")
        == []
    )
    assert risks("Under NDA but the new console has 32GB of RAM and ships in March", "confidential")


def test_who_after_the_writer_keeps_the_careless_work_theirs() -> None:
    assert risks("I'm the idiot who pushed to prod without testing", "employer")
    assert risks("I was the one who merged without even looking at it lol", "employer")
