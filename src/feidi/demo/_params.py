"""Parameters of the synthetic demo city: industries, towns, word lists, title batches.

Everything the generator draws from is declared here as data, so ``docs/demo-city.md`` can
describe it and the lead engineer can tune the ladder shape without touching the generator.
All names of firms are fictitious; the towns are fictitious names modelled on 常熟's towns and
subdistricts; the Haidian subdistricts are real (the enclave centre sits in 海淀 五道口).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Shown on every sheet and in every file's metadata.
SYNTHETIC_LABEL = "虞山市（示例）企业数据 — 合成数据，仅供演示 / SYNTHETIC demo data"
CITY_NAME = "虞山市（示例）"
#: 常熟市 — the county-level city the demo is modelled on.
LOCAL_REGION = "320581"
#: 北京市海淀区 — where the enclave innovation centre (飞地) sits.
ENCLAVE_REGION = "110108"


@dataclass(frozen=True, slots=True)
class IndustryClass:
    """One GB/T 4754-2017 4-digit class used by a demo industry."""

    code: str  # section letter + 4 digits, e.g. "C3670"
    local_weight: float
    enclave_weight: float
    #: Descriptors that go into a local firm's name (虞山精锐 + 汽车零部件 + 有限公司).
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DemoIndustry:
    """One of the 3 leading + 5 emerging industries of the demo city."""

    key: str
    zh: str
    leading: bool
    local_share: float
    enclave_share: float
    classes: tuple[IndustryClass, ...]
    #: Descriptors for enclave startups' names (北京 + 字号 + 智能科技 + 有限公司).
    enclave_words: tuple[str, ...]
    #: ln multiplier on the city-wide median revenue.
    revenue_shift: float
    #: Median R&D intensity (percent of revenue) of firms that do R&D.
    rd_median: float
    #: Share of local firms with no R&D at all (before the innovation latent shifts it).
    no_rd_share: float
    #: Trend of yearly revenue growth (fraction).
    growth: float
    #: Probability that the main product is in 《战略性新兴产业分类》.
    strategic_share: float
    #: Median revenue per employee (万元).
    revenue_per_employee: float
    #: Town affinity multipliers (town name → multiplier; default 1).
    town_affinity: tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class Town:
    name: str
    #: Short form used as a name prefix (梅溪 → 梅溪华盛纺织有限公司).
    short: str
    weight: float


def _c(code: str, local: float, enclave: float, *words: str) -> IndustryClass:
    return IndustryClass(code, local, enclave, words)


INDUSTRIES: tuple[DemoIndustry, ...] = (
    DemoIndustry(
        "auto_parts",
        "汽车零部件",
        True,
        0.20,
        0.05,
        (
            _c(
                "C3670",
                0.62,
                0.40,
                "汽车零部件",
                "汽车配件",
                "汽车部件",
                "车辆配件",
                "汽车电器",
                "汽车座椅",
                "汽车内饰",
            ),
            _c("C3660", 0.08, 0.0, "挂车", "汽车车身", "车厢"),
            _c("C2913", 0.10, 0.0, "橡胶密封件", "橡塑制品", "减震橡胶"),
            _c("C2929", 0.12, 0.0, "塑胶制品", "汽车塑件", "精密塑胶"),
            _c("C3962", 0.08, 0.60, "车载电子", "智能车载"),
        ),
        ("智能驾驶科技", "车联网技术", "汽车电子技术"),
        0.15,
        1.8,
        0.08,
        0.03,
        0.30,
        65.0,
        (("东湖街道", 3.0), ("支泾镇", 3.0), ("梅溪镇", 1.5), ("碧港街道", 1.5)),
    ),
    DemoIndustry(
        "textile_apparel",
        "纺织服装",
        True,
        0.20,
        0.0,
        (
            _c("C1751", 0.16, 0.0, "化纤织造", "纺织", "织造"),
            _c("C1752", 0.10, 0.0, "印染", "染整"),
            _c("C1761", 0.12, 0.0, "针织", "经编"),
            _c("C1819", 0.26, 0.0, "服装", "服饰", "羽绒制品"),
            _c("C1829", 0.14, 0.0, "针织服装", "时装"),
            _c("C1830", 0.08, 0.0, "服饰用品", "制帽"),
            _c("C1781", 0.14, 0.0, "无纺布", "非织造材料"),
        ),
        ("时尚科技",),
        -0.10,
        1.0,
        0.20,
        -0.02,
        0.05,
        35.0,
        (("古塘镇", 4.0), ("海澄镇", 3.0), ("芦荡镇", 2.5), ("辛桥镇", 1.5), ("梅溪镇", 1.5)),
    ),
    DemoIndustry(
        "high_end_equipment",
        "高端装备制造",
        True,
        0.22,
        0.07,
        (
            _c("C3421", 0.12, 0.0, "数控机床", "机床"),
            _c("C3491", 0.08, 0.55, "机器人", "自动化设备"),
            _c("C3444", 0.10, 0.0, "液压", "液压机械"),
            _c("C3451", 0.10, 0.0, "轴承", "精密轴承"),
            _c("C3551", 0.16, 0.0, "纺织机械", "纺机"),
            _c("C3734", 0.10, 0.0, "船舶配套", "船用设备"),
            _c("C3525", 0.12, 0.0, "模具", "精密模具"),
            _c("C3484", 0.14, 0.0, "精密机械", "机械制造"),
            _c("C4011", 0.08, 0.45, "自动化仪表", "工控系统"),
        ),
        ("机器人科技", "智能装备科技"),
        0.05,
        2.1,
        0.07,
        0.04,
        0.55,
        65.0,
        (("梅溪镇", 3.0), ("支泾镇", 2.0), ("碧港街道", 2.5), ("海澄镇", 1.5)),
    ),
    DemoIndustry(
        "new_energy",
        "新能源",
        False,
        0.08,
        0.12,
        (
            _c("C3825", 0.30, 0.25, "光伏科技", "光伏设备", "太阳能科技"),
            _c("C3841", 0.25, 0.35, "锂电科技", "电池科技"),
            _c("C3849", 0.15, 0.30, "储能", "储能设备"),
            _c("C3415", 0.10, 0.0, "风电设备", "风能装备"),
            _c("C3824", 0.20, 0.10, "电力电子", "功率器件"),
        ),
        ("新能源科技", "储能技术", "氢能科技"),
        0.20,
        2.3,
        0.04,
        0.0,
        0.92,
        100.0,
        (("碧港街道", 2.0), ("东湖街道", 2.0), ("辛桥镇", 1.5)),
    ),
    DemoIndustry(
        "new_materials",
        "新材料",
        False,
        0.10,
        0.12,
        (
            _c("C2651", 0.18, 0.0, "高分子材料", "树脂"),
            _c("C2659", 0.16, 0.30, "复合材料", "合成材料"),
            _c("C3061", 0.12, 0.0, "玻纤", "玻璃纤维"),
            _c("C3091", 0.12, 0.0, "碳素", "石墨"),
            _c("C3985", 0.16, 0.45, "电子材料", "半导体材料"),
            _c("C2662", 0.14, 0.25, "特种化学", "精细化学品"),
            _c("C3240", 0.12, 0.0, "合金材料", "特种合金"),
        ),
        ("新材料科技", "纳米科技", "材料技术"),
        0.05,
        2.2,
        0.05,
        0.05,
        0.90,
        90.0,
        (("碧港街道", 3.0), ("辛桥镇", 2.0), ("芦荡镇", 1.5)),
    ),
    DemoIndustry(
        "energy_saving_env",
        "节能环保",
        False,
        0.07,
        0.08,
        (
            _c("C3591", 0.28, 0.30, "环保设备", "环保科技"),
            _c("C3463", 0.18, 0.0, "净化设备", "水处理设备"),
            _c("D4620", 0.12, 0.0, "水务", "污水处理"),
            _c("N7722", 0.14, 0.50, "环境工程", "大气治理"),
            _c("C4220", 0.14, 0.0, "再生资源", "资源循环"),
            _c("C3411", 0.14, 0.0, "节能锅炉", "锅炉"),
            _c("N7721", 0.0, 0.20),
        ),
        ("环境科技", "低碳科技", "环保技术"),
        -0.20,
        2.1,
        0.06,
        0.03,
        0.85,
        60.0,
        (("辛桥镇", 2.0), ("芦荡镇", 1.5), ("碧港街道", 1.5)),
    ),
    DemoIndustry(
        "next_gen_it",
        "新一代信息技术",
        False,
        0.07,
        0.36,
        (
            _c("I6513", 0.20, 0.30, "软件", "信息科技"),
            _c("I6520", 0.08, 0.20, "芯片设计", "集成电路"),
            _c("C3983", 0.18, 0.05, "传感器", "传感科技"),
            _c("C3982", 0.22, 0.0, "电路板", "电子科技"),
            _c("I6532", 0.12, 0.25, "物联网科技", "物联科技"),
            _c("C3976", 0.12, 0.05, "光电科技", "光电子"),
            _c("I6531", 0.08, 0.15, "信息技术", "系统集成"),
        ),
        ("智能科技", "信息技术", "数据科技", "微电子科技", "网络科技", "软件技术"),
        -0.35,
        3.6,
        0.03,
        0.07,
        0.90,
        45.0,
        (("东湖街道", 3.0), ("虞城街道", 2.0), ("琴湖街道", 1.5)),
    ),
    DemoIndustry(
        "biomedicine_devices",
        "生物医药及高端医疗器械",
        False,
        0.06,
        0.20,
        (
            _c("C2761", 0.14, 0.30, "生物制药", "生物科技"),
            _c("C2720", 0.14, 0.0, "制药", "药业"),
            _c("C3581", 0.20, 0.20, "医疗设备", "医疗科技"),
            _c("C3584", 0.24, 0.10, "医疗器械", "医用器械"),
            _c("C2770", 0.18, 0.0, "卫生材料", "医用敷料"),
            _c("M7340", 0.10, 0.40, "医药研发", "医学检验"),
        ),
        ("生物科技", "医疗科技", "医药科技", "生物技术"),
        -0.25,
        3.8,
        0.03,
        0.05,
        0.90,
        55.0,
        (("琴湖街道", 2.5), ("东湖街道", 2.0), ("虞城街道", 1.5)),
    ),
)

#: Ten fictitious towns and subdistricts modelled on 常熟's (none is a real place name there).
TOWNS: tuple[Town, ...] = (
    Town("虞城街道", "虞城", 1.2),
    Town("琴湖街道", "琴湖", 1.0),
    Town("东湖街道", "东湖", 1.3),
    Town("碧港街道", "碧港", 1.1),
    Town("梅溪镇", "梅溪", 1.0),
    Town("海澄镇", "海澄", 1.0),
    Town("古塘镇", "古塘", 0.9),
    Town("芦荡镇", "芦荡", 0.8),
    Town("支泾镇", "支泾", 0.9),
    Town("辛桥镇", "辛桥", 0.8),
)

#: Real 海淀区 subdistricts; 学院路街道 is where the enclave centre (五道口) sits.
ENCLAVE_TOWNS: tuple[tuple[str, float], ...] = (
    ("学院路街道", 0.45),
    ("中关村街道", 0.15),
    ("海淀街道", 0.10),
    ("清华园街道", 0.10),
    ("东升镇", 0.10),
    ("上地街道", 0.10),
)

#: Characters for the 2-character trade name (字号). None of them occurs in a prefix.
TRADE_NAME_CHARS: str = (
    "华盛鑫瑞德泰恒宏富润达通利源丰汇嘉昌兴隆晟创新博远精锐捷诚信凯威力宇天金永宝方中"
    "腾飞鼎科立正伟明星晨安和祥益峰亿康优佳振弘融众合美茂皓卓铭骏成启航睿智元泽奥赛际"
    "联森林顺豪光广龙"
)
LOCAL_SUFFIXES: tuple[str, ...] = ("有限公司", "股份有限公司", "有限责任公司")
ENCLAVE_SUFFIX = "有限公司"

#: Year-specific shift of every industry's growth trend (fraction); other years: 0.
MACRO_GROWTH: dict[int, float] = {2021: 0.06, 2022: -0.02, 2023: 0.0, 2024: -0.01, 2025: 0.01}

#: Title batches (grant dates) for a last fiscal year of 2025; shifted with ``last_year``.
#: The as-of date is 2026-06-30: a grant of 2023-06-30 lapses on it (edge), 2023-07-xx
#: is still held (复核 due within weeks), 2022 grants have lapsed unless renewed.
TITLE_BATCHES: dict[str, tuple[tuple[str, float], ...]] = {
    "innovative": (
        ("2022-09-30", 0.08),
        ("2022-12-30", 0.07),
        ("2023-04-28", 0.07),
        ("2023-06-20", 0.04),
        ("2023-06-30", 0.04),
        ("2023-07-10", 0.05),
        ("2023-10-31", 0.08),
        ("2024-05-31", 0.12),
        ("2024-11-29", 0.12),
        ("2025-06-30", 0.17),
        ("2025-11-28", 0.16),
    ),
    "specialized": (
        ("2022-12-20", 0.14),
        ("2023-06-30", 0.06),
        ("2023-07-05", 0.08),
        ("2023-12-22", 0.20),
        ("2024-12-20", 0.26),
        ("2025-12-19", 0.26),
    ),
    "little_giant": (
        ("2022-08-05", 0.20),
        ("2023-07-14", 0.30),
        ("2024-08-09", 0.25),
        ("2025-08-15", 0.25),
    ),
}
