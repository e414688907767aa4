"""Synthetic Thai citizen complaints for demo data (Khon Kaen City Municipality).

Everything produced here is invented: names, phone numbers, e-mail addresses
and complaint texts are assembled from hand-written templates, so the output
can be shown in demos without any personal data.  Phone numbers are random
digits in the Thai mobile format and are not checked against real numbers;
e-mail addresses only use the reserved ``example.com`` / ``example.org``
domains.  Stdlib only and deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "CATEGORY_WEIGHTS",
    "CHANNEL_WEIGHTS",
    "DemoComplaint",
    "synthetic_complaints",
]


@dataclass(frozen=True)
class DemoComplaint:
    first_name: str
    surname: str
    phone: str
    address: str
    email: str | None
    category: str
    subject: str
    details: str
    location_text: str
    channel: str
    urgent: bool


# fmt: off
# (Data tables are kept compact by hand.)
# Relative weights, roughly like a real Thai city's complaint mix.
CATEGORY_WEIGHTS: dict[str, int] = {
    "lighting": 16, "drainage": 14, "road": 13, "waste": 12, "nuisance": 7,
    "tree": 6, "animal": 5, "encroachment": 5, "tax": 3, "welfare": 3,
    "building": 3, "flood": 4, "traffic": 3, "corruption": 1, "other": 5,
}

CHANNEL_WEIGHTS: dict[str, int] = {
    "web": 50, "phone": 25, "walk_in": 8, "line": 8, "facebook": 6, "letter": 3,
}

# (Thai given name, romanisation used for fictional e-mail handles)
MALE_NAMES = (
    ("สมชาย", "somchai"), ("สมศักดิ์", "somsak"), ("สมบูรณ์", "somboon"),
    ("วิชัย", "wichai"), ("ประเสริฐ", "prasert"), ("สุรชัย", "surachai"),
    ("อนุชา", "anucha"), ("ธนากร", "thanakorn"), ("ณัฐพล", "nattapon"),
    ("กิตติพงษ์", "kittipong"), ("ชัยวัฒน์", "chaiwat"), ("วีระ", "weera"),
    ("บุญมี", "boonmee"), ("ทองดี", "thongdee"), ("สุริยา", "suriya"),
    ("อภิชาติ", "apichat"), ("ปิยะ", "piya"), ("ศุภชัย", "supachai"),
    ("เกียรติศักดิ์", "kiattisak"), ("จักรพันธ์", "jakkapan"),
    ("พงศกร", "pongsakorn"), ("ธีรวัฒน์", "teerawat"), ("วัชระ", "watchara"),
    ("บุญเลิศ", "boonlert"), ("สุเมธ", "sumet"), ("ภานุวัฒน์", "panuwat"),
    ("อรรถพล", "attapon"), ("ณรงค์", "narong"), ("นพดล", "noppadon"),
    ("คำพอง", "khampong"), ("ไพโรจน์", "pairoj"), ("เอกชัย", "ekkachai"),
)
FEMALE_NAMES = (
    ("สมหญิง", "somying"), ("มาลี", "malee"), ("สุดา", "suda"),
    ("วันเพ็ญ", "wanpen"), ("กาญจนา", "kanjana"), ("ปราณี", "pranee"),
    ("อรุณี", "arunee"), ("นงลักษณ์", "nongluck"), ("รัตนา", "rattana"),
    ("จันทร์เพ็ญ", "chanpen"), ("พรทิพย์", "pornthip"), ("สุภาพร", "supaporn"),
    ("ศิริพร", "siriporn"), ("วิไลวรรณ", "wilaiwan"), ("ดวงใจ", "duangjai"),
    ("ณัฐธิดา", "natthida"), ("ปิยะนุช", "piyanuch"), ("อัมพร", "amporn"),
    ("บัวผัน", "buaphan"), ("ทองใบ", "thongbai"), ("เพ็ญศรี", "pensri"),
    ("ชไมพร", "chamaiporn"), ("กนกวรรณ", "kanokwan"), ("สุนิสา", "sunisa"),
    ("อรอุมา", "onuma"), ("พิมพ์ชนก", "pimchanok"), ("ธิดารัตน์", "thidarat"),
    ("ลำดวน", "lamduan"), ("หนูพิน", "noophin"), ("เยาวลักษณ์", "yaowalak"),
    ("จิราพร", "jiraporn"), ("แสงเดือน", "saengduan"),
)
SURNAMES = (
    ("ศรีสุข", "srisuk"), ("ใจดี", "jaidee"), ("สุขเจริญ", "sukcharoen"),
    ("แก้วมณี", "kaewmanee"), ("บุญมา", "boonma"), ("ทองคำ", "thongkham"),
    ("พรหมวงศ์", "phromwong"), ("ศรีบุญเรือง", "sriboonruang"),
    ("วงศ์ษา", "wongsa"), ("ภูมิสะอาด", "phumsaat"), ("แสนสุข", "saensuk"),
    ("พลศรี", "phonsri"), ("ชัยมงคล", "chaimongkol"), ("จันทร์หอม", "chanhom"),
    ("สายทอง", "saithong"), ("โคตรพันธ์", "khotphan"), ("ศรีวิเศษ", "sriwiset"),
    ("อินทร์แก้ว", "inkaew"), ("ประเสริฐสุข", "prasertsuk"), ("บุตรดี", "butdee"),
    ("มูลมณี", "moonmanee"), ("ปัญญาดี", "panyadee"), ("ดวงแก้ว", "duangkaew"),
    ("เหล่าสุวรรณ", "laosuwan"), ("คำภูมี", "khamphumee"),
    ("ศรีหาวงศ์", "srihawong"), ("นามวงษ์", "namwong"), ("สีดา", "seeda"),
    ("ภูผาใจ", "phuphajai"), ("แก่นจันทร์", "kaenjan"),
    ("วิเศษศักดิ์", "wisetsak"), ("ทองสุข", "thongsuk"), ("ชาวนา", "chaona"),
    ("สุวรรณศรี", "suwannasri"), ("อุดมศักดิ์", "udomsak"),
    ("พิมพ์ทอง", "pimthong"), ("ไชยสิทธิ์", "chaiyasit"),
    ("รัตนวงศ์", "rattanawong"), ("หอมจันทร์", "homchan"),
    ("เพชรรัตน์", "petcharat"), ("ศักดิ์ดี", "sakdee"),
    ("บุญประเสริฐ", "boonprasert"), ("กองแก้ว", "kongkaew"),
    ("พันธ์โยธี", "phanyothee"),
)

ROADS = (
    "มิตรภาพ", "ศรีจันทร์", "หน้าเมือง", "กลางเมือง", "หลังเมือง", "ประชาสโมสร",
    "รื่นรมย์", "เหล่านาดี", "มะลิวัลย์", "ชาตะผดุง", "ประชาสำราญ", "เทพารักษ์",
    "หลังศูนย์ราชการ", "อำมาตย์", "ดรุณสำราญ", "นิกรสำราญ", "โพธิสาร",
    "ศูนย์ราชการ", "ประชาอุทิศ", "ราษฎร์บำรุง",
)
COMMUNITIES = (
    "หนองวัด", "โนนหนองวัด", "โนนทัน", "โนนชัย", "หนองแวงตราชู", "สามเหลี่ยม",
    "คุ้มหนองคู", "คุ้มวุฒาราม", "ศรีจันทร์", "เทพารักษ์", "หลังศูนย์ราชการ",
    "บ้านโคกน้อย", "หนองใหญ่", "ศรีนวล", "หัวสะพาน", "ประชาสโมสร",
    "โนนหนองวัด 2", "ทุ่งเศรษฐี", "บ้านหนองแวง", "วัดกลาง",
)
LANDMARKS = (
    "ตลาดบางลำภู", "ตลาดสดเทศบาล", "ตลาดโต้รุ่ง", "ตลาดหนองใหญ่", "บึงแก่นนคร",
    "บึงทุ่งสร้าง", "บึงหนองโคตร", "สถานีขนส่งผู้โดยสาร", "สถานีรถไฟขอนแก่น",
    "ศาลหลักเมือง", "วัดหนองแวง", "วัดกลาง", "วัดธาตุ", "โรงพยาบาลขอนแก่น",
    "โรงเรียนเทศบาล", "ศาลากลางจังหวัด", "สวนรัชดานุสรณ์", "ศูนย์ราชการ",
    "ห้างสรรพสินค้า", "ร้านสะดวกซื้อปากซอย", "ศาลาประชาคมชุมชน", "ปั๊มน้ำมัน",
)


class Problem(NamedTuple):
    subject: str
    template: str  # placeholders: loc, dur, when, road, place, num
    urgent: bool = False
    kind: str = "fix"  # fix | ask | praise | report


P = Problem
U = True

PROBLEMS: dict[str, tuple[Problem, ...]] = {
    "lighting": (
        P("ไฟฟ้าดับทั้งซอย", "ไฟทางดับทั้งซอยที่{loc} {dur}"),
        P("ไฟกิ่งเสีย", "ไฟกิ่งหน้าบ้านที่{loc}เสีย ไม่ติดเลย {dur}"),
        P("ขอเปลี่ยนชุดโคมไฟ หลอดยาว", "ขอให้มาเปลี่ยนชุดโคมไฟหลอดยาวที่{loc} หลอดขาด {num} ดวง"),
        P("ไฟถนนกะพริบ", "ไฟถนนที่{loc}กะพริบติดๆ ดับๆ ทั้งคืน {dur}"),
        P("เสาไฟเอียงจะล้ม", "เสาไฟฟ้าที่{loc}เอียงมาก เหมือนจะล้มทับบ้าน", U),
        P("สายไฟขาดห้อยลงมา", "สายไฟขาดห้อยลงมาเกือบถึงพื้นที่{loc} {when}มีประกายไฟด้วย", U),
        P("ไฟทางเปิดทิ้งตอนกลางวัน", "ไฟทางที่{loc}ติดทั้งวันไม่ยอมดับ เปลืองไฟ {dur}"),
        P("ขอติดตั้งไฟส่องสว่างเพิ่ม",
          "ขอติดไฟส่องสว่างเพิ่มที่{loc} ตอนนี้มืดมาก ทั้งซอยมีไฟแค่ {num} ดวง"),
        P("ไฟในสวนสาธารณะดับ", "ไฟในสวนแถว{place}ดับหลายจุด คนมาออกกำลังกายตอนเย็นมองไม่เห็นทาง"),
        P("โคมไฟหลุดห้อย", "โคมไฟที่{loc}หลุดห้อยต่องแต่ง กลัวตกใส่คนเดินผ่าน", U),
    ),
    "drainage": (
        P("ท่อระบายน้ำอุดตัน", "ท่อระบายน้ำที่{loc}อุดตัน น้ำไม่ไหล ขังเป็นแอ่ง {dur}"),
        P("ฝาท่อแตก", "ฝาท่อระบายน้ำที่{loc}แตกเป็นรูใหญ่ {when}มีรถมอเตอร์ไซค์ตกลงไป", U),
        P("ลักลอบวางท่อน้ำทิ้ง", "มีร้านค้าลักลอบวางท่อน้ำทิ้งลงรางระบายน้ำสาธารณะที่{loc}"),
        P("กลิ่นเหม็นจากท่อระบายน้ำ", "ท่อระบายน้ำแถว{loc}ส่งกลิ่นเหม็นมาก ทั้งวันทั้งคืน {dur}"),
        P("ขอให้ลอกท่อระบายน้ำ", "ขอให้มาลอกท่อระบายน้ำที่{loc} ดินกับขยะอัดแน่นเต็มท่อ"),
        P("ฝาท่อหาย", "ฝาท่อระบายน้ำที่{loc}หายไป เปิดโล่งอยู่ เด็กเดินผ่านทุกวัน", U),
        P("น้ำเสียไหลลงถนน", "น้ำเสียเอ่อล้นจากท่อไหลลงถนนที่{loc} {dur}"),
        P("รางระบายน้ำชำรุด", "รางระบายน้ำข้างบ้านที่{loc}ขอบทรุดพังลงมา น้ำไหลไม่สะดวก"),
        P("ตะแกรงรับน้ำหาย", "ตะแกรงเหล็กปากท่อที่{loc}หายไป {dur} เป็นช่องลึก", U),
    ),
    "road": (
        P("ถนนเป็นหลุมเป็นบ่อ", "ถนนที่{loc}เป็นหลุมเป็นบ่อ ฝนตกทีน้ำขังเต็มหลุม {dur}"),
        P("ทางเท้าชำรุด", "ทางเท้าที่{loc}ชำรุด กระเบื้องแตกยกตัว คนแก่เดินสะดุดล้ม"),
        P("หลุมใหญ่กลางถนน", "มีหลุมใหญ่กลางถนนที่{loc} {when}มีมอเตอร์ไซค์ล้มไป {num} คัน", U),
        P("ขอทำลูกระนาด", "ขอให้ทำลูกระนาดชะลอความเร็วที่{loc} รถขับเร็วมาก เด็กเล่นอยู่แถวนั้น"),
        P("ถนนทรุดเป็นโพรง", "ถนนที่{loc}ทรุดตัวเป็นโพรงอยู่ใต้ผิวถนน รถใหญ่วิ่งผ่านทุกวัน", U),
        P("ขุดถนนแล้วไม่กลบ", "มีการขุดถนนที่{loc}แล้วทิ้งไว้ไม่กลบ {dur}"),
        P("ขอลาดยางถนนในซอย",
          "ถนนในซอยที่{loc}เป็นลูกรัง ฝุ่นเยอะ หน้าฝนก็เป็นโคลน ขอให้ลาดยางให้หน่อย"),
        P("ลูกระนาดสูงเกินไป", "ลูกระนาดที่{loc}สูงเกินไป รถเก๋งท้องครูดทุกคัน"),
        P("ขอบทางเท้าแตก", "ขอบทางเท้าที่{loc}แตกหักเป็นแนวยาว เหล็กเส้นโผล่ออกมา"),
    ),
    "waste": (
        P("ขยะไม่มีคนมาเก็บ", "ขยะที่{loc}ไม่มีรถมาเก็บ {dur} ส่งกลิ่นเหม็น"),
        P("ขอถังขยะเพิ่ม", "ขอถังขยะเพิ่มที่{loc} ถังเดิมมี {num} ใบไม่พอ ขยะล้นออกมา"),
        P("ลักลอบทิ้งขยะ", "มีคนลักลอบเอาขยะมาทิ้งที่ดินว่างแถว{loc} {when}"),
        P("ถังขยะแตก", "ถังขยะหน้าบ้านที่{loc}แตก หมามาคุ้ยขยะกระจายเต็มถนน"),
        P("รถขยะทำน้ำขยะหก", "รถเก็บขยะทำน้ำขยะหกเลอะถนนตลอดทางที่{loc} {when}"),
        P("ทิ้งเศษวัสดุก่อสร้าง", "มีคนเอาเศษวัสดุก่อสร้างมาทิ้งริมถนนที่{loc} กองใหญ่มาก"),
        P("ขอเปลี่ยนเวลาเก็บขยะ",
          "รถเก็บขยะที่{loc}มาไม่เป็นเวลา บางวันก็ไม่มา อยากให้มาเก็บเป็นเวลา"),
        P("กิ่งไม้ที่ตัดแล้วไม่มาเก็บ", "ตัดกิ่งไม้กองไว้ที่{loc}แล้วไม่มีใครมาเก็บ {dur}"),
    ),
    "nuisance": (
        P("ร้านเหล้าเปิดเพลงเสียงดัง", "ร้านเหล้าแถว{loc}เปิดเพลงเสียงดังถึงตี {num} ทุกคืน"),
        P("ควันจากการเผาขยะ", "ข้างบ้านที่{loc}เผาขยะทุกเย็น ควันเข้าบ้าน เด็กเป็นหอบ"),
        P("ฝุ่นจากไซต์ก่อสร้าง", "ไซต์ก่อสร้างที่{loc}ฝุ่นฟุ้งทั้งวัน ไม่มีผ้าใบกั้น {dur}"),
        P("เสียงก่อสร้างตอนกลางคืน",
          "มีการก่อสร้างที่{loc}ทำงานเสียงดังตอนกลางคืน {when}ยังตอกเสาเข็มอยู่"),
        P("กลิ่นควันจากร้านปิ้งย่าง",
          "ร้านปิ้งย่างที่{loc}ปล่อยควันเข้าบ้านคนอื่น กลิ่นติดผ้าที่ตากไว้"),
        P("เผาหญ้าไฟลามใกล้บ้าน", "มีคนเผาหญ้าในที่ดินว่างที่{loc} {when}ไฟลามเกือบถึงบ้าน", U),
        P("รถแต่งท่อเสียงดัง", "มีกลุ่มวัยรุ่นขับรถแต่งท่อเสียงดังแถว{loc} {when}"),
        P("กลิ่นเหม็นจากโรงงาน", "โรงงานแถว{loc}ปล่อยกลิ่นเหม็นคล้ายยางไหม้ {dur}"),
        P("เสียงสุนัขเห่าจากบ้านที่เลี้ยงเยอะ",
          "บ้านที่{loc}เลี้ยงหมาไว้ {num} ตัว เห่าทั้งคืนนอนไม่ได้"),
    ),
    "tree": (
        P("กิ่งไม้พาดสายไฟ", "กิ่งไม้พาดสายไฟฟ้าที่{loc} ลมแรงทีไรไฟช็อตเป็นประกาย", U),
        P("ต้นไม้ใหญ่เอียงจะล้ม", "ต้นไม้ใหญ่ริมถนนที่{loc}เอียงมาก รากลอย กลัวล้มทับรถ", U),
        P("ขอตัดแต่งกิ่งไม้", "ต้นไม้ริมถนนที่{loc}รกมาก กิ่งยื่นบังป้ายจราจร"),
        P("ต้นไม้ล้มขวางถนน", "{when}ลมแรง ต้นไม้ล้มขวางถนนที่{loc} รถผ่านไม่ได้", U),
        P("กิ่งไม้บังไฟทาง", "กิ่งไม้บังไฟทางที่{loc} ตอนกลางคืนมืดเหมือนไม่มีไฟ"),
        P("หญ้ารกที่สาธารณะ", "หญ้าที่ที่ดินสาธารณะแถว{loc}สูงท่วมหัว {dur} กลัวมีงู"),
        P("กิ่งไม้หักค้างอยู่บนต้น",
          "กิ่งไม้ใหญ่ที่{loc}หักค้างอยู่บนต้น พร้อมจะตกใส่คนเดินผ่าน", U),
    ),
    "animal": (
        P("สุนัขจรจัดจำนวนมาก", "สุนัขจรจัดที่{loc}เยอะมาก มีประมาณ {num} ตัว วิ่งไล่รถ"),
        P("สุนัขจรจัดกัดคน", "สุนัขจรจัดที่{loc}กัดเด็ก {when} ต้องพาไปฉีดยาที่โรงพยาบาล", U),
        P("ซากสัตว์ตายริมถนน", "มีซากหมาตายอยู่ริมถนนที่{loc} ส่งกลิ่นเหม็น {dur}"),
        P("ขอพ่นหมอกควันกำจัดยุง",
          "ที่{loc}มีคนป่วยเป็นไข้เลือดออก {num} คน ขอให้มาพ่นหมอกควันกำจัดยุง"),
        P("แมวจรจัดเยอะ", "แมวจรจัดที่{loc}เยอะมาก ขึ้นหลังคาบ้าน ขับถ่ายเลอะเทอะ"),
        P("ลูกสุนัขถูกทิ้ง", "มีคนเอาลูกหมามาทิ้งไว้ที่{loc} {num} ตัว"),
        P("สุนัขสงสัยเป็นโรคพิษสุนัขบ้า",
          "หมาจรที่{loc}มีอาการแปลกๆ น้ำลายไหล ไล่กัดหมาตัวอื่น", U),
        P("ยุงเยอะจากน้ำขัง", "น้ำขังที่{loc} {dur} ยุงลายเยอะมาก กลัวเป็นไข้เลือดออก"),
    ),
    "encroachment": (
        P("หาบเร่แผงลอยบนทางเท้า", "แผงลอยตั้งขายของเต็มทางเท้าที่{loc} คนต้องลงไปเดินบนถนน"),
        P("จอดรถบนทางเท้า", "มีรถจอดบนทางเท้าที่{loc}ทุกวัน {when}จอดขวางทางเข้าบ้านด้วย"),
        P("ร้านค้าวางของรุกล้ำทางเท้า", "ร้านค้าที่{loc}วางของรุกล้ำทางเท้ากินพื้นที่เกือบหมด"),
        P("ติดป้ายโฆษณาบนเสาไฟ", "มีการติดป้ายโฆษณาเงินกู้บนเสาไฟฟ้าตลอดแนวที่{loc}"),
        P("ตั้งเต็นท์กีดขวางการจราจร", "มีการตั้งเต็นท์ขายของกีดขวางช่องจราจรที่{loc} {when}"),
        P("ปลูกสร้างรุกล้ำที่สาธารณะ", "มีบ้านต่อเติมรุกล้ำลำรางสาธารณะที่{loc}"),
        P("วางของจองที่จอดรถ", "ร้านที่{loc}เอากรวยกับกระถางต้นไม้มาวางจองที่จอดรถหน้าร้าน"),
    ),
    "tax": (
        P("สอบถามภาษีที่ดินและสิ่งปลูกสร้าง",
          "อยากสอบถามว่าภาษีที่ดินและสิ่งปลูกสร้างปีนี้ต้องชำระภายในวันที่เท่าไหร่", kind="ask"),
        P("ภาษีป้ายคิดเกิน",
          "ได้รับแจ้งประเมินภาษีป้ายร้านที่{loc} ยอดสูงกว่าปีที่แล้วมาก อยากให้ตรวจสอบ", kind="ask"),
        P("ขอคืนเงินภาษีที่ชำระซ้ำ",
          "ชำระภาษีที่ดินซ้ำ {num} ครั้ง อยากทราบว่าขอคืนเงินได้อย่างไร", kind="ask"),
        P("ชำระภาษีออนไลน์ไม่ได้", "เข้าระบบชำระภาษีออนไลน์ของเทศบาลไม่ได้ {dur}", kind="ask"),
        P("หนังสือแจ้งประเมินภาษีไม่ถูกต้อง",
          "หนังสือแจ้งประเมินภาษีระบุเนื้อที่ดินไม่ตรงกับโฉนด อยากให้แก้ไข", kind="ask"),
        P("สอบถามค่าธรรมเนียมเก็บขยะ",
          "ค่าธรรมเนียมเก็บขยะบ้านที่{loc}เดือนละเท่าไหร่ จ่ายที่ไหนได้บ้าง", kind="ask"),
        P("ขอผ่อนชำระภาษี", "ภาษีที่ดินปีนี้ยอดเยอะ อยากขอผ่อนชำระเป็นงวดได้ไหม", kind="ask"),
    ),
    "welfare": (
        P("สอบถามเบี้ยยังชีพผู้สูงอายุ",
          "แม่อายุครบ 60 ปีแล้ว อยากทราบว่าต้องไปลงทะเบียนรับเบี้ยยังชีพผู้สูงอายุที่ไหน", kind="ask"),
        P("ยังไม่ได้รับเบี้ยความพิการ",
          "ลงทะเบียนเบี้ยความพิการไว้ {dur} แต่ยังไม่ได้รับเงินเลย", kind="ask"),
        P("คนไร้บ้านนอนริมถนน", "มีคนไร้บ้านนอนอยู่ที่{loc} {dur} ดูไม่สบาย อยากให้มาช่วยดูแล"),
        P("ผู้สูงอายุอยู่ลำพัง",
          "ยายที่อยู่{loc}อายุเกือบ 90 อยู่คนเดียว ไม่มีคนดูแล {when}ล้มในห้องน้ำ", U),
        P("ขอความช่วยเหลือผู้ป่วยติดเตียง",
          "ที่บ้าน{loc}มีผู้ป่วยติดเตียง ขอความช่วยเหลือเรื่องแพมเพิสและเตียงผู้ป่วย"),
        P("คนเร่ร่อนมีอาการทางจิต", "มีคนเร่ร่อนอาการทางจิตเดินถือไม้ไล่คนที่{loc} {when}", U),
        P("เด็กถูกทิ้งให้อยู่ลำพัง",
          "มีเด็กเล็ก {num} คนถูกทิ้งให้อยู่บ้านลำพังที่{loc} ไม่มีข้าวกิน", U),
    ),
    "building": (
        P("ก่อสร้างไม่ขออนุญาต", "มีการก่อสร้างอาคารที่{loc} ไม่เห็นติดป้ายขออนุญาตก่อสร้าง"),
        P("ต่อเติมอาคารรุกล้ำ", "บ้านข้างๆ ที่{loc}ต่อเติมชิดรั้ว น้ำฝนจากหลังคาไหลเข้าบ้านเรา"),
        P("อาคารเก่าจะพัง", "อาคารไม้เก่าที่{loc}ผนังร้าว หลังคาจะพังลงมาทับทางเดิน", U),
        P("นั่งร้านไม่มีตาข่ายกันตก",
          "ตึกที่กำลังสร้างที่{loc}ไม่มีตาข่ายกันของตก {when}มีเศษปูนตกลงมา", U),
        P("ก่อสร้างทำบ้านข้างเคียงร้าว", "ตอกเสาเข็มที่{loc}ทำให้บ้านร้าว {dur}"),
        P("ป้ายโฆษณาใหญ่เอียง",
          "ป้ายโฆษณาขนาดใหญ่ที่{loc}เอียง โครงเหล็กเป็นสนิม กลัวล้มตอนพายุ", U),
        P("สร้างหอพักสูงเกินกำหนด",
          "หอพักที่กำลังสร้างที่{loc}สูง {num} ชั้น สงสัยว่าเกินที่ได้รับอนุญาต"),
    ),
    "flood": (
        P("น้ำท่วมถนนหลังฝนตก",
          "ฝนตกหนัก{when} น้ำท่วมถนนที่{loc} สูงประมาณ {num}0 ซม. รถเล็กผ่านไม่ได้"),
        P("น้ำท่วมเข้าบ้าน",
          "น้ำท่วมเข้าบ้านที่{loc}แล้ว ของเสียหายหลายอย่าง มีผู้สูงอายุอยู่ในบ้าน", U),
        P("น้ำท่วมขังนาน", "น้ำท่วมขังที่{loc} {dur} ยังไม่ลด"),
        P("ขอกระสอบทราย", "น้ำกำลังขึ้นที่{loc} ขอกระสอบทรายด่วน {num}0 ใบ", U),
        P("ขอให้ช่วยอพยพผู้ป่วย",
          "น้ำท่วมสูงที่{loc} มีผู้ป่วยติดเตียงออกจากบ้านไม่ได้ ขอเรือมาช่วย", U),
        P("ขอเครื่องสูบน้ำ", "น้ำท่วมขังในชุมชนที่{loc} ขอเครื่องสูบน้ำมาช่วยระบายด่วน", U),
        P("น้ำท่วมซ้ำซาก", "ที่{loc}ฝนตกทีไรน้ำท่วมทุกครั้ง อยากให้แก้ไขแบบถาวร"),
    ),
    "traffic": (
        P("ป้ายจราจรล้ม", "ป้ายจราจรที่{loc}ล้มลงมา {dur}"),
        P("เส้นจราจรจางหาย", "เส้นจราจรที่{loc}จางจนมองไม่เห็น กลางคืนอันตราย"),
        P("ขอติดกระจกโค้ง", "ขอติดกระจกโค้งที่ทางโค้ง{loc} มองไม่เห็นรถที่สวนมา"),
        P("ขอทาสีทางม้าลาย", "ขอทาสีทางม้าลายใหม่หน้า{place} เด็กนักเรียนข้ามถนนทุกเช้า"),
        P("ไฟสัญญาณจราจรเสีย", "ไฟสัญญาณจราจรที่{loc}เสีย {when} รถวิ่งสวนกันมั่วไปหมด", U),
        P("ป้ายชื่อซอยหาย", "ป้ายชื่อซอยที่{loc}หายไป คนส่งของหาบ้านไม่เจอ"),
        P("ขอติดป้ายห้ามจอด", "ขอติดป้ายห้ามจอดที่{loc} รถจอดซ้อนคันทำให้รถติด"),
        P("ขอติดป้ายเตือนเขตโรงเรียน", "ขอติดป้ายเตือนเขตโรงเรียนแถว{loc} รถขับเร็วมาก"),
    ),
    "corruption": (
        P("เจ้าหน้าที่เรียกค่าน้ำร้อนน้ำชา",
          "ไปยื่นขออนุญาตต่อเติมบ้าน มีเจ้าหน้าที่บอกว่าถ้าอยากได้เร็วต้องจ่ายค่าน้ำร้อนน้ำชา", kind="report"),
        P("เทศกิจเก็บเงินแม่ค้า",
          "มีคนอ้างเป็นเจ้าหน้าที่เทศกิจมาเก็บเงินแม่ค้าแผงลอยที่{loc}ทุกเดือน ไม่มีใบเสร็จ", kind="report"),
        P("สงสัยฮั้วประมูล",
          "สงสัยว่าโครงการซ่อมถนน{road}มีการฮั้วประมูล ผู้ชนะเป็นบริษัทเดิมทุกครั้ง", kind="report"),
        P("เรียกรับเงินใต้โต๊ะ",
          "ไปติดต่อขอเลขที่บ้านแล้วถูกเรียกเงินใต้โต๊ะ {num},000 บาท", kind="report"),
        P("งานก่อสร้างไม่ตรงสเปก",
          "ถนนที่{loc}เพิ่งทำเสร็จไม่ถึงเดือนพังแล้ว สงสัยว่าใช้วัสดุไม่ตรงสเปก", kind="report"),
        P("ใช้รถหลวงไปธุระส่วนตัว",
          "เห็นรถของเทศบาลจอดอยู่ที่{loc} {when} ดูเหมือนเอาไปใช้ธุระส่วนตัว", kind="report"),
    ),
    "other": (
        P("ขอชื่นชมเจ้าหน้าที่",
          "ขอชื่นชมเจ้าหน้าที่เก็บขยะที่{loc} ทำงานดีมาก เก็บเรียบร้อยทุกวัน", kind="praise"),
        P("ขอบคุณที่ซ่อมไฟให้", "ขอบคุณเจ้าหน้าที่ที่มาซ่อมไฟทางที่{loc}ให้เร็วมาก", kind="praise"),
        P("เสนอแนะเพิ่มเครื่องออกกำลังกาย",
          "อยากให้เพิ่มเครื่องออกกำลังกายที่สวนแถว{place} ตอนเย็นคนเยอะ", kind="ask"),
        P("สอบถามการขอเลขที่บ้าน",
          "สร้างบ้านใหม่เสร็จแล้วที่{loc} อยากทราบว่าขอเลขที่บ้านต้องใช้เอกสารอะไรบ้าง", kind="ask"),
        P("สอบถามเวลาทำการ", "อยากทราบว่าสำนักงานเทศบาลเปิดวันเสาร์ไหม", kind="ask"),
        P("ขอใช้สถานที่จัดงาน",
          "ชุมชนจะจัดงานบุญ อยากขอใช้ลานหน้า{place} ต้องติดต่อที่ไหน", kind="ask"),
        P("สอบถามการรับสมัครงาน", "อยากทราบว่าเทศบาลเปิดรับสมัครพนักงานจ้างช่วงไหน", kind="ask"),
    ),
}

IMPACTS: dict[str, tuple[str, ...]] = {
    "lighting": (
        "ตอนกลางคืนมืดมาก ไม่ปลอดภัย", "กลัวมีขโมยขึ้นบ้าน",
        "ลูกสาวกลับบ้านดึกเดินผ่านทุกวัน", "เคยมีคนโดนกระชากกระเป๋าแถวนี้",
    ),
    "drainage": (
        "ยุงเยอะมาก", "ฝนตกทีน้ำท่วมหน้าบ้าน", "กลิ่นเหม็นเข้าบ้าน กินข้าวไม่ลง",
        "ร้านค้าแถวนี้ขายของไม่ได้",
    ),
    "road": (
        "รถมอเตอร์ไซค์ล้มบ่อย", "กลางคืนมองไม่เห็นหลุม",
        "เด็กนักเรียนปั่นจักรยานผ่านทุกวัน", "รถพยาบาลเข้าซอยลำบาก",
    ),
    "waste": (
        "หมาคุ้ยขยะกระจายเต็มถนน", "แมลงวันเยอะมาก", "กลิ่นเหม็นไปทั้งซอย",
        "หน้าฝนน้ำขยะไหลลงท่อ",
    ),
    "nuisance": (
        "คนแก่กับเด็กนอนไม่หลับ", "ต้องปิดหน้าต่างทั้งวัน",
        "คุยกับเจ้าของแล้วเขาไม่สนใจ", "ต้องตื่นไปทำงานแต่เช้า",
    ),
    "tree": ("ฝนตกลมแรงทีไรกลัวทุกที", "รถบรรทุกผ่านไม่ได้", "บังแสงไฟถนนจนมืด"),
    "animal": ("เด็กไม่กล้าเดินไปโรงเรียน", "มีคนถูกกัดมาแล้ว", "กลัวเป็นโรค"),
    "encroachment": ("คนแก่กับคนพิการเดินลำบาก", "รถติดยาวทุกเย็น", "เคยบอกแล้วแต่ไม่ฟัง"),
    "building": ("กลัวไม่ปลอดภัย", "เพื่อนบ้านเดือดร้อนกันหลายหลัง", "เสียงดังตั้งแต่เช้า"),
    "flood": ("รถเสียไปหลายคันแล้ว", "เด็กไปโรงเรียนไม่ได้", "ของในบ้านเสียหาย"),
    "traffic": ("เกือบเกิดอุบัติเหตุหลายครั้ง", "รถขับสวนเลนบ่อย", "คนไม่รู้ทางขับหลงกันบ่อย"),
    "welfare": ("ชาวบ้านแถวนี้ช่วยกันดูแลได้ไม่ไหวแล้ว", "ญาติไม่มีใครมาดู"),
}
FOLLOW_UPS = (
    "เคยแจ้งไปแล้วแต่ยังไม่มีใครมาดู", "แจ้งไปหลายครั้งแล้วเรื่องเงียบ",
    "ชาวบ้านแถวนี้เดือดร้อนกันหลายหลังคาเรือน", "ประธานชุมชนก็ทราบเรื่องแล้ว",
    "โทรไปแจ้งแล้วไม่มีคนรับสาย", "ถ่ายรูปแนบมาให้ดูด้วย", "ตอนนี้ยังเหมือนเดิม",
)
REQUESTS: dict[str, tuple[str, ...]] = {
    "fix": (
        "ขอให้เร่งแก้ไขด่วน", "รบกวนช่วยมาดูให้หน่อย", "ขอให้เจ้าหน้าที่ลงพื้นที่ตรวจสอบ",
        "ฝากเทศบาลช่วยดำเนินการด้วย", "ขอให้ช่วยแก้ไขโดยเร็ว", "รอมานานแล้ว ช่วยจัดการให้ที",
        "ขอบคุณล่วงหน้า",
    ),
    "urgent": (
        "ขอให้เร่งแก้ไขด่วน", "อันตรายมาก ขอให้มาดูด่วนที่สุด",
        "ขอให้เร่งแก้ไขด่วน ก่อนจะมีคนได้รับบาดเจ็บ", "ด่วนมาก กลัวจะเกิดอุบัติเหตุ",
        "ขอความช่วยเหลือด่วน",
    ),
    "ask": ("รบกวนช่วยตอบด้วย", "ขอบคุณล่วงหน้า", "รบกวนโทรกลับด้วย", "ขอรายละเอียดด้วย"),
    "praise": ("ขอบคุณมาก", "ขอเป็นกำลังใจให้", "อยากให้ผู้บริหารรับทราบ"),
    "report": (
        "ขอให้ตรวจสอบอย่างจริงจัง", "ขอไม่เปิดเผยชื่อผู้แจ้ง",
        "ขอให้ตรวจสอบและดำเนินการตามกฎหมาย", "มีรูปถ่ายเป็นหลักฐานถ้าต้องการ",
    ),
}
OPENINGS = ("เรียนเจ้าหน้าที่เทศบาล", "แจ้งเรื่องร้องเรียน", "ขอแจ้งปัญหา", "รบกวนหน่อย")
DURATIONS = (
    "ตั้งแต่เมื่อวาน", "มา {n} วันแล้ว", "เป็นอาทิตย์แล้ว", "มา {n} อาทิตย์แล้ว",
    "ตั้งแต่ต้นเดือน", "มาหลายเดือนแล้ว", "ตั้งแต่สงกรานต์", "มา 2-3 วันแล้ว",
    "ตั้งแต่เมื่อคืน", "นานเป็นเดือนแล้ว",
)
WHENS = (
    "เมื่อคืน", "เมื่อเช้า", "ตอนประมาณ {h} ทุ่ม", "เมื่อวานตอนเย็น", "ช่วงตี {t}",
    "เมื่อวันอาทิตย์ที่แล้ว", "เมื่อบ่ายวันนี้", "เมื่อวาน",
)
QUESTION_ENDINGS = ("ไหม", "เท่าไหร่", "อย่างไร", "ที่ไหน", "บ้าง", "ช่วงไหน")
PARTICLES = {"m": ("ครับ", "ครับ", "นะครับ", "ครับผม"), "f": ("ค่ะ", "ค่ะ", "นะคะ")}
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
ADDRESS_TAIL = "ต.ในเมือง อ.เมืองขอนแก่น จ.ขอนแก่น 40000"
# fmt: on


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _location(rng: random.Random, road: str) -> str:
    n = rng.randint(1, 25)
    comm, place = rng.choice(COMMUNITIES), rng.choice(LANDMARKS)
    forms = (
        f"ซอย{road} {n}",
        f"ซอย{road} {n}",
        f"ถนน{road}",
        f"หน้า{place}",
        f"ชุมชน{comm}",
        f"ถนน{road} ใกล้{place}",
        f"ปากซอย{road} {n}",
        f"ชุมชน{comm} ซอย {n}",
        f"ข้าง{place}",
        f"หลัง{place}",
    )
    return rng.choice(forms)


def _location_text(template: str, loc: str, ctx: dict[str, str], home_road: str) -> str:
    """Where the problem is: the place named in the text, else the caller's road."""
    if "{loc}" in template:
        return loc
    if "{place}" in template:
        return ctx["place"]
    return f"ถนน{ctx['road'] if '{road}' in template else home_road}"


def _address(rng: random.Random, road: str) -> str:
    number = str(rng.randint(1, 399))
    if rng.random() < 0.45:
        number += f"/{rng.randint(1, 60)}"
    parts = [number]
    if rng.random() < 0.2:
        parts.append(f"ม.{rng.randint(1, 17)}")
    if rng.random() < 0.3:
        parts.append(f"ชุมชน{rng.choice(COMMUNITIES)}")
    if rng.random() < 0.5:
        parts.append(f"ซ.{road} {rng.randint(1, 25)}")
    parts += [f"ถ.{road}", ADDRESS_TAIL]
    return " ".join(parts)


def _phone(rng: random.Random) -> str:
    prefix = rng.choice(("06", "08", "08", "09", "09")) + str(rng.randint(1, 9))
    return f"{prefix}-{rng.randint(0, 999):03d}-{rng.randint(0, 9999):04d}"


def _email(rng: random.Random, given: str, family: str) -> str | None:
    if rng.random() >= 0.3:
        return None
    handles = (
        f"{given}.{family[:1]}",
        f"{given}{rng.randint(1, 99)}",
        f"{given}_{family}",
        f"{family[:3]}.{given}{rng.randint(60, 99)}",
    )
    domain = rng.choice(("example.com", "example.com", "example.org"))
    return f"{rng.choice(handles)}@{domain}"


def _context(rng: random.Random, loc: str, road: str) -> dict[str, str]:
    ctx = {
        "loc": loc,
        "road": road,
        "place": rng.choice(LANDMARKS),
        "num": str(rng.randint(2, 9)),
        "dur": rng.choice(DURATIONS).format(n=rng.randint(2, 6)),
        "when": rng.choice(WHENS).format(h=rng.randint(1, 5), t=rng.randint(1, 4)),
    }
    # Thai text runs on without spaces, but a number needs one after it
    # ("ซอยศรีจันทร์ 11 เอียงมาก"); doubled spaces are squeezed out in _body.
    for key in ("loc", "when"):
        if ctx[key][-1].isdigit():
            ctx[key] += " "
    return ctx


def _body(rng: random.Random, category: str, problem: Problem, ctx: dict[str, str]) -> list[str]:
    """Core sentence plus at most two extra sentences (impact/follow-up/request)."""
    extras: list[str] = []
    calm_fix = problem.kind == "fix" and not problem.urgent
    if calm_fix and category in IMPACTS and rng.random() < 0.55:
        extras.append(rng.choice(IMPACTS[category]))
    if problem.kind == "fix" and rng.random() < 0.2:
        extras.append(rng.choice(FOLLOW_UPS))
    kind = "urgent" if problem.urgent and rng.random() < 0.8 else problem.kind
    if rng.random() < (0.9 if kind == "urgent" else 0.6):
        extras.append(rng.choice(REQUESTS[kind]))
    if len(extras) > 2:
        extras = [extras[0], extras[-1]]
    return [" ".join(problem.template.format(**ctx).split()), *extras]


def _particle(rng: random.Random, gender: str, last: str) -> str:
    if gender == "f" and last.endswith(QUESTION_ENDINGS):
        return rng.choice(("คะ", "คะ", "ค่ะ")) if last.endswith("ไหม") else "คะ"
    return rng.choice(PARTICLES[gender])


def _colloquial(rng: random.Random, text: str, urgent: bool) -> str:
    """Citizen-style touches: stretched words, Thai digits, exclamation marks."""
    if rng.random() < 0.2:
        for word in ("มาก", "ด่วน", "เหม็น", "เยอะ"):
            if word in text:
                text = text.replace(word, word + word[-1] * rng.randint(2, 4), 1)
                break
    if rng.random() < 0.08:
        text = text.translate(THAI_DIGITS)
    if urgent and rng.random() < 0.3:
        text += "!!"
    return text


def _details(
    rng: random.Random,
    category: str,
    problem: Problem,
    ctx: dict[str, str],
    channel: str,
    gender: str,
    full_name: str,
) -> str:
    sentences = _body(rng, category, problem, ctx)
    if channel == "letter":
        body = " ".join(sentences)
        return f"ข้าพเจ้า{full_name} ขอร้องเรียนว่า {body} จึงเรียนมาเพื่อโปรดพิจารณา"
    if channel in ("phone", "walk_in"):
        lead = "ผู้ร้องโทรแจ้งว่า" if channel == "phone" else "ผู้ร้องมาติดต่อด้วยตนเอง แจ้งว่า"
        return f"{lead} {' '.join(sentences)}"
    if rng.random() < 0.75:
        gap = " " if sentences[-1][-1].isdigit() else ""
        sentences[-1] += gap + _particle(rng, gender, sentences[-1])
    roll = rng.random()
    if roll < 0.15:
        sentences.insert(0, "สวัสดี" + PARTICLES[gender][0])
    elif roll < 0.3:
        sentences.insert(0, rng.choice(OPENINGS))
    return _colloquial(rng, " ".join(sentences), problem.urgent)


def _subject(rng: random.Random, problem: Problem, loc: str) -> str:
    subject = problem.subject
    plain = problem.kind in ("fix", "report") and not subject.startswith("ขอ")
    if plain and rng.random() < 0.15:
        subject = rng.choice(("แจ้ง", "ร้องเรียน")) + subject
    if "{loc}" in problem.template and problem.kind != "ask" and rng.random() < 0.5:
        subject = f"{subject} {loc}"
    return subject[:80].rstrip()


def _one(rng: random.Random) -> DemoComplaint:
    gender = "m" if rng.random() < 0.5 else "f"
    first, first_rom = rng.choice(MALE_NAMES if gender == "m" else FEMALE_NAMES)
    surname, surname_rom = rng.choice(SURNAMES)
    home_road = rng.choice(ROADS)
    road = home_road if rng.random() < 0.4 else rng.choice(ROADS)
    loc = _location(rng, road)
    category = _weighted(rng, CATEGORY_WEIGHTS)
    problem = rng.choice(PROBLEMS[category])
    channel = _weighted(rng, CHANNEL_WEIGHTS)
    ctx = _context(rng, loc, road)
    loc = _location_text(problem.template, loc, ctx, home_road)
    return DemoComplaint(
        first_name=first,
        surname=surname,
        phone=_phone(rng),
        address=_address(rng, home_road),
        email=_email(rng, first_rom, surname_rom),
        category=category,
        subject=_subject(rng, problem, loc),
        details=_details(rng, category, problem, ctx, channel, gender, f"{first} {surname}"),
        location_text=loc,
        channel=channel,
        urgent=problem.urgent,
    )


def synthetic_complaints(n: int, seed: int = 0) -> list[DemoComplaint]:
    """Return ``n`` fictional complaints; the same ``seed`` gives the same list."""
    if n < 0:
        raise ValueError("n must be >= 0")
    rng = random.Random(seed)
    return [_one(rng) for _ in range(n)]
