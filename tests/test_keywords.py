"""config/keywords.yml: the shipped vocabulary and the errors a broken file produces."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from monitor.text import KeywordMatcher, KeywordsConfig, KeywordsError, load_keywords
from monitor.text.patterns import term_key

KEYWORDS_FILE = Path(__file__).resolve().parent.parent / "config" / "keywords.yml"

MINIMAL = """\
version: "test.1"
topics:
  sidalih: {label_id: "Sidalih", label_en: "Voter roll", terms: [dpt, "cek dpt"]}
  sirekap: {label_id: "Sirekap", label_en: "Recap", terms: [sirekap, "si rekap"]}
  procedure: {label_id: "Prosedur", label_en: "Procedure", terms: [tps]}
  institutions: {label_id: "Lembaga", label_en: "Bodies", terms: [kpu]}
  general: {label_id: "Umum", label_en: "General", terms: [pemilu]}
candidates:
  "01": {label: "A", names: [alfa], numbers: ["01", "1"]}
  "02": {label: "B", names: [bravo], numbers: ["02", "2"]}
number_context:
  strong: [paslon]
off_topic: [pilkades]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "keywords.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


# --------------------------------------------------------------------------------------------- shipped file


@pytest.fixture(scope="module")
def shipped() -> KeywordsConfig:
    return load_keywords(KEYWORDS_FILE)


def test_shipped_file_loads(shipped: KeywordsConfig) -> None:
    assert shipped.version == "2024.4"
    assert set(shipped.candidates) == {"01", "02", "03"}
    assert [key for key, _topic in shipped.topics.items()] == [
        "sidalih",
        "sirekap",
        "procedure",
        "institutions",
        "general",
    ]
    assert shipped.topics.sidalih.label_id and shipped.topics.sidalih.label_en


@pytest.mark.parametrize(
    ("topic", "required"),
    [
        (
            "sidalih",
            [
                "sidalih",
                "cek dpt",
                "cekdptonline",
                "lindungi hakmu",
                "dpt",
                "dptb",
                "dpk",
                "pantarlih",
                "coklit",
            ],
        ),
        ("sidalih", ["daftar pemilih", "pindah memilih"]),
        ("sirekap", ["sirekap", "si rekap", "situng", "rekapitulasi", "c1", "c hasil", "plano"]),
        ("sirekap", ["real count", "quick count"]),
        ("procedure", ["tps", "kpps", "surat suara", "tinta", "kotak suara", "coblos", "pemungutan suara"]),
        ("procedure", ["penghitungan suara"]),
        ("institutions", ["kpu", "bawaslu", "dkpp", "ppk", "pps", "panwascam"]),
        ("general", ["pemilu", "pilpres", "pileg", "caleg", "capres", "cawapres", "#pemilu2024"]),
    ],
)
def test_shipped_file_covers_the_required_vocabulary(
    shipped: KeywordsConfig, topic: str, required: list[str]
) -> None:
    keys = {term_key(t) for t in getattr(shipped.topics, topic).terms}
    missing = [t for t in required if term_key(t) not in keys]
    assert not missing


def test_candidate_lists_are_balanced(shipped: KeywordsConfig) -> None:
    """Neutrality: every pair is described with comparable breadth, field by field and in total."""
    for field in ("names", "nicknames", "numbers", "slogans", "coalition"):
        sizes = [len(getattr(c, field)) for c in shipped.candidates.values()]
        assert max(sizes) - min(sizes) <= 1, (field, sizes)
        assert min(sizes) >= 3, (field, sizes)
    totals = [len(c.reference_terms()) for c in shipped.candidates.values()]
    assert max(totals) - min(totals) <= 2, totals


def test_candidate_numbers_follow_the_ballot(shipped: KeywordsConfig) -> None:
    for key, cand in shipped.candidates.items():
        assert cand.numbers[0] == key
        assert str(int(key)) in cand.numbers


def test_no_shipped_term_is_swallowed_by_normalisation(shipped: KeywordsConfig) -> None:
    """Every term must still be findable after the post text is normalised (slang, elongation)."""
    matcher = KeywordMatcher(shipped)
    ambiguous = {term_key(t) for t in shipped.ambiguous}
    for _key, topic in shipped.topics.items():
        for term in topic.terms:
            if term_key(term) in ambiguous:  # chat abbreviations count only with a confirming word
                rule = shipped.ambiguous[term]
                assert not matcher.match(f"ini {term} ya").relevant, term
                assert matcher.match(f"ini {rule.before[0]} {term} ya").relevant, term
                assert matcher.match(f"ini {term} {rule.after[0]} ya").relevant, term
            else:
                assert matcher.match(f"ini {term} ya").relevant, term
    for term in shipped.regional_terms:
        assert matcher.match(f"ini {term} ya").relevant, term
    for cand_key, cand in shipped.candidates.items():
        for field, term in cand.reference_terms():
            rel = matcher.match(f"kata {term} tadi")
            assert cand_key in rel.candidates, (field, term, rel)


# --------------------------------------------------------------------------------------------- errors


def test_minimal_file_loads_and_matches(tmp_path: Path) -> None:
    matcher = KeywordMatcher.from_file(write(tmp_path, MINIMAL))
    rel = matcher.match("si-rekap dan paslon 2 bravo")
    assert rel.terms == ("02", "bravo", "sirekap")
    assert rel.topics == ("sirekap", "candidate:02")


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    broken = MINIMAL.replace(
        '  procedure: {label_id: "Prosedur"', '  procedure: {label_id: "Prosedur"\n   : ['
    )
    path = write(tmp_path, broken)
    with pytest.raises(KeywordsError) as info:
        load_keywords(path)
    message = str(info.value)
    assert str(path) in message
    assert "invalid YAML" in message
    assert f"line {line_of(broken, '   : [')}: invalid YAML" in message


def test_wrong_term_names_key_path_and_line(tmp_path: Path) -> None:
    block_style = (
        "  sidalih:\n"
        '    label_id: "Sidalih"\n'
        '    label_en: "Voter roll"\n'
        "    terms:\n"
        "      - dpt\n"
        '      - "cek dpt"\n'
        "      - coklit\n"
        "      - 42\n"
    )
    text = MINIMAL.replace(
        '  sidalih: {label_id: "Sidalih", label_en: "Voter roll", terms: [dpt, "cek dpt"]}\n', block_style
    )
    assert "- 42" in text
    path = write(tmp_path, text)
    with pytest.raises(KeywordsError) as info:
        load_keywords(path)
    message = str(info.value)
    assert f"{path}, line {line_of(text, '- 42')}: topics.sidalih.terms[3]: expected text, got 42" in message
    assert info.value.problems[0][0] == "topics.sidalih.terms[3]"


def test_term_without_letters_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("terms: [tps]", 'terms: [tps, "--"]'))
    with pytest.raises(
        KeywordsError, match=r"topics\.procedure\.terms\[1\]: expected a term with at least one letter"
    ):
        load_keywords(path)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("  general: {", "  generel: {"),
            "topics.generel: unknown key (expected one of: sidalih, sirekap, procedure, institutions",
        ),
        (("  general: {", "  generel: {"), "topics.general: required key is missing"),
        (('version: "test.1"', "version: 2024.1"), "version: expected text, got 2024.1"),
        (
            ('names: [alfa], numbers: ["01", "1"]', 'names: [], numbers: ["01", "1"]'),
            "candidates.01.names: expected at least one entry",
        ),
        (("number_context:\n  strong: [paslon]\n", ""), "number_context: required key is missing"),
        (
            ('numbers: ["02", "2"]', 'numbers: ["02", "1"]'),
            "candidates.02.numbers[1]: number '1' is already listed for candidate 01",
        ),
        (
            ("names: [bravo]", "names: [bravo, alfa]"),
            "candidates.02.names[1]: term 'alfa' is already listed for candidate 01",
        ),
        (('"02": {label: "B"', '"2x": {label: "B"'), 'candidates.2x: expected a two-digit key such as "01"'),
        (("off_topic: [pilkades]", "off_topic: pilkades"), "off_topic: expected a list, got 'pilkades'"),
        (
            ("off_topic: [pilkades]", "off_topic: [pilkades]\nabroad: {countries: [kamboja]}"),
            "abroad.context: countries need context words",
        ),
        (
            ("off_topic: [pilkades]", "off_topic: [pilkades]\nabroad: {leaders: [trump, '--']}"),
            "abroad.leaders[1]: expected a term with at least one letter or digit",
        ),
        (
            ('numbers: ["01", "1"]', 'numbers: ["01", "1.5"]'),
            "candidates.01.numbers[1]: expected a number such as",
        ),
        (
            ("off_topic: [pilkades]", "off_topic: [pilkades]\nplaces: [sekadau, '...']"),
            "places[1]: expected a term with at least one letter or digit",
        ),
        (("off_topic: [pilkades]", "off_topic: [pilkades]\nplaces: sekadau"), "places: expected a list"),
    ],
)
def test_invalid_content_names_file_and_key(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    old, new = change
    assert old in MINIMAL
    path = write(tmp_path, MINIMAL.replace(old, new))
    with pytest.raises(KeywordsError) as info:
        load_keywords(path)
    message = str(info.value)
    assert expected in message
    assert message.startswith(str(path))
    assert isinstance(info.value, ValueError)


def test_unquoted_candidate_key_is_explained(tmp_path: Path) -> None:
    text = MINIMAL.replace('  "01": {label: "A"', '  01: {label: "A"')
    path = write(tmp_path, text)
    with pytest.raises(KeywordsError) as info:
        load_keywords(path)
    message = str(info.value)
    assert "candidates.1" in message and 'quoted two-digit key such as "01"' in message
    assert f"line {line_of(text, 'candidates:')}" in message or f"line {line_of(text, '01: {')}" in message


def test_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    text = MINIMAL.replace("off_topic: [pilkades]", 'off_topic: [pilkades]\nversion: "again"')
    path = write(tmp_path, text)
    with pytest.raises(KeywordsError) as info:
        load_keywords(path)
    last = len(text.splitlines())
    assert f"line {last}: version: duplicate key (first defined on line 1)" in str(info.value)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = MINIMAL.replace("terms: [tps]", "terms: []").replace("terms: [kpu]", "terms: kpu")
    with pytest.raises(KeywordsError) as info:
        load_keywords(write(tmp_path, text))
    keys = [key for key, _line, _message in info.value.problems]
    assert "topics.procedure.terms" in keys and "topics.institutions.terms" in keys


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "the file is empty"),
        ("# only a comment\n", "the file is empty"),
        ("- a\n- b\n", "expected a mapping with version, topics, candidates"),
    ],
)
def test_empty_or_wrong_shape(tmp_path: Path, content: str, expected: str) -> None:
    path = write(tmp_path, content)
    with pytest.raises(KeywordsError, match=expected) as info:
        load_keywords(path)
    assert str(path) in str(info.value)


def test_missing_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(KeywordsError, match=r"nope\.yml: cannot read the file"):
        load_keywords(tmp_path / "nope.yml")
    bad = tmp_path / "latin1.yml"
    bad.write_bytes('version: "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(KeywordsError, match=r"latin1\.yml: the file is not UTF-8"):
        load_keywords(bad)
