"""The demo county's data: units, the people in them, scripted incidents and their webhook bodies.

Times are minutes before the moment the demo is seeded, so the same script shows the same
picture whenever it runs. Names and phone numbers come from a fixed random seed."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

SEED = 20261121
EMAIL_DOMAIN = "example.gov.cn"
CITY, OFFICE, DEMO_UNIT = "city", "county", "qdh"


@dataclass(frozen=True)
class UnitSpec:
    """A unit of the demo county; `kind` picks its posts (city, office, town, xiang, department)."""

    code: str
    name: str
    kind: str


UNITS: tuple[UnitSpec, ...] = (
    UnitSpec(CITY, "市政府总值班室", "city"),
    UnitSpec(OFFICE, "县政府总值班室", "office"),
    UnitSpec("qdh", "千岛湖镇", "town"),
    UnitSpec("wch", "文昌镇", "town"),
    UnitSpec("slz", "石林镇", "town"),
    UnitSpec("jsx", "界首乡", "xiang"),
    UnitSpec("jjz", "姜家镇", "town"),
    UnitSpec("ztz", "梓桐镇", "town"),
    UnitSpec("yjj", "县应急管理局", "department"),
    UnitSpec("gaj", "县公安局", "department"),
    UnitSpec("wjj", "县卫健局", "department"),
    UnitSpec("zjj", "县住建局", "department"),
    UnitSpec("jtj", "县交通运输局", "department"),
    UnitSpec("jyj", "县教育局", "department"),
)

# Per unit kind: (role, email name, post). Roles are the demo's own keys for picking people;
# the roster roles (duty_officer, deputy_duty_officer, leader_on_duty) are derived from them.
POSTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "city": (
        ("duty_officer", "duty", "市政府总值班室值班员"),
        ("director", "director", "市政府总值班室主任"),
    ),
    "office": (
        ("duty_officer", "duty1", "值班员"),
        ("duty_officer", "duty2", "值班员"),
        ("duty_officer", "duty3", "值班员"),
        ("deputy", "deputy1", "副值班员"),
        ("deputy", "deputy2", "副值班员"),
        ("on_duty", "onduty1", "副主任（带班领导）"),
        ("on_duty", "onduty2", "副主任（带班领导）"),
        ("on_duty", "onduty3", "副主任（带班领导）"),
        ("section_head", "info", "信息科科长"),
        ("director", "director", "主任（主要负责人）"),
        ("leader", "leader", "副县长（分管领导）"),
    ),
    "town": (
        ("duty_officer", "duty", "党政办值班员"),
        ("deputy", "deputy", "党政办副主任（副值班员）"),
        ("leader", "leader", "副镇长（分管领导）"),
        ("principal", "head", "镇长（主要负责人）"),
    ),
    "xiang": (
        ("duty_officer", "duty", "党政办值班员"),
        ("deputy", "deputy", "党政办副主任（副值班员）"),
        ("leader", "leader", "副乡长（分管领导）"),
        ("principal", "head", "乡长（主要负责人）"),
    ),
    "department": (
        ("duty_officer", "duty", "办公室值班员"),
        ("deputy", "deputy", "办公室副主任（副值班员）"),
        ("leader", "leader", "副局长（分管领导）"),
        ("principal", "head", "局长（主要负责人）"),
    ),
}

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾田董"
    "潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢方汪洪邵毛鲁童"
)
_GIVEN = (
    "建国",
    "海燕",
    "志强",
    "丽华",
    "晓东",
    "文军",
    "秀英",
    "国平",
    "红梅",
    "伟",
    "敏",
    "立新",
    "雪梅",
    "振华",
    "春生",
    "桂芳",
    "永明",
    "丹",
    "俊杰",
    "慧",
    "明辉",
    "建华",
    "玉兰",
    "卫东",
    "宏伟",
    "晓燕",
    "国强",
    "婷",
    "文斌",
    "凤英",
    "志刚",
    "丽娟",
    "海军",
    "利民",
    "颖",
    "浩",
    "建平",
    "美华",
    "新民",
    "小军",
    "晨",
    "亚萍",
    "勇",
    "金花",
    "德明",
    "少华",
    "旭东",
    "佳琪",
    "林峰",
    "淑芬",
    "跃进",
    "杰",
    "忠良",
    "雅琴",
    "鹏",
    "云飞",
    "静",
    "子豪",
    "燕青",
    "家明",
)
_MOBILE_PREFIXES = (
    "130",
    "131",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "177",
    "180",
    "181",
    "186",
    "187",
    "188",
    "189",
    "199",
)


@dataclass(frozen=True)
class PersonSpec:
    """One person of the demo county."""

    role: str
    post: str
    name: str
    phone: str
    email: str


People = dict[str, tuple[PersonSpec, ...]]


def demo_people() -> People:
    """Everyone in the demo county by unit code; the same on every run."""
    rng = random.Random(SEED)
    names: set[str] = set()
    phones: set[str] = set()
    people: People = {}
    for unit in UNITS:
        people[unit.code] = tuple(
            PersonSpec(
                role,
                post,
                _unique(rng, names, _name),
                _unique(rng, phones, _phone),
                f"{unit.code}.{mailbox}@{EMAIL_DOMAIN}",
            )
            for role, mailbox, post in POSTS[unit.kind]
        )
    return people


def _unique(rng: random.Random, seen: set[str], make: Callable[[random.Random], str]) -> str:
    while (value := make(rng)) in seen:
        pass
    seen.add(value)
    return value


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN)


def _phone(rng: random.Random) -> str:
    return rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


@dataclass(frozen=True)
class Step:
    """One filing, `ago` minutes before the seed; `by="office"` is the office's own report."""

    ago: int
    kind: str
    description: str
    by: str = "unit"
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    """A scripted incident: the facts of its first report, then its filings oldest first.

    A registered incident (the office learned of it elsewhere) states only what the office knows."""

    unit: str
    ref: str
    title: str
    category: str
    severity: str | None
    occurred_ago: int
    learned_ago: int | None
    area: str
    address: str
    casualties: Mapping[str, int | str]
    loss: float | str
    steps: tuple[Step, ...]
    extent: str = ""
    measures: str = ""
    leaders: str = ""
    reported_to: tuple[tuple[str, str, int], ...] = ()  # (whom, level, minutes ago)
    sensitive: bool = False
    subtype: str | None = None


def _figures(
    dead: int | str = 0,
    missing: int | str = 0,
    serious: int | str = 0,
    injured: int | str = 0,
    trapped: int | str = 0,
) -> dict[str, int | str]:
    return {
        "dead": dead,
        "missing": missing,
        "seriously_injured": serious,
        "injured": injured,
        "trapped": trapped,
    }


_UPWARD = "县政府总值班室向市政府总值班室书面报告事件基本情况及处置进展"
_OFFICE_FOLLOWUP = "县政府总值班室向市政府总值班室续报：现场处置有序，暂无新增伤亡"

SCENARIOS: tuple[Scenario, ...] = (
    # Met on time: written initial report 40 minutes after learning of it; the county reported up.
    Scenario(
        unit="qdh",
        ref="QDH-DEMO-01",
        title="千岛湖镇新安东路在建工地脚手架坍塌",
        category="accident",
        severity="III",
        occurred_ago=180,
        learned_ago=170,
        area="千岛湖镇",
        address="新安东路与环湖北路交叉口在建商住楼工地",
        extent="坍塌范围约40平方米，涉及外墙脚手架三层，周边道路已临时封闭，无次生险情",
        casualties=_figures(serious=10, injured=4),
        loss=85,
        measures="镇应急办、县消防救援大队、120已到场，伤员送县第一人民医院救治，工地全面停工",
        leaders="副镇长在现场指挥，镇长正赶赴现场；县应急管理局已派员到场",
        reported_to=(("县应急管理局", "county", 140),),
        steps=(
            Step(130, "initial", "10时许，工地外墙脚手架发生局部坍塌，14名作业人员坠落或被砸伤"),
            Step(60, "upward", _UPWARD, by="office"),
        ),
    ),
    # Met on time: a IV natural disaster, follow-ups daily by 17:00, nothing owed upward.
    Scenario(
        unit="wch",
        ref="WCH-DEMO-01",
        title="文昌镇王家村强降雨引发山体滑坡阻断村道",
        category="natural_disaster",
        severity="IV",
        occurred_ago=300,
        learned_ago=280,
        area="文昌镇",
        address="王家村至下坑自然村村道K2+300处",
        extent="滑坡方量约800立方米，阻断村道，下坑自然村37户群众出行受阻，山体仍有小范围滑动",
        casualties=_figures(),
        loss=15,
        measures="已设置警戒，转移坡下3户9人，调派挖掘机2台清理，联系县交通运输局评估便道",
        leaders="分管副镇长在现场，镇长已知悉并要求做好群众转移安置",
        reported_to=(("县应急管理局", "county", 250),),
        steps=(Step(240, "initial", "连续强降雨导致村道边坡发生滑坡，未造成人员伤亡"),),
    ),
    # Initial report late by 30 minutes.
    Scenario(
        unit="slz",
        ref="SLZ-DEMO-01",
        title="石林镇S210省道一辆中型客车与货车相撞",
        category="accident",
        severity="III",
        subtype="road_traffic",
        occurred_ago=360,
        learned_ago=350,
        area="石林镇",
        address="S210省道石林镇毛竹源村路段",
        extent="事故造成道路双向中断约2小时，现已单向放行，伤员均已送医",
        casualties=_figures(dead=3, serious=2, injured=10),
        loss="unknown",
        measures="交警、消防、120到场救援，伤员分送县第一、第二人民医院，事故原因正在调查",
        leaders="副镇长、县公安局交警大队领导在现场，镇长已赶到医院看望伤员",
        reported_to=(("县公安局交警大队", "county", 330),),
        steps=(
            Step(200, "initial", "一辆载有18人的中型客车与一辆重型货车相撞，造成3人死亡、12人受伤"),
            Step(160, "upward", _UPWARD, by="office"),
        ),
    ),
    # A complete phone log met the initial clock; the written report is still owed.
    Scenario(
        unit="jsx",
        ref="JSX-DEMO-01",
        title="界首乡千岛湖水域一渔船倾覆两人落水失联",
        category="accident",
        severity="III",
        occurred_ago=90,
        learned_ago=80,
        area="界首乡",
        address="界首乡严家村附近湖面",
        extent="事发水域水深约30米，风力5级，搜救范围已扩大至下游3公里，无其他船只受影响",
        casualties=_figures(missing=2),
        loss="unknown",
        measures="乡政府组织渔政、公安、蓝天救援队共6艘船只搜救，通知沿岸村民协助查找",
        leaders="分管副乡长在现场指挥搜救，乡长已赶往码头",
        reported_to=(("县农业农村局渔政执法大队", "county", 75),),
        steps=(
            Step(65, "phone", "一艘作业渔船在返航途中倾覆，船上2人落水，目前失联，正在全力搜救"),
        ),
    ),
    # Registered by the office from a media report; the township has not reported: K1 overdue.
    Scenario(
        unit="jjz",
        ref="JJZ-DEMO-01",
        title="网传姜家镇某农家乐多名游客就餐后呕吐腹泻",
        category="public_health",
        severity="III",
        occurred_ago=300,
        learned_ago=None,
        area="姜家镇",
        address="姜家镇狮城路某农家乐",
        casualties=_figures(),
        loss="unknown",
        steps=(
            Step(
                120,
                "register",
                "县政府总值班室监测到网络媒体报道：姜家镇某农家乐午餐后十余名游客出现呕吐腹泻，部分人员已到医院就诊。已要求姜家镇立即核实并报送",
            ),
            Step(
                110,
                "upward",
                "县政府总值班室根据媒体报道先行向市政府总值班室报告，正在核实",
                by="office",
            ),
        ),
    ),
    # Initial report on time (but sent to the city first: chain breach); K4 overdue.
    Scenario(
        unit="yjj",
        ref="YJJ-DEMO-01",
        title="县经济开发区某化工企业反应釜物料泄漏",
        category="accident",
        severity="III",
        occurred_ago=300,
        learned_ago=290,
        area="县经济开发区",
        address="开发区新安大道某精细化工有限公司三车间",
        extent="泄漏物料约2吨，已控制在围堰内，周边500米范围内约300名群众临时疏散，空气监测正常",
        casualties=_figures(injured=4),
        loss=120,
        measures="企业启动应急预案，关闭进料阀门，消防开展稀释处置，环保部门开展空气和水质监测",
        leaders="分管副局长带队在现场，局长已向分管副县长汇报",
        reported_to=(("市应急管理局", "city", 270), ("县生态环境分局", "county", 260)),
        steps=(
            Step(250, "initial", "三车间反应釜密封失效导致物料泄漏，4名员工吸入不适送医观察"),
            Step(
                60,
                "followup",
                "泄漏点已封堵，4名送医员工情况稳定，疏散群众陆续返回",
                extra={"casualties": _figures(injured=4)},
            ),
        ),
    ),
    # Reported up on time by the county, but the department's follow-up is now overdue.
    Scenario(
        unit="zjj",
        ref="ZJJ-DEMO-01",
        title="千岛湖镇某老旧小区燃气管道泄漏引发爆燃",
        category="accident",
        severity="III",
        occurred_ago=420,
        learned_ago=415,
        area="千岛湖镇",
        address="千岛湖镇南山路某小区7幢一单元",
        extent="爆燃致一单元2至4层部分门窗损毁，单元内住户已全部疏散，周边燃气已关阀",
        casualties=_figures(serious=3, injured=6),
        loss=60,
        measures="燃气公司关阀抢修，消防排查隐患，疏散住户42户安置至社区服务中心",
        leaders="分管副局长、千岛湖镇副镇长在现场，县领导已作出批示要求全力救治伤员",
        reported_to=(("县应急管理局", "county", 400),),
        steps=(
            Step(380, "initial", "7时许，小区7幢一单元燃气管道泄漏引发爆燃，9人受伤送医"),
            Step(300, "upward", _UPWARD, by="office"),
            Step(70, "followup", _OFFICE_FOLLOWUP, by="office"),
        ),
    ),
    # Reported as IV, raised to III by a follow-up: K4 starts late and gets 30 minutes of grace.
    Scenario(
        unit="wjj",
        ref="WJJ-DEMO-01",
        title="县第二中学多名学生出现腹泻呕吐症状",
        category="public_health",
        severity="IV",
        occurred_ago=600,
        learned_ago=570,
        area="千岛湖镇",
        address="县第二中学",
        extent="发病学生均为住校生，症状以腹泻、呕吐为主，无重症病例",
        casualties=_figures(),
        loss=0,
        measures="疾控中心已采样检测，学校暂停集体聚餐，对食堂和宿舍进行消毒",
        leaders="分管副局长在学校指导处置，县教育局已派员到校",
        reported_to=(("县教育局", "county", 550),),
        steps=(
            Step(540, "initial", "自昨晚起县第二中学陆续有23名学生出现腹泻呕吐症状"),
            Step(
                180,
                "followup",
                "新增病例25例，累计发病48例，初步判定为诺如病毒感染聚集性疫情，经研判调整为较大级别",
                extra={"severity": "III", "material_change": True},
            ),
            Step(160, "upward", _UPWARD, by="office"),
        ),
    ),
    # Handling finished: the final reports of the town and the county are pending.
    Scenario(
        unit="wch",
        ref="WCH-DEMO-02",
        title="文昌镇工业园区某纺织企业仓库火灾",
        category="accident",
        severity="III",
        subtype="fire",
        occurred_ago=600,
        learned_ago=590,
        area="文昌镇",
        address="文昌镇工业园区某纺织有限公司成品仓库",
        extent="过火面积约3000平方米，明火已扑灭，周边企业未受波及",
        casualties=_figures(),
        loss="unknown",
        measures="县消防救援大队调派12辆消防车扑救，企业员工全部安全撤离",
        leaders="分管副镇长在现场，镇长已向县领导报告",
        reported_to=(("县应急管理局", "county", 570),),
        steps=(
            Step(560, "initial", "凌晨仓库起火，火势较大，暂无人员伤亡报告"),
            Step(480, "upward", _UPWARD, by="office"),
            Step(
                330,
                "followup",
                "明火已全部扑灭，现场清理完毕，处置工作结束，损失正在核定",
                extra={"handling_finished": True},
            ),
        ),
    ),
    # Closed: handling finished and the final report filed on time.
    Scenario(
        unit="qdh",
        ref="QDH-DEMO-02",
        title="千岛湖景区一游船机械故障致32名游客滞留湖面",
        category="accident",
        severity="IV",
        occurred_ago=3000,
        learned_ago=2990,
        area="千岛湖镇",
        address="千岛湖中心湖区梅峰岛附近水域",
        extent="游船失去动力漂浮，天气良好，船上游客情绪稳定",
        casualties=_figures(),
        loss=2,
        measures="调派2艘救援船转运游客，故障船只已拖回码头检修",
        leaders="分管副镇长在码头指挥，镇长已知悉",
        reported_to=(("县交通运输局港航管理中心", "county", 2975),),
        steps=(
            Step(2960, "initial", "一艘游船发动机故障失去动力，船上32名游客及2名船员滞留湖面"),
            Step(
                2700,
                "followup",
                "32名游客已全部安全转运上岸，处置工作结束",
                extra={"handling_finished": True},
            ),
            Step(
                1800,
                "final",
                "事件处置完毕：无人员伤亡，直接经济损失约2万元，已责令船企全面检修",
                extra={"casualties": _figures(), "direct_loss_wan_yuan": 2},
            ),
        ),
    ),
    # Sensitive IV at a school: runs on III clocks, so the county owes an upward report.
    Scenario(
        unit="jyj",
        ref="JYJ-DEMO-01",
        title="县实验小学校门口发生交通事故致一名学生受伤",
        category="accident",
        severity="IV",
        sensitive=True,
        subtype="road_traffic",
        occurred_ago=120,
        learned_ago=110,
        area="千岛湖镇",
        address="县实验小学南门外新安北路",
        extent="事故发生在放学时段，现场视频已在网络传播，校门口交通已恢复",
        casualties=_figures(serious=1),
        loss=0.5,
        measures="学生已送县第一人民医院救治，交警到场处置，学校通知家长并安排老师陪护",
        leaders="分管副局长赶赴医院，局长已向分管副县长报告",
        reported_to=(("县公安局交警大队", "county", 100),),
        steps=(Step(80, "initial", "放学时一辆小型轿车与一名过马路的学生发生碰撞，学生腿部骨折"),),
    ),
    # Ungraded social-safety event: runs on III clocks.
    Scenario(
        unit="gaj",
        ref="GAJ-DEMO-01",
        title="县城某在建楼盘四十余名农民工聚集讨要工资",
        category="social_safety",
        severity=None,
        occurred_ago=240,
        learned_ago=230,
        area="千岛湖镇",
        address="千岛湖镇阳光路某在建楼盘项目部门口",
        extent="聚集人员情绪基本稳定，未发生肢体冲突，周边交通正常",
        casualties=_figures(),
        loss=0,
        measures="公安民警到场维持秩序，人社部门约谈施工单位负责人，协调制定欠薪支付方案",
        leaders="分管副局长在现场，县人社局领导正在协调",
        reported_to=(("县人力社保局", "county", 200),),
        steps=(
            Step(130, "initial", "40余名农民工因工程款拖欠问题在项目部门口聚集，要求支付工资"),
            Step(60, "upward", _UPWARD, by="office"),
        ),
    ),
    # Registered from a citizen's call more than two days ago, never reported: a missed report.
    Scenario(
        unit="ztz",
        ref="ZTZ-DEMO-01",
        title="梓桐镇某村后山发生山林火情",
        category="natural_disaster",
        severity="IV",
        occurred_ago=3480,
        learned_ago=None,
        area="梓桐镇",
        address="梓桐镇某村后山",
        casualties=_figures(),
        loss="unknown",
        steps=(
            Step(
                3400,
                "register",
                "群众来电反映梓桐镇某村后山冒出浓烟，疑似山林火情，已通知梓桐镇核实报送",
            ),
        ),
    ),
    # Closed III: town and county both filed their final reports.
    Scenario(
        unit="jtj",
        ref="JTJ-DEMO-01",
        title="杭千高速千岛湖段隧道内发生多车追尾事故",
        category="accident",
        severity="III",
        subtype="road_traffic",
        occurred_ago=4320,
        learned_ago=4310,
        area="千岛湖镇",
        address="杭千高速千岛湖段某隧道内",
        extent="5车追尾，隧道单向封闭约3小时，现已恢复通行",
        casualties=_figures(dead=3, serious=4, injured=9),
        loss=160,
        measures="高速交警、路政、消防、120联合处置，伤员分送县第一、第二人民医院",
        leaders="分管副局长在现场，局长在县指挥中心协调",
        reported_to=(("县公安局交警大队", "county", 4300),),
        steps=(
            Step(4270, "initial", "隧道内一辆货车追尾前车引发5车连环追尾，造成3人死亡、13人受伤"),
            Step(4140, "upward", _UPWARD, by="office"),
            Step(
                4040,
                "followup",
                "伤员均已得到救治，道路恢复通行，现场处置结束",
                extra={"handling_finished": True},
            ),
            Step(
                3000,
                "final",
                "事故处置完毕：3人死亡、4人重伤、9人轻伤，直接经济损失约160万元",
                extra={
                    "casualties": _figures(dead=3, serious=4, injured=9),
                    "direct_loss_wan_yuan": 160,
                },
            ),
            Step(
                2900,
                "final",
                "县政府总值班室向市政府总值班室终报：事故处置完毕，善后工作有序开展",
                by="office",
            ),
        ),
    ),
)

# The example filing printed with the banner (times are filled in when it is printed).
TRY_IT: Mapping[str, Any] = {
    "kind": "initial",
    "category": "accident",
    "severity": "IV",
    "sensitive": False,
    "title": "千岛湖镇排岭南路一居民楼发生火灾",
    "location": {"area": "千岛湖镇", "address": "排岭南路某小区3幢"},
    "description": "居民楼4楼一住户厨房起火，消防已到场扑救",
    "extent": "火势已控制，未蔓延至相邻住户",
    "casualties": {"dead": 0, "missing": 0, "seriously_injured": 0, "injured": 1, "trapped": 0},
    "direct_loss_wan_yuan": "unknown",
    "measures": "消防扑救，疏散本单元住户，伤者送医",
    "leaders_informed": "分管副镇长已赶赴现场",
}


@dataclass(frozen=True)
class Moments:
    """Minutes before the seed's start, as aware datetimes and as RFC 3339 in the local zone."""

    base: datetime
    zone: ZoneInfo

    def at(self, ago: int) -> datetime:
        """The moment `ago` minutes before the base."""
        return self.base - timedelta(minutes=ago)

    def iso(self, ago: int) -> str:
        """The same moment as RFC 3339 in the local zone."""
        return self.at(ago).astimezone(self.zone).isoformat()


def filing_body(
    scenario: Scenario, step: Step, people: People, moments: Moments, incident_id: int | None
) -> dict[str, Any]:
    """The webhook body of one scripted filing."""
    if step.kind in ("initial", "phone"):
        body = _first_report(scenario, step, people, moments)
    elif step.kind == "register":
        body = _registration(scenario, step, moments)
    else:
        party = OFFICE if step.by == "office" else scenario.unit
        signer = "director" if step.by == "office" else "leader"
        body = {
            "kind": step.kind,
            "incident_id": incident_id,
            "description": step.description,
            "reporter": _reporter(people[party]),
            "signed_by": _person(people[party], signer).name,
        }
    return {**body, **step.extra}


def _first_report(
    scenario: Scenario, step: Step, people: People, moments: Moments
) -> dict[str, Any]:
    s = scenario
    body: dict[str, Any] = {
        "kind": step.kind,
        "external_ref": s.ref,
        "occurred_at": moments.iso(s.occurred_ago),
        "learned_at": moments.iso(s.learned_ago if s.learned_ago is not None else s.occurred_ago),
        "category": s.category,
        "subtype": s.subtype,
        "severity": s.severity,
        "sensitive": s.sensitive,
        "classified": False,
        "title": s.title,
        "location": {"area": s.area, "address": s.address},
        "description": step.description,
        "extent": s.extent,
        "casualties": dict(s.casualties),
        "direct_loss_wan_yuan": s.loss,
        "measures": s.measures,
        "leaders_informed": s.leaders,
        "already_reported_to": [
            {"to": to, "level": level, "at": moments.iso(ago)} for to, level, ago in s.reported_to
        ],
        "reporter": _reporter(people[s.unit]),
    }
    if step.kind == "phone":
        body["unit"] = s.unit  # the duty room logs the call for the township
    else:
        body["signed_by"] = _person(people[s.unit], "leader").name
    return {key: value for key, value in body.items() if value is not None}


def _registration(scenario: Scenario, step: Step, moments: Moments) -> dict[str, Any]:
    s = scenario
    body: dict[str, Any] = {
        "kind": "register",
        "unit": s.unit,
        "external_ref": s.ref,
        "occurred_at": moments.iso(s.occurred_ago),
        "category": s.category,
        "severity": s.severity,
        "sensitive": s.sensitive,
        "title": s.title,
        "location": {"area": s.area, "address": s.address},
        "description": step.description,
    }
    return {key: value for key, value in body.items() if value is not None}


def _person(members: tuple[PersonSpec, ...], role: str) -> PersonSpec:
    return next(p for p in members if p.role == role)


def _reporter(members: tuple[PersonSpec, ...]) -> dict[str, str]:
    duty = _person(members, "duty_officer")
    return {"name": duty.name, "post": duty.post, "phone": duty.phone}


def try_it_body(zone: ZoneInfo, now: datetime) -> dict[str, Any]:
    """A complete initial report of something that happened an hour before `now`."""
    moments = Moments(now.replace(second=0, microsecond=0), zone)
    qdh = demo_people()[DEMO_UNIT]
    return {
        **TRY_IT,
        "occurred_at": moments.iso(60),
        "learned_at": moments.iso(50),
        "already_reported_to": [{"to": "县应急管理局", "level": "county", "at": moments.iso(20)}],
        "signed_by": _person(qdh, "leader").name,
        "reporter": _reporter(qdh),
    }
