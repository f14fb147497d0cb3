"""The canonical input: field names, types, Chinese headers and allowed values.

This module is the single description of what a firm looks like to Feidi (``CRITERIA.md``,
"Canonical input"). The reader, the validator, the demo city, the rule engine and the web
app all take their field lists from here, so adding a field is one edit.

Two scopes:

* ``year`` fields are per enterprise and fiscal year (营业收入 of 2024 …);
* ``firm`` fields are per enterprise and may be given on any one of its rows.

Kinds (how a cell is parsed and what an empty cell means):

* ``str``, ``code``     – text; empty = unknown
* ``money``             – float in 万元; empty = unknown
* ``count``             – non-negative integer; empty = unknown
* ``number``            – float; empty = unknown
* ``bool``              – true/false, 1/0, 是/否; empty = unknown
* ``enum``              – one of ``values``; empty = unknown
* ``rank``              – positive integer rank; empty = **none** (no award / prize)
* ``flags``             – ``;``-separated list of ``values``; empty = **none**
* ``titles``            – ``;``-separated titles, each optionally ``@YYYY-MM-DD``; empty = **none**
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "FIELDS",
    "FIELDS_BY_NAME",
    "FIRM_FIELDS",
    "HONORS",
    "TITLE_COLUMNS",
    "TITLE_LEVELS",
    "TITLE_SLOTS",
    "YEAR_FIELDS",
    "Field",
    "header_aliases",
    "title_date_column",
    "title_undated_column",
]

Kind = Literal["str", "code", "money", "count", "number", "bool", "enum", "rank", "flags", "titles"]
Scope = Literal["key", "year", "firm"]


@dataclass(frozen=True, slots=True)
class Field:
    """One canonical input field."""

    name: str
    zh: str
    kind: Kind
    scope: Scope
    #: Allowed values for ``enum`` / ``flags`` / ``titles``: canonical value → Chinese aliases.
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Inclusive bounds checked as input *errors* (``None`` = unbounded).
    min: float | None = None
    max: float | None = None
    #: Extra header spellings accepted besides ``name`` and ``zh``.
    aliases: tuple[str, ...] = ()
    en: str = ""
    #: Longest text (in characters) of a ``str`` or ``code`` field, checked as an input error:
    #: the length of the database column a store keeps it in (``None`` = unlimited).
    max_chars: int | None = None
    #: English names of ``values`` (``below_city`` → "below city level"); Chinese uses the
    #: first alias. Without one, the key is shown with spaces for underscores.
    labels_en: dict[str, str] = field(default_factory=dict)

    def label(self, lang: str) -> str:
        """The field's name in ``lang`` ("zh" or "en"), without the unit an English header
        carries: 研发费用 / R&D expense."""
        if lang == "zh":
            return self.zh
        return (self.en or self.name.replace("_", " ")).split(" (")[0]

    def value_label(self, key: str, lang: str) -> str:
        """One category of an ``enum`` / ``flags`` / ``titles`` field in ``lang``.

        >>> FIELDS_BY_NAME["rd_institution"].value_label("below_city", "en")
        'below city level'
        >>> FIELDS_BY_NAME["rd_institution"].value_label("below_city", "zh")
        '市级以下'
        """
        if lang == "zh" and self.values.get(key):
            return self.values[key][0]
        return self.labels_en.get(key) or key.replace("_", " ")


HONORS: dict[str, tuple[str, ...]] = {
    "high_tech": ("高新技术企业", "高企"),
    "tech_innovation_demo": ("国家级技术创新示范企业", "技术创新示范企业"),
    "ip_advantage": ("知识产权优势企业", "国家知识产权优势企业"),
    "ip_demo": ("知识产权示范企业", "国家知识产权示范企业"),
}

#: The MIIT ladder, lowest first. A higher title implies the lower ones.
TITLE_LEVELS: tuple[str, ...] = ("innovative", "specialized", "little_giant")
TITLES: dict[str, tuple[str, ...]] = {
    "innovative": ("创新型中小企业", "创新型"),
    "specialized": ("专精特新中小企业", "专精特新"),
    "little_giant": (
        '专精特新"小巨人"企业',
        "专精特新“小巨人”企业",
        "专精特新小巨人企业",
        "小巨人",
    ),
}
#: How many dated grants of one title level are kept per firm (most recent first).
#: Titles last three years, so three grants cover any as-of date in the last nine years.
TITLE_SLOTS = 3

RD_INSTITUTIONS: dict[str, tuple[str, ...]] = {
    "none": ("无",),
    "below_city": ("市级以下", "县级", "区级"),
    "city": ("市级",),
    "provincial": ("省级",),
    "national": ("国家级",),
}
PRODUCT_FIELDS_2022: dict[str, tuple[str, ...]] = {
    "key_link": ("补短板锻长板填空白", "关键领域"),
    "foundation": ("工业六基", "中华老字号", "服务龙头", "基础领域"),
    "other": ("其他",),
}
#: English names of the categories above, for English pages and reports.
LABELS_EN: dict[str, dict[str, str]] = {
    "honors": {
        "high_tech": "High-tech enterprise",
        "tech_innovation_demo": "Technology innovation demonstration enterprise",
        "ip_advantage": "IP advantage enterprise",
        "ip_demo": "IP demonstration enterprise",
    },
    "titles": {
        "innovative": "Innovative SME",
        "specialized": "Specialised and sophisticated SME",
        "little_giant": "Little giant",
    },
    "rd_institution": {
        "none": "none",
        "below_city": "below city level",
        "city": "city level",
        "provincial": "provincial",
        "national": "national",
    },
    "product_field_2022": {
        "key_link": "key link (fills a gap, strengthens a chain)",
        "foundation": "industrial foundation",
        "other": "other",
    },
}


def _f(name: str, zh: str, kind: Kind, scope: Scope, en: str, **kw: object) -> Field:
    kw.setdefault("labels_en", LABELS_EN.get(name, {}))
    return Field(name=name, zh=zh, kind=kind, scope=scope, en=en, **kw)  # type: ignore[arg-type]


FIELDS: tuple[Field, ...] = (
    _f(
        "credit_code",
        "统一社会信用代码",
        "code",
        "key",
        "Unified social credit code",
        aliases=("信用代码", "社会信用代码", "uscc"),
    ),
    _f(
        "year",
        "年度",
        "count",
        "key",
        "Fiscal year",
        min=1949,
        max=2100,
        aliases=("年份", "会计年度"),
    ),
    # --- per year -------------------------------------------------------------------------
    _f("revenue", "营业收入", "money", "year", "Revenue (10k CNY)", min=0, aliases=("营业总收入",)),
    _f("main_revenue", "主营业务收入", "money", "year", "Main-business revenue (10k CNY)", min=0),
    _f(
        "rd_expense",
        "研发费用",
        "money",
        "year",
        "R&D expense (10k CNY)",
        min=0,
        aliases=("研发投入", "研发经费"),
    ),
    _f("net_profit", "净利润", "money", "year", "Net profit (10k CNY)"),
    _f(
        "total_assets",
        "资产总额",
        "money",
        "year",
        "Total assets (10k CNY)",
        min=0,
        aliases=("总资产",),
    ),
    _f(
        "total_liabilities",
        "负债总额",
        "money",
        "year",
        "Total liabilities (10k CNY)",
        min=0,
        aliases=("总负债",),
    ),
    _f(
        "employees",
        "职工总数",
        "count",
        "year",
        "Employees",
        min=0,
        aliases=("从业人员数", "员工总数", "职工人数"),
    ),
    _f("rd_employees", "研发人员数", "count", "year", "R&D staff", min=0, aliases=("研发人员",)),
    _f(
        "equity_financing",
        "当年新增股权融资",
        "money",
        "year",
        "New equity financing, qualified investors, paid-in (10k CNY)",
        min=0,
        aliases=("当年新增股权融资(合格机构投资者实缴额)", "当年新增股权融资额", "股权融资"),
    ),
    # --- per enterprise -------------------------------------------------------------------
    # The web registry keeps name and town in varchar(200) and varchar(100) columns.
    _f(
        "name",
        "企业名称",
        "str",
        "firm",
        "Enterprise name",
        aliases=("名称", "单位名称"),
        max_chars=200,
    ),
    _f(
        "town",
        "所属镇(街道)",
        "str",
        "firm",
        "Town or subdistrict",
        aliases=("镇街", "所属镇街", "乡镇"),
        max_chars=100,
    ),
    _f(
        "region_code",
        "行政区划代码",
        "code",
        "firm",
        "Division code (6 digits)",
        aliases=("区划代码", "所在地区代码"),
    ),
    _f(
        "industry_code",
        "国民经济行业代码",
        "code",
        "firm",
        "GB/T 4754-2017 industry code",
        aliases=("行业代码", "所属行业代码"),
    ),
    _f(
        "strategic_emerging",
        "主导产品属于战略性新兴产业",
        "bool",
        "firm",
        "Main product in the strategic emerging industries catalogue",
        aliases=("战略性新兴产业", "属于战略性新兴产业"),
    ),
    _f(
        "niche_years",
        "从事特定细分市场年限",
        "number",
        "firm",
        "Years in the niche market",
        min=0,
        aliases=("细分市场年限",),
    ),
    _f(
        "ip_class1_high_value",
        "高价值Ⅰ类知识产权数",
        "count",
        "firm",
        "High-value class I IP (count)",
        min=0,
        aliases=("Ⅰ类高价值知识产权", "高价值发明专利数"),
    ),
    _f(
        "ip_class1_self_developed",
        "自主研发Ⅰ类知识产权数",
        "count",
        "firm",
        "Self-developed class I IP (count)",
        min=0,
        aliases=("自主研发Ⅰ类知识产权",),
    ),
    _f(
        "ip_class1",
        "Ⅰ类知识产权数",
        "count",
        "firm",
        "Class I IP (count)",
        min=0,
        aliases=("I类知识产权数", "Ⅰ类知识产权"),
    ),
    _f(
        "ip_class2",
        "Ⅱ类知识产权数",
        "count",
        "firm",
        "Class II IP (count)",
        min=0,
        aliases=("II类知识产权数", "Ⅱ类知识产权"),
    ),
    _f(
        "ip_class1_in_use",
        "已产业化Ⅰ类知识产权数",
        "count",
        "firm",
        "Class I IP applied with economic benefit (count)",
        min=0,
        aliases=("Ⅰ类知识产权应用数", "Ⅰ类知识产权(已实施)"),
    ),
    _f(
        "rd_institution",
        "研发机构级别",
        "enum",
        "firm",
        "R&D institution level",
        values=RD_INSTITUTIONS,
        aliases=("研发机构",),
    ),
    _f(
        "digital_level",
        "数字化水平等级",
        "count",
        "firm",
        "Digitalisation level (1-4)",
        min=1,
        max=4,
        aliases=("数字化水平",),
    ),
    _f(
        "quality_award_provincial",
        "省级以上质量奖",
        "bool",
        "firm",
        "Provincial-or-higher quality award",
        aliases=("质量奖",),
    ),
    _f(
        "iso9001",
        "ISO9001认证",
        "bool",
        "firm",
        "ISO 9001 certified",
        aliases=("质量管理体系认证",),
    ),
    _f("own_brand", "自主品牌", "bool", "firm", "Own brand", aliases=("拥有自主品牌",)),
    _f(
        "standards_drafting",
        "参与标准制修订",
        "bool",
        "firm",
        "Drafted standards",
        aliases=("主导或参与制修订标准",),
    ),
    _f(
        "product_field_2022",
        "主导产品所属领域",
        "enum",
        "firm",
        "Main product field (2022 rules)",
        values=PRODUCT_FIELDS_2022,
    ),
    _f(
        "sci_award_national_rank",
        "国家级科技奖励排名",
        "rank",
        "firm",
        "Rank among awardee units, national S&T award, last 3 years",
        min=1,
    ),
    _f(
        "sci_award_provincial_rank",
        "省级科技奖励排名",
        "rank",
        "firm",
        "Rank among awardee units, provincial S&T award, last 3 years",
        min=1,
    ),
    _f("honors", "荣誉资质", "flags", "firm", "Honours held", values=HONORS, aliases=("荣誉",)),
    _f(
        "chuangke_rank",
        "创客中国获奖",
        "rank",
        "firm",
        "Maker China national prize: 50 (top 50) or 500 (top 500)",
        min=1,
        aliases=("创客中国",),
    ),
    _f(
        "market_share",
        "细分市场占有率",
        "number",
        "firm",
        "National niche market share (%)",
        min=0,
        max=100,
        aliases=("市场占有率",),
    ),
    _f(
        "market_rank",
        "细分市场全国排名",
        "count",
        "firm",
        "National rank in the niche",
        min=1,
        aliases=("全国排名",),
    ),
    _f(
        "info_system",
        "核心业务信息系统",
        "bool",
        "firm",
        "At least one core business runs on information systems",
    ),
    _f("management_cert", "管理体系认证", "bool", "firm", "Management system certified"),
    _f(
        "product_cert_developed",
        "发达国家产品认证",
        "bool",
        "firm",
        "Product certified in developed markets",
        aliases=("产品认证",),
    ),
    _f(
        "special_score",
        "特色化指标得分",
        "number",
        "firm",
        "Distinctiveness points (0-15)",
        min=0,
        max=15,
        aliases=("特色化得分",),
    ),
    _f(
        "development_score",
        "专精特新发展评价得分",
        "number",
        "firm",
        "SRDI development score (MIIT platform)",
        min=0,
        max=100,
        aliases=("发展评价得分",),
    ),
    _f(
        "titles",
        "已获称号",
        "titles",
        "firm",
        "Titles held",
        values=TITLES,
        aliases=("称号", "认定称号"),
    ),
    # Not a ladder input: marks a firm registered in the enclave (飞地) in the big city but
    # cultivated by the home county, so the platform can place it in the county's registry.
    _f("enclave", "飞地企业", "bool", "firm", "Enclave firm", aliases=("是否飞地企业",)),
    # Not a ladder input either (CRITERIA.md is silent on it): what the firm makes, in its own
    # words, so the platform can mount it on industry-chain nodes (feidi.chains) beside its
    # GB/T 4754 code. 500 characters is a long 主营产品 line; a 经营范围 runs longer and says
    # less about products, so it is not an alias (``feidi chains mount`` reads it as text).
    _f(
        "main_products",
        "主导产品",
        "str",
        "firm",
        "Main products",
        aliases=("主营产品", "主要产品", "主导产品名称", "产品"),
        max_chars=500,
    ),
)

FIELDS_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
YEAR_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.scope == "year")
FIRM_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.scope == "firm")


def header_aliases(fields: tuple[Field, ...] = FIELDS) -> dict[str, str]:
    """Map every accepted header spelling (normalised) to its canonical field name."""
    out: dict[str, str] = {}
    for f in fields:
        for h in (f.name, f.zh, f.en, *f.aliases):
            if h:
                out[normalise_header(h)] = f.name
    return out


def normalise_header(text: str) -> str:
    """Fold a header for matching: trim, lower-case, drop spaces, unify brackets and 'Ⅰ/Ⅱ'."""
    t = text.strip().lower()
    for a, b in (("（", "("), ("）", ")"), (" ", ""), ("\u3000", ""), ("_", ""), ("-", "")):
        t = t.replace(a, b)
    # A unit in brackets after the name (营业收入(万元)) is not part of the name.
    for unit in ("(万元)", "(人)", "(%)", "(个)", "(件)", "(年)"):
        t = t.removesuffix(unit)
    return t


def title_date_column(level: str, slot: int) -> str:
    """Column holding the ``slot``-th most recent grant date (YYYYMMDD int) of a title level."""
    return f"title_{level}_{slot}"


def title_undated_column(level: str) -> str:
    """Column: the title level is listed without a grant date (counts as held)."""
    return f"title_{level}_undated"


#: The normalised columns the ``titles`` field fans out to: per level, the dated slots, newest
#: first, then whether an undated grant is held.
TITLE_COLUMNS: tuple[str, ...] = tuple(
    column
    for level in TITLE_LEVELS
    for column in (
        *(title_date_column(level, s) for s in range(1, TITLE_SLOTS + 1)),
        title_undated_column(level),
    )
)
