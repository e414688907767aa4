"""The routing engine itself, on a small rule file written here (the real Thai rule
set is tested in test_routing_rules.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from casework import config as config_mod
from casework import suggester
from casework.evaluation import column_report, evaluate
from casework.routing import Decision, compact, load_rules, normalise, route
from casework.suggester import Suggester

RULES = """
[masks]
phrases = ["รถไฟฟ้า"]

[negation]
cues = ["ไม่ใช่", "ไม่มีปัญหาเรื่อง"]

[[rules]]
id = "lighting.out"
category = "lighting"
weight = 3
phrases = ["ไฟดับ", "ไฟฟ้าดับ"]
patterns = ["ไฟ(ถนน|ทาง)?ไม่ติด"]
exclude = ["ไฟไหม้"]

[[rules]]
id = "drainage.blocked"
category = "drainage"
weight = 3
phrases = ["ท่อตัน", "ท่อระบายน้ำ"]

[[rules]]
id = "school"
category = "other"
department = "education"
weight = 3
phrases = ["โรงเรียนเทศบาล"]

[[rules]]
id = "road.hole"
category = "road"
weight = 2
phrases = ["ถนนเป็นหลุม"]

[[corruption]]
id = "corruption.bribe"
weight = 5
phrases = ["ค่าน้ำร้อนน้ำชา", "เรียกเงิน"]

[[corruption]]
id = "corruption.hint"
weight = 1.5
phrases = ["ไม่มีใบเสร็จ"]

[[agencies]]
id = "agency.pwa"
agency = "การประปาส่วนภูมิภาค"
category = "drainage"
weight = 4
phrases = ["ท่อประปาแตก", "น้ำประปาไม่ไหล"]

[[agencies]]
id = "agency.rail"
agency = "การรถไฟฟ้าขนส่งมวลชน"
category = "other"
weight = 4
phrases = ["รถไฟฟ้า"]

[urgent]
phrases = ["ด่วน", "อันตราย"]

[procurement]
phrases = ["ขอเปลี่ยนหลอด"]
"""


@pytest.fixture
def rules(tmp_path: Path, cfg: config_mod.Config) -> Any:
    path = tmp_path / "routing.toml"
    path.write_text(RULES, encoding="utf-8")
    return load_rules(path, cfg)


def test_normalisation() -> None:
    assert normalise("ไฟ\u200bดับบบบ   ทั้ง\tซอย ๑๑") == "ไฟดับ ทั้ง ซอย 11"
    assert normalise("ระบบ 1000 ครับบ") == "ระบบ 1000 ครับบ"  # doubles and digits are kept
    assert normalise("NFC: \u0e4d\u0e32") == normalise("NFC: \u0e33")  # sara am composed
    assert compact("ไฟ  ดับ ทั้ง ซอย") == "ไฟดับทั้งซอย"


@pytest.mark.parametrize(("text", "category", "department"), [
    ("ไฟดับทั้งซอยครับ", "lighting", "engineering"),
    ("ไฟ ดับบบบ ทั้งซอย", "lighting", "engineering"),
    ("ไฟถนนไม่ติดมาสามวัน", "lighting", "engineering"),
    ("ท่อตันน้ำเอ่อล้น", "drainage", "engineering"),
    ("ไฟไหม้บ้านไฟดับ", "lighting", "engineering"),  # the ไฟดับ after the exclusion counts
    ("ไม่ใช่ไฟดับ แต่ถนนเป็นหลุม", "road", "engineering"),
    ("อยากสอบถามเรื่องทั่วไป", "other", "municipal_clerk"),
])
def test_categories(rules: Any, text: str, category: str, department: str) -> None:
    d = route(text, rules=rules)
    assert (d.category, d.department, d.track) == (category, department, "general")


def test_a_rule_can_name_its_department(rules: Any) -> None:
    d = route("ครูโรงเรียนเทศบาลไม่มาสอน", rules=rules)
    assert (d.category, d.department) == ("other", "education")


def test_long_negation_cue(rules: Any) -> None:
    assert route("ไม่มีปัญหาเรื่องไฟดับแล้ว ถนนเป็นหลุม", rules=rules).category == "road"


def test_mask_keeps_light_rail_away_from_lighting(rules: Any) -> None:
    d = route("รถไฟฟ้าดับกลางทาง", rules=rules)
    assert d.category != "lighting"
    assert d.agency is None  # masked phrases are gone for every rule, agencies too


def test_exclusion_only_hides_the_excluded_phrase(rules: Any) -> None:
    assert route("ไฟไหม้", rules=rules).category == "other"


def test_corruption_goes_on_the_sealed_track(rules: Any) -> None:
    d = route("เจ้าหน้าที่เรียกค่าน้ำร้อนน้ำชา ไฟดับด้วย", rules=rules)
    assert (d.track, d.category, d.department, d.decided_by) == (
        "corruption", "corruption", "integrity", "rules")
    assert any("corruption.bribe" in r for r in d.reasons)


def test_citizen_choosing_corruption_alone_does_not_open_the_track(rules: Any) -> None:
    d = route("ถนนเป็นหลุม", {"category": "corruption"}, rules=rules)
    assert (d.track, d.category) == ("general", "road")


def test_outside_agency_is_a_referral(rules: Any) -> None:
    d = route("ท่อประปาแตกน้ำไหลนองถนน", rules=rules)
    assert (d.agency, d.department, d.category) == ("การประปาส่วนภูมิภาค", "external",
                                                    "drainage")


def test_flags_and_reasons(rules: Any) -> None:
    d = route("ขอเปลี่ยนหลอด ไฟดับ อันตรายมาก", rules=rules)
    assert d.urgent and d.procurement
    assert any("lighting.out" in r and "ไฟดับ" in r for r in d.reasons)
    assert "urgent: “อันตราย”" in d.reasons


def test_two_issues_pick_the_stronger_and_mention_both(rules: Any) -> None:
    d = route("ท่อตัน และถนนเป็นหลุม", rules=rules)
    assert d.category == "drainage"
    assert any("road.hole" in r for r in d.reasons)


def test_hint_breaks_a_tie(rules: Any) -> None:
    assert route("ท่อตัน ไฟดับ", {"category": "lighting"}, rules=rules).category == "lighting"


@pytest.mark.parametrize("text", ["", "   ", "\u200b\n\t", "|||"])
def test_empty_text_is_other_with_no_confidence(rules: Any, text: str) -> None:
    d = route(text, rules=rules)
    assert (d.category, d.confidence, d.track) == ("other", 0.0, "general")


def test_decision_is_json_ready(rules: Any) -> None:
    assert json.loads(json.dumps(route("ไฟดับ", rules=rules).as_dict()))["category"] == "lighting"


@pytest.mark.parametrize(("change", "key", "message"), [
    ('category = "road"', "rules[3].category", "unknown category"),
    ('patterns = ["ไฟ(ถนน|ทาง)?ไม่ติด"]', "rules[0].patterns", "bad regular expression"),
    ('id = "road.hole"', "rules[3].id", "duplicate id"),
    ('department = "education"', "rules[2].department", "unknown department"),
    ('agency = "การประปาส่วนภูมิภาค"', "agencies[0].agency", "agency name missing"),
])
def test_bad_rule_files_are_refused(tmp_path: Path, cfg: config_mod.Config, change: str,
                                    key: str, message: str) -> None:
    bad = {
        'category = "road"': 'category = "roads"',
        'patterns = ["ไฟ(ถนน|ทาง)?ไม่ติด"]': 'patterns = ["ไฟ(ถนน|ทาง?ไม่ติด"]',
        'id = "road.hole"': 'id = "drainage.blocked"',
        'agency = "การประปาส่วนภูมิภาค"': 'agency = ""',
        'department = "education"': 'department = "external"',
    }[change]
    path = tmp_path / "routing.toml"
    path.write_text(RULES.replace(change, bad, 1), encoding="utf-8")
    with pytest.raises(config_mod.ConfigError) as exc:
        load_rules(path, cfg)
    [problem] = exc.value.problems
    assert (problem.file, problem.key) == ("routing.toml", key)
    assert message in problem.message
    assert bad.split(" = ")[1] in RULES.replace(change, bad, 1).splitlines()[problem.line - 1]


def test_model_decides_where_rules_are_silent(rules: Any) -> None:
    texts = (["ขยะไม่มาเก็บหลายวัน", "ขยะล้นถัง ส่งกลิ่น", "รถขยะไม่มา", "ถังขยะเต็ม"] * 3
             + ["หมาจรจัดกัดเด็ก", "สุนัขจรจัดเห่าทั้งคืน", "หมาจรจัดเยอะมาก", "แมวตาย"] * 3)
    labels = ["waste"] * 12 + ["animal"] * 12
    model = Suggester.train(texts, labels)
    d = route("ขยะไม่มาเก็บเลย", rules=rules, model=model)
    assert (d.category, d.decided_by) == ("waste", "model")
    assert any(r.startswith("model: waste") for r in d.reasons)
    d = route("ไฟดับ ขยะล้น", rules=rules, model=model)  # the model never saw lighting
    assert d.category == "lighting" and d.decided_by == "rules"


def test_model_round_trip(tmp_path: Path) -> None:
    model = Suggester.train(["ไฟดับ", "ไฟดับมาก", "ท่อตัน", "ท่อตันมาก"] * 2,
                            ["lighting", "lighting", "drainage", "drainage"] * 2)
    path = tmp_path / "models" / "router.joblib"
    model.save(path)
    again = Suggester.load(path)
    assert again is not None and again.probabilities("ไฟดับ") == model.probabilities("ไฟดับ")
    for text in ("ไฟดับ", "ท่อ ตัน", "", "xyz"):  # the fast path equals scikit-learn's
        fast = model.probabilities(text)
        slow = dict(zip(model.classes, model.pipeline.predict_proba([compact(text)])[0],
                        strict=True))
        assert fast == pytest.approx(slow, abs=1e-12)
    assert Suggester.load(tmp_path / "nothing.joblib") is None


def test_evaluation_report(rules: Any) -> None:
    rows = [{"text": "ไฟดับ", "category": "lighting", "department": "engineering", "urgent": "0"},
            {"text": "ท่อตัน ด่วน", "category": "drainage", "department": "engineering",
             "urgent": "1"},
            {"text": "ถนนเป็นหลุม", "category": "lighting", "department": "engineering",
             "urgent": "no"},
            {"text": "เรียกเงินค่าใบอนุญาต", "category": "corruption", "department": "integrity",
             "urgent": ""}]
    report = evaluate(rows, lambda t: route(t, rules=rules))
    assert report["category"]["accuracy"] == 0.75
    assert report["category"]["confusions"] == [
        {"true": "lighting", "predicted": "road", "count": 1}]
    assert report["department"]["accuracy"] == 1.0
    assert report["urgent"]["n"] == 4 and report["urgent"]["accuracy"] == 1.0
    assert report["track"] == {"corruption_cases": 1, "corruption_on_track": 1,
                               "ordinary_cases": 3, "ordinary_on_corruption_track": 0,
                               "ordinary_false_rate": 0.0}


def test_column_report_macro_f1() -> None:
    rep = column_report(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    assert rep["accuracy"] == 0.75
    assert rep["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2, abs=1e-4)


def test_decision_defaults() -> None:
    d = Decision("other", "municipal_clerk")
    assert (d.track, d.urgent, d.agency, d.decided_by) == ("general", False, None, "default")


class Fixed:
    """A model with fixed label probabilities (routing.Model)."""

    def __init__(self, probabilities: dict[str, float]) -> None:
        self.p = probabilities

    def probabilities(self, text: str) -> dict[str, float]:
        return self.p


def test_a_model_label_can_name_the_department(rules: Any) -> None:
    d = route("อยากสอบถามเรื่องทั่วไป", rules=rules,
              model=Fixed({"other@strategy_budget": 0.6, "other": 0.2, "road": 0.2}))
    assert (d.category, d.department, d.decided_by) == ("other", "strategy_budget", "model")
    # a rule that names its department outranks the model's department
    d = route("ครูโรงเรียนเทศบาลไม่มาสอน", rules=rules,
              model=Fixed({"other@strategy_budget": 0.9, "road": 0.1}))
    assert (d.category, d.department) == ("other", "education")


@pytest.mark.parametrize(("text", "p_corruption", "track"), [
    ("ไปขอใบอนุญาต จ่ายไปสองพัน ไม่มีใบเสร็จ", 0.3, "corruption"),  # a hint and the model
    ("ไปขอใบอนุญาต จ่ายไปสองพัน ไม่มีใบเสร็จ", 0.2, "general"),  # the model is not sure
    ("ไปขอใบอนุญาต จ่ายไปสองพันให้คนที่รู้จัก", 0.5, "general"),  # no rule, model not sure
    ("ไปขอใบอนุญาต จ่ายไปสองพันให้คนที่รู้จัก", 0.7, "corruption"),  # the model alone, sure
])
def test_model_opens_the_corruption_track_only_when_sure(rules: Any, text: str,
                                                         p_corruption: float,
                                                         track: str) -> None:
    model = Fixed({"corruption": p_corruption, "other": 1 - p_corruption})
    d = route(text, rules=rules, model=model)
    assert d.track == track, d.as_dict()
    if track == "corruption":
        assert (d.category, d.department, d.decided_by) == ("corruption", "integrity", "model")
    else:
        assert d.category != "corruption"


EXAMPLES = """text,category,department
ไฟดับทั้งซอย,lighting,engineering
หลอดไฟถนนขาด,lighting,engineering
ไฟกิ่งไม่ติด,lighting,engineering
ท่อตันน้ำเน่า,drainage,engineering
ท่อระบายน้ำอุดตัน,drainage,engineering
ร่องน้ำตันหน้าบ้าน,drainage,engineering
ครูไม่มาสอน,other,education
โรงเรียนเทศบาลห้องน้ำพัง,other,education
ลูกเรียนโรงเรียนเทศบาล,other,education
หมวดที่ไม่มีจริง,nonsense,engineering
"""


def test_starter_model_is_trained_once_then_cached(tmp_path: Path, cfg: config_mod.Config) -> None:
    config_dir, var_dir = tmp_path / "config", tmp_path / "var"
    config_dir.mkdir()
    defaults = {c.code: c.department for c in cfg.categories.values()}
    assert suggester.load_model(config_dir, var_dir, defaults, cfg.categories) is None
    (config_dir / suggester.EXAMPLES_FILE).write_text(EXAMPLES, encoding="utf-8")
    model = suggester.load_model(config_dir, var_dir, defaults, cfg.categories)
    assert model is not None and model.source == "starter"
    assert sorted(model.classes) == ["drainage", "lighting", "other@education"]  # bad row skipped
    [cached] = (var_dir / "models").glob("starter-*.joblib")
    assert Suggester.load(cached) is not None
    assert suggester.load_model(config_dir, var_dir, defaults, cfg.categories) is model
    # the municipality's own model, once trained, replaces the starter
    Suggester.train(["ไฟดับ", "ท่อตัน"] * 2, ["lighting", "drainage"] * 2).save(
        var_dir / "models" / suggester.TRAINED_FILE)
    own = suggester.load_model(config_dir, var_dir, defaults, cfg.categories)
    assert own is not None and own.source == "trained"


def test_shipped_examples_are_valid_and_cover_every_category(cfg: config_mod.Config) -> None:
    import csv

    path = Path(__file__).resolve().parent.parent / "config" / suggester.EXAMPLES_FILE
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 3000
    assert len({r["text"] for r in rows}) == len(rows)  # no duplicates
    for r in rows:
        assert r["text"].strip() and r["category"] in cfg.categories, r
        assert r["department"] in cfg.departments, r
        assert (r["category"] == "corruption") == (r["department"] == "integrity"), r
    per_category = {c: sum(r["category"] == c for r in rows) for c in cfg.categories}
    assert min(per_category.values()) >= 50, per_category
