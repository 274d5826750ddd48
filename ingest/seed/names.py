"""The vocabulary of the demo data: Chinese people, places, companies, products and phrases.

Everything here is fictional. Company names are assembled from a city, a neutral brand word
and an industry pattern (天津宏泰发电有限公司, 宏泰石化沧州分公司, 成都博远电力设计研究院),
so they read like real customers without naming any. The lists are data, not logic: the
generator draws from them with numpy, so their order is part of a seed's identity — append,
do not reorder, or existing seeds will produce different stores.
"""

from __future__ import annotations


def _words(text: str) -> list[str]:
    return text.split()


def _fields(text: str) -> list[list[str]]:
    return [item.split(":") for item in text.split()]


# surname:pinyin:relative frequency
SURNAMES = [
    (zh, py, int(freq))
    for zh, py, freq in _fields("""
    王:wang:72 李:li:71 张:zhang:67 刘:liu:53 陈:chen:45 杨:yang:34 黄:huang:24 赵:zhao:20
    吴:wu:20 周:zhou:19 徐:xu:15 孙:sun:15 马:ma:14 朱:zhu:13 胡:hu:12 郭:guo:11 何:he:10
    高:gao:10 林:lin:10 罗:luo:9 郑:zheng:9 梁:liang:9 谢:xie:7 宋:song:7 唐:tang:7 许:xu:6
    韩:han:6 冯:feng:6 邓:deng:6 曹:cao:6 彭:peng:5 曾:zeng:5 肖:xiao:5 田:tian:5 董:dong:5
    袁:yuan:5 潘:pan:4 于:yu:4 蒋:jiang:4 蔡:cai:4 余:yu:4 杜:du:4 叶:ye:4 程:cheng:4 苏:su:4
    魏:wei:4 吕:lv:4 丁:ding:4 任:ren:4 沈:shen:3 姚:yao:3 卢:lu:3 姜:jiang:3 崔:cui:3
    钟:zhong:3 谭:tan:3 陆:lu:3 汪:wang:3 范:fan:3 金:jin:3 石:shi:3 廖:liao:3 贾:jia:3 夏:xia:3
    韦:wei:2 付:fu:2 方:fang:2 白:bai:2 邹:zou:2 孟:meng:2 熊:xiong:2 秦:qin:2 邱:qiu:2
    江:jiang:2 尹:yin:2 薛:xue:2 闫:yan:2 段:duan:2 雷:lei:2 侯:hou:2 龙:long:2 史:shi:2
    陶:tao:2 黎:li:2 贺:he:2 顾:gu:2 毛:mao:2 郝:hao:2 龚:gong:2 邵:shao:2 万:wan:2 钱:qian:2
    严:yan:2 武:wu:2 戴:dai:2 孔:kong:1 向:xiang:1 汤:tang:1 常:chang:1 温:wen:1
""")
]

# Characters of given names, character:pinyin
GIVEN = [
    (zh, py)
    for zh, py in _fields("""
    伟:wei 芳:fang 娜:na 敏:min 静:jing 丽:li 强:qiang 磊:lei 军:jun 洋:yang 勇:yong 艳:yan
    杰:jie 娟:juan 涛:tao 明:ming 超:chao 秀:xiu 霞:xia 平:ping 刚:gang 英:ying 华:hua 建:jian
    国:guo 文:wen 辉:hui 鹏:peng 飞:fei 玲:ling 红:hong 志:zhi 宏:hong 海:hai 波:bo 斌:bin 宇:yu
    浩:hao 凯:kai 健:jian 俊:jun 帆:fan 旭:xu 宁:ning 林:lin 欢:huan 阳:yang 晨:chen 婷:ting
    雪:xue 琳:lin 颖:ying 倩:qian 慧:hui 佳:jia 欣:xin 博:bo 毅:yi 峰:feng 亮:liang 成:cheng
    东:dong 春:chun 晓:xiao 立:li 永:yong 振:zhen 卫:wei 彤:tong 怡:yi 睿:rui 昊:hao 哲:zhe
    翔:xiang 涵:han 瑞:rui 晶:jing 冬:dong 云:yun 岩:yan 鑫:xin 思:si 雨:yu 嘉:jia 子:zi 梓:zi
    晗:han 新:xin 德:de 庆:qing 荣:rong
""")
]

# Cities by region code (reference.REGIONS); a customer's region is its city's region.
CITIES = {
    "north_china": _words("""
    北京 天津 石家庄 唐山 保定 邯郸 沧州 廊坊 太原 大同 长治 呼和浩特 包头 鄂尔多斯
    """),
    "northeast": _words("""
    沈阳 大连 鞍山 抚顺 营口 长春 吉林 哈尔滨 大庆 齐齐哈尔
    """),
    "east_china": _words("""
    上海 南京 苏州 无锡 常州 南通 徐州 杭州 宁波 温州 绍兴 合肥 芜湖 福州 厦门 泉州 南昌 济南
    青岛 烟台 潍坊 淄博
    """),
    "south_china": _words("""
    广州 深圳 珠海 佛山 东莞 惠州 湛江 茂名 南宁 柳州 北海 海口
    """),
    "central_china": _words("""
    武汉 宜昌 襄阳 长沙 株洲 岳阳 郑州 洛阳 平顶山 开封
    """),
    "southwest": _words("""
    重庆 成都 绵阳 攀枝花 贵阳 遵义 昆明 曲靖
    """),
    "northwest": _words("""
    西安 宝鸡 榆林 兰州 银川 西宁 乌鲁木齐 克拉玛依
    """),
}

DISTRICTS = _words("高新 经开 滨海 城东 城西 城南 城北 新城 开发 临港 港区 江北")
ROADS = _words("""
    人民 建设 解放 中山 和平 光明 长江 黄河 科技 工业 创业 迎宾 北京 文化 振兴 友谊
""")

# Neutral two-character brand words (no real company is meant).
BRANDS = _words("""
    宏泰 远航 恒达 新源 瑞丰 中科 天成 华信 鼎盛 金桥 博远 盛世 汇通 安泰 永安 嘉诚 宏图 泰和
    凯达 联创 众诚 海纳 广源 东方 南华 北辰 中泽 华岳 恒信 利民 兴达 隆盛 益通 昌盛 瑞星 德润
    明远 同创 正弘 华远 鸿运 新华 中盛 振华 时代 万诚 天润 中冠 金鼎 长风 润泽 卓越 信达 通达
    恒通 康达 宏远 伟业 晨光 天宇 星辰 大成 合力 远大 科瑞 华腾 金源 中天 汇岭 久安 景新 瀚海
    鹏程 宝华 长兴 盛达 恒远 怡和 协丰 润华 国耀 安达 诚信 中诚 海天 九州 泛亚 中瑞 华清 天汇
    永盛 东升 西城 蓝天 银河 金阳 和兴 云海 创新 同力 信合 中贸 聚能 辰龙 华宇 锦程 达盛 宝源
    丰泽 华建 兆丰 铭远 清源 宏昌 天泽 鑫源 祥和 众合 嘉禾 佳利 裕华
""")

# Company-name patterns per industry and customer type; {c} city, {b} brand word.
COMPANY_PATTERNS: dict[str, dict[str, list[str]]] = {
    "power": {
        "end_user": [
            "{c}{b}发电有限公司",
            "{c}{b}热电有限责任公司",
            "{b}电力{c}分公司",
            "{c}{b}新能源有限公司",
            "{b}能源集团{c}电厂",
        ],
        "design_institute": [
            "{c}{b}电力设计研究院",
            "{b}电力工程设计院{c}分院",
            "{c}{b}能源勘测设计院",
        ],
        "si_customer": ["{c}{b}电力自动化有限公司", "{c}{b}电气工程有限公司"],
    },
    "petrochemical": {
        "end_user": [
            "{b}石化{c}分公司",
            "{c}{b}炼化有限公司",
            "{c}{b}石油化工股份有限公司",
            "{b}油田{c}采油厂",
        ],
        "design_institute": ["{c}{b}石化工程设计院", "{b}石油化工设计研究院{c}分院"],
        "si_customer": ["{c}{b}石化自动化工程有限公司", "{c}{b}仪表控制系统有限公司"],
    },
    "metallurgy": {
        "end_user": [
            "{c}{b}钢铁集团有限公司",
            "{c}{b}特钢有限公司",
            "{b}有色金属{c}冶炼厂",
            "{c}{b}铝业有限公司",
        ],
        "design_institute": ["{c}{b}冶金设计研究院", "{b}冶金建设工程设计院{c}分院"],
        "si_customer": ["{c}{b}冶金自动化有限公司"],
    },
    "rail_transit": {
        "end_user": [
            "{c}地铁{b}运营有限公司",
            "{b}铁路{c}电务段",
            "{c}{b}城际铁路有限公司",
            "{c}{b}轨道交通集团有限公司",
        ],
        "design_institute": ["{c}{b}铁道勘察设计院", "{b}城市轨道交通设计研究院{c}分院"],
        "si_customer": ["{c}{b}轨道信号系统有限公司", "{c}{b}交通控制技术有限公司"],
    },
    "water": {
        "end_user": ["{c}{b}水务集团有限公司", "{c}{b}自来水有限公司", "{c}{b}污水处理有限公司"],
        "design_institute": ["{c}{b}市政工程设计研究院", "{c}{b}给排水设计院"],
        "si_customer": ["{c}{b}水务科技有限公司"],
    },
    "government": {
        "end_user": [
            "{c}{b}政务服务中心",
            "{c}{b}大数据管理中心",
            "{c}{b}应急指挥中心",
            "{c}{b}交通运输信息中心",
            "{c}{b}生态环境监测站",
            "{c}{b}城市运行管理中心",
        ],
        "design_institute": ["{c}{b}城市规划设计研究院", "{c}{b}建筑设计院"],
        "si_customer": ["{c}{b}智慧城市科技有限公司", "{c}{b}信息产业有限公司"],
    },
    "manufacturing": {
        "end_user": [
            "{c}{b}机械制造有限公司",
            "{c}{b}汽车零部件有限公司",
            "{c}{b}精密电子有限公司",
            "{c}{b}重工股份有限公司",
            "{c}{b}化纤有限公司",
        ],
        "design_institute": ["{c}{b}工业设计研究院", "{c}{b}机械工业设计院"],
        "si_customer": ["{c}{b}智能制造系统有限公司", "{c}{b}工业自动化有限公司"],
    },
    "healthcare": {
        "end_user": ["{c}{b}中心医院", "{c}{b}医疗集团", "{c}{b}医药有限公司"],
        "design_institute": ["{c}{b}医疗建筑设计院"],
        "si_customer": ["{c}{b}医疗信息技术有限公司"],
    },
    "finance": {
        "end_user": [
            "{b}银行{c}分行",
            "{c}{b}农村商业银行",
            "{b}证券{c}营业部",
            "{b}保险{c}中心支公司",
        ],
        "design_institute": ["{c}{b}金融工程设计院"],
        "si_customer": ["{c}{b}金融电子有限公司", "{c}{b}金融信息服务有限公司"],
    },
    "education": {
        "end_user": ["{c}{b}职业技术学院", "{c}{b}理工学院", "{c}{b}大学"],
        "design_institute": ["{c}{b}教育建筑设计院"],
        "si_customer": ["{c}{b}教育科技有限公司"],
    },
}

# What projects are about, per industry (the project name is customer + system + 项目).
PROJECT_SYSTEMS = {
    "power": [
        "DCS控制系统容错升级",
        "SIS厂级监控信息系统",
        "调度自动化主站改造",
        "集控中心服务器采购",
        "新能源场站监控系统",
    ],
    "petrochemical": [
        "装置DCS容错服务器扩容",
        "实时数据库建设",
        "罐区自动化管理系统",
        "安全仪表系统改造",
        "MES生产执行系统",
    ],
    "metallurgy": ["高炉过程控制系统", "能源管理中心", "轧线自动化升级", "冶炼MES系统集成"],
    "rail_transit": ["ATS列车监控容错平台", "综合监控系统", "信号系统服务器更换", "AFC清分中心"],
    "water": ["水厂SCADA系统", "管网监测平台", "污水处理自控系统", "智慧水务调度中心"],
    "government": ["政务云容错平台", "应急指挥中心系统", "视频监控平台扩容", "大数据中心建设"],
    "manufacturing": ["MES系统容错部署", "工厂数据中心升级", "产线边缘计算平台", "设备联网项目"],
    "healthcare": ["HIS核心系统容错服务器", "PACS影像平台", "医院数据中心改造", "检验LIS系统"],
    "finance": ["核心交易前置容错平台", "网点监控系统", "灾备中心建设", "支付清算服务器扩容"],
    "education": ["校园数据中心改造", "一卡通系统升级", "实验室自动化平台", "智慧校园平台"],
}

CONTACT_TITLES = [
    "总经理",
    "副总经理",
    "总工程师",
    "信息中心主任",
    "设备部经理",
    "自动化科科长",
    "采购经理",
    "技术负责人",
    "项目经理",
    "仪控专工",
    "生产部部长",
    "财务总监",
    "招标办主任",
    "运维主管",
]

# (code, 中文, English, category, list price in CNY); categories as in commands.catalog.
PRODUCTS = [
    (
        "FTS-2000",
        "入门级容错服务器 FTS-2000",
        "Entry fault-tolerant server FTS-2000",
        "server",
        280000,
    ),
    (
        "FTS-4000",
        "标准容错服务器 FTS-4000",
        "Standard fault-tolerant server FTS-4000",
        "server",
        520000,
    ),
    (
        "FTS-8000",
        "高端容错服务器 FTS-8000",
        "High-end fault-tolerant server FTS-8000",
        "server",
        980000,
    ),
    (
        "FTV-NODE",
        "容错虚拟化软件(每节点)",
        "Fault-tolerant virtualisation software (per node)",
        "software",
        88000,
    ),
    ("SCADA-STD", "SCADA软件 标准版", "SCADA software, standard edition", "software", 150000),
    ("SCADA-ENT", "SCADA软件 企业版", "SCADA software, enterprise edition", "software", 360000),
    ("RTDB", "实时历史数据库软件", "Real-time historian database", "software", 240000),
    ("ISW-8", "工业以太网交换机(8口)", "Industrial Ethernet switch, 8 ports", "integration", 12000),
    (
        "ISW-24",
        "工业以太网交换机(24口)",
        "Industrial Ethernet switch, 24 ports",
        "integration",
        36000,
    ),
    ("IFW-100", "工业防火墙", "Industrial firewall", "integration", 58000),
    ("SI-SVC", "系统集成服务", "System integration service", "integration", 200000),
    ("IMPL-DAY", "实施服务(人天)", "Implementation service (person-day)", "service", 2800),
    ("MAINT-YR", "维保服务(年)", "Maintenance service (year)", "service", 96000),
    ("TRAIN", "培训服务(期)", "Training course", "service", 18000),
    ("SP-KIT", "备件包", "Spare parts kit", "spare_part", 45000),
    ("SP-PSU", "电源模块备件", "Power supply module spare", "spare_part", 7500),
    ("SP-DISK", "硬盘备件", "Disk drive spare", "spare_part", 3200),
]

# (name, strengths, market weight): fictional vendors.
COMPETITORS = [
    ("恒锐容错科技", "容错服务器价格低,本地服务网点多", 9),
    ("北辰计算机系统", "央企背景,电力行业关系深", 8),
    ("华拓信息技术", "软硬件一体化方案,交付快", 7),
    ("鼎信控制", "DCS厂商自带服务器,捆绑销售", 8),
    ("远景自动化", "SCADA软件成熟,案例多", 6),
    ("中恒工控", "报价激进,愿意垫资", 6),
    ("泰铭数据", "实时数据库性能好", 4),
    ("凌云系统", "虚拟化与云平台能力强", 5),
    ("启明工业软件", "MES与行业软件齐全", 4),
    ("海川智能", "华南渠道强", 3),
    ("锐思科技", "通用服务器大厂,品牌知名", 7),
    ("新纪元控制系统", "轨道交通信号领域经验丰富", 3),
]

# (name, partner_type); types as in commands.catalog.PARTNER_TYPES.
PARTNERS = [
    ("天津宏图系统集成有限公司", "integrator"),
    ("北京中泽信息技术有限公司", "integrator"),
    ("上海远大自动化工程有限公司", "integrator"),
    ("广州海纳智能科技有限公司", "integrator"),
    ("成都博远系统集成有限公司", "integrator"),
    ("武汉华腾工控技术有限公司", "integrator"),
    ("西安长风自动化有限公司", "integrator"),
    ("沈阳北辰电气工程有限公司", "integrator"),
    ("南京卓越信息工程有限公司", "integrator"),
    ("深圳鹏程科技有限公司", "distributor"),
    ("杭州金桥电子有限公司", "distributor"),
    ("济南恒通工控设备有限公司", "distributor"),
    ("郑州盛达科贸有限公司", "distributor"),
    ("重庆瑞丰电子有限公司", "distributor"),
    ("华东电力设计院合作中心", "design_institute"),
    ("西南化工设计院技术部", "design_institute"),
    ("北方冶金设计院工程公司", "design_institute"),
    ("中诚工程咨询有限公司", "consultant"),
    ("明远管理咨询有限公司", "consultant"),
    ("汇通招标代理有限公司", "other"),
]

ACTIVITY_SUBJECTS = {
    "call": [
        "电话沟通项目进展",
        "电话确认技术需求",
        "电话跟进报价反馈",
        "电话预约拜访时间",
        "电话了解招标计划",
    ],
    "visit": [
        "拜访客户了解需求",
        "拜访信息中心主任",
        "现场勘查机房环境",
        "拜访设备部沟通方案",
        "商务拜访",
    ],
    "meeting": ["项目协调会", "方案评审会", "商务谈判会议", "合同条款沟通会", "高层会晤"],
    "tech_exchange": [
        "技术交流:容错架构介绍",
        "技术交流:SCADA方案",
        "技术交流:系统集成方案",
        "技术交流:实时数据库",
        "技术交流:运维保障方案",
    ],
    "demo": ["产品演示", "容错切换演示", "样机测试", "客户参观样板工程"],
    "email": ["发送技术方案", "发送报价单", "邮件确认会议纪要", "发送资质文件", "邮件答复技术澄清"],
}

ISSUES = [
    ("客户要求延长质保期", "商务"),
    ("技术参数与招标文件不符", "技术"),
    ("交货期紧张", "交付"),
    ("预算审批延迟", "商务"),
    ("竞争对手低价冲击", "竞争"),
    ("关键联系人调岗", "关系"),
    ("机房空间与供电不足", "技术"),
    ("需要第三方接口联调", "技术"),
    ("付款条件分歧", "商务"),
    ("设计院推荐其他品牌", "竞争"),
    ("等保测评要求变化", "技术"),
    ("客户内部立项未完成", "商务"),
]
ISSUE_RESOLUTIONS = [
    "已与客户达成一致",
    "技术团队已出具澄清方案",
    "调整交付计划后解决",
    "经高层沟通解决",
    "问题已随项目关闭",
]

EXPENSE_DESCRIPTIONS = {
    "travel": ["高铁票", "机票", "往返差旅"],
    "accommodation": ["酒店住宿", "出差住宿费"],
    "meals": ["出差餐费", "工作餐"],
    "entertainment": ["客户招待", "商务宴请"],
    "transport": ["出租车费", "市内交通", "自驾油费及过路费"],
    "gifts": ["客户礼品", "节日礼品"],
    "bidding": ["标书制作费", "招标文件购买费", "投标文件快递费"],
    "other": ["会议场地费", "资料打印费"],
}

# Optional notes on a loss, by loss-reason category; "other" always gets one (the command
# requires it, since "other" alone tells an analyst nothing).
LOSS_NOTES = {
    "price": ["我方报价高于中标价约15%", "客户要求再降价,折扣未获批准"],
    "product_fit": ["客户要求的接口协议暂不支持", "缺少行业资质证书"],
    "competitor": ["对手在技术评分上领先", "客户沿用原有厂商"],
    "relationship": ["新任领导倾向其他品牌", "前期未接触到决策层"],
    "budget_cancelled": ["项目预算被集团收回", "项目整体取消"],
    "no_decision": ["客户迟迟未启动采购"],
    "timing": ["交货期无法满足工期要求", "项目推迟到明年以后"],
    "other": ["客户集团统一采购,本地项目取消", "客户改为自建方案", "项目并入集团框架协议"],
}

LEAD_DESCRIPTIONS = [
    "客户计划对现有控制系统进行容错改造",
    "新建项目需要监控服务器",
    "客户咨询容错服务器价格",
    "设计院推荐我司方案",
    "行业新闻:客户拟扩建生产线",
    "老客户设备到期更换",
    "招标公告前期信息",
]
REJECT_REASONS = [
    "预算不足,暂无采购计划",
    "需求与我司产品不匹配",
    "客户已与其他厂商签约",
    "信息不实,无法联系到客户",
    "项目规模过小",
    "重复线索",
    "客户仅做市场调研",
]
REJECT_COMMENTS = [
    "发票不合规,请补充",
    "招待费用超标准,请说明",
    "缺少项目关联说明",
    "差旅未事先审批",
]
