"""Required papers (thành phần hồ sơ): one :class:`Paper` per item, with its form and counts, its
kind (nộp / xuất trình / a note) and the law's own label, in the law's order.

Cutting. The portal's table lost its separators: an optional section title ("* Giấy tờ phải
nộp:"), the header ``Tên giấy tờMẫu đơn, tờ khaiSố lượng``, then per item the name, the attached
form's file name and the count ("1 bản chính,1 bản sao"), all glued. The count closes an item, so
items are cut after each count; text after the last count of a section is the next section's
title. The defence ministry's rows are already split.

Classifying. Both sources mix papers with notes ("Lưu ý"), rules about papers ("… thì người tiếp
nhận có trách nhiệm kiểm tra…", "… không phải nộp…"), headings ("… các giấy tờ sau:") and counts of
dossiers ("Số lượng hồ sơ: 01 bộ"). An item is a note when structure says so (a "Lưu ý" section, a
heading ending in a colon that names no particular paper, an empty item) or when its first sentence
uses the wording of a rule rather than naming something to bring. Anything else stays a paper, so
no paper is ever dropped on a guess. Sections titled "Giấy tờ phải xuất trình" hold papers shown,
not handed in.

Ordering. Some sections come scrambled (c, b, a, d). When one labelling scheme (1, 2… / a, b… /
i, ii…) has unique labels out of order, its items are sorted back; a scheme that hangs under one
item opening a list ("2. … bao gồm:") is put right after it. Unlabelled items keep their order.

Case headings. A heading such as "* Ngoài giấy tờ nêu trên, tùy từng trường hợp, … sau đây:" is a
note, and the papers it introduces take it as their ``group`` (in place of the section title), so a
reply can show them as one case.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from knowledge.catalogue.text import clean
from knowledge.procedure import Paper, PaperKind

HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
_KIND = r"bản\s*(?:chính|sao|chụp|gốc)"
# A count glued to what follows (the next item) — a count inside a sentence is followed by a space;
# a count followed by " * Lưu ý" closes the section's last item before the next title.
COUNTS = re.compile(
    rf"(?P<digits>\d+)\s*{_KIND}(?:\s*,\s*\d+\s*{_KIND})*(?=[^\s,;.:]|\s*$|\s+\*)")
ONE_COUNT = re.compile(r"(\d+)\s*bản\s*(chính|sao|chụp|gốc)")
FILE = re.compile(r"\.(?:docx?|xlsx?|pdf|rar|zip)", re.IGNORECASE)
# Usual first words of an attached form's file name.
FORM_PREFIX = re.compile(r"(?:Mẫu|Mau|MẪU|Phụ lục|PL|TK)[\s\d]")
FORM_WINDOW = 90


def _counts(text: str) -> tuple[int | None, int | None]:
    """Originals and copies from "1 bản chính,1 bản sao" (bản gốc counts as an original)."""
    originals = copies = None
    for number, kind in ONE_COUNT.findall(text):
        if kind in ("chính", "gốc"):
            originals = (originals or 0) + int(number)
        else:
            copies = (copies or 0) + int(number)
    return originals, copies


def _form_starts(text: str, i: int) -> bool:
    """Whether a file name is glued on at ``i``: no space, after punctuation or a lower-case
    letter before a capital, or a usual form prefix glued to anything."""
    before, here = text[i - 1], text[i]
    if before.isspace() or here.isspace():
        return False
    if before in ".;:)]" or FORM_PREFIX.match(text, i):
        return True
    return here.isupper() and (before.islower() or before.isdigit())


def _split_form(text: str) -> tuple[str, str | None]:
    """Split "…theo mẫu.Mẫu số 01.docx" into the paper's name and the attached form(s)."""
    files = list(FILE.finditer(text))
    if not files or files[-1].end() != len(text):
        return text, None
    first = files[0]
    window_start = max(0, first.start() - FORM_WINDOW)
    cut = next((i for i in range(max(window_start, 1), first.start()) if _form_starts(text, i)), 0)
    if not cut:
        return text, None
    forms = FILE.sub(lambda m: m.group(0) + "\n", text[cut:]).split("\n")
    return text[:cut], "; ".join(f.strip() for f in forms if f.strip())


def _paper(raw: str, counts: str, group: str | None) -> Paper | None:
    name, form = _split_form(clean(raw).strip())
    name = name.strip(" ;")
    if not name and not form:
        return None
    originals, copies = _counts(counts)
    text = clean(raw + counts)
    return Paper(name=name or form or "", form=form, originals=originals, copies=copies,
                 group=group, text=text)


def _group(title: str) -> str | None:
    return clean(title).strip("*-: ") or None


def _section(body: str, group: str | None) -> tuple[list[Paper], str]:
    """Papers of one section, and the text left after the last count (the next title)."""
    papers, start = [], 0
    for match in COUNTS.finditer(body):
        digits = match["digits"]
        cut = match.start()
        if len(digits) > 1 and (digits[0] == "0" or int(digits) > 50):
            cut += len(digits) - 1  # "Mẫu số 01" glued to "1 bản chính"
        paper = _paper(body[start:cut], body[cut : match.end()], group)
        if paper:
            papers.append(paper)
        start = match.end()
    return papers, body[start:]


def parse_paper_text(text: str) -> tuple[Paper, ...]:
    """Papers of a flattened portal table, classified and in the law's order, section by section."""
    parts = (text or "").split(HEADER)
    if len(parts) < 2:
        return ()
    papers: list[Paper] = []
    group = _group(parts[0])
    for index, body in enumerate(parts[1:], start=1):
        found, rest = _section(body, group)
        if index == len(parts) - 1:
            tail = _paper(rest, "", group) if clean(rest) else None
            found.extend([tail] if tail else [])
        papers.extend(refine_section(found, group))
        if index < len(parts) - 1:
            group = _group(rest)
    return tuple(papers)


def parse_paper_rows(rows: tuple[dict[str, str], ...]) -> tuple[Paper, ...]:
    """Papers of an already split table (Ministry of Defence: ``ghi_chu`` holds the counts)."""
    papers = []
    for row in rows:
        name = clean(row.get("ten_giay_to", ""))
        if not name:
            continue
        note = row.get("ghi_chu", "")
        counts = dict(re.findall(r"Bản (chính|sao)\s*:\s*(\d+)", note))
        papers.append(
            Paper(
                name=name,
                form=clean(row.get("so_luong", "")) or None,
                originals=int(counts["chính"]) if "chính" in counts else None,
                copies=int(counts["sao"]) if "sao" in counts else None,
                text=clean(" ".join(v for v in row.values() if v)),
            )
        )
    return refine_section(papers, None)


# --- Classifying -------------------------------------------------------------------------------

_BULLETS = "-–—•*+·●○▪■►✓!\uf0fc\uf0b7\uf0a7\uf0d8\uf076\uf02d"
_LEAD = re.compile(rf"[\s{re.escape(_BULLETS)}]*")
# "a)", "(a)", "a.", "1.", "1)", "(1)", "2/", "1.2.", "a.1)", "c3)", "1a.", "(iv)", "ii)"; the
# label must be followed by text, and a figure such as "1.000 đồng" is no label.
_LABEL = re.compile(
    r"(?:\((?P<paren>\d{1,2}(?:\.\d{1,2}){0,3}|[a-zđ](?:\.?\d{1,2}){0,2}|[ivx]{2,5})\)"
    r"|(?P<plain>\d{1,2}(?:\.\d{1,2}){0,3}[a-zđ]?|[a-zđ](?:\.?\d{1,2}){0,2}|[ivx]{2,5})"
    r"(?:\.\)|[.)/]))(?!\d)(?=\s*\S)"
)
# The defence ministry numbers items in words: "Thành phần hồ sơ 2 (nếu có): …".
_NUMBERED = re.compile(r"thành phần hồ sơ\s+(\d{1,2})\b")
_ALPHABET = "abcdđefghijklmnopqrstuvwxyz"  # Vietnamese law skips f, j, w, z; đ follows d
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}


def _roman(text: str) -> int | None:
    """Value of a lower-case Roman numeral ("iv" → 4), None if it is not one."""
    if not text or any(c not in _ROMAN_VALUES for c in text):
        return None
    total = 0
    for i, c in enumerate(text):
        value = _ROMAN_VALUES[c]
        following = _ROMAN_VALUES[text[i + 1]] if i + 1 < len(text) else 0
        total += -value if value < following else value
    canonical = {1: "i", 2: "ii", 3: "iii", 4: "iv", 5: "v", 6: "vi", 7: "vii", 8: "viii",
                 9: "ix", 10: "x", 11: "xi", 12: "xii", 13: "xiii", 14: "xiv", 15: "xv"}
    return total if canonical.get(total) == text else None


def _nfc(text: str) -> str:
    """The sources mix composed and decomposed diacritics; rules match composed lower case."""
    return unicodedata.normalize("NFC", text).lower()


# Words that open a case: "Trường hợp…", "Đối với…", "Nếu…", "Ngoài…".
_CASE = re.compile(r"\(?(?:trường hợp|đối với|nếu|khi|ngoài|tùy|tuỳ|riêng|trừ)\b")
# A paper named by a particular noun; a heading naming one of these introduces its contents.
_PARTICULAR = re.compile(
    r"(?:\(?\d{1,2}\)?\s+|(?:một|hai|ba|bốn)\s+(?:\(\d{1,2}\)\s+)?)?"
    r"(?:bản|văn bản|văn bằng|giấy|đơn|báo cáo|báo giá|tờ|danh sách|danh mục|quyết định|hợp đồng|"
    r"phương án|biên bản|biên lai|thông báo|phiếu|chứng chỉ|chứng nhận|chứng thư|chứng từ|bảng|"
    r"đề án|đề cương|dự án|dự thảo|dự toán|công văn|điều lệ|nghị quyết|mẫu|sơ yếu|sơ đồ|sơ họa|"
    r"hộ chiếu|quy chế|quy trình|cam kết|phụ lục|kế hoạch|hóa đơn|hoá đơn|ảnh|thuyết minh|"
    r"trích lục|trích sao|lý lịch|chứng minh (?:nhân dân|thư)|cmnd|cccd|thỏa thuận|thoả thuận|"
    r"tóm tắt|sổ|bằng|thẻ|chương trình|biểu|tệp|nhãn|bình đồ|vận đơn|luận chứng|căn cước|ý kiến|"
    r"catalogue|catalog|đĩa|phim)\b"
)
# Papers in general ("Hồ sơ gồm:", "Các giấy tờ sau:", "Bản chụp các giấy tờ…"): a heading, or
# the subject of a rule about papers.
_GENERAL = re.compile(
    r"(?:bản (?:chụp|sao|chính) )?(?:các|những|một số|một trong (?:các|những))\s+(?:loại\s+)?"
    r"(?:giấy tờ|tài liệu|hồ sơ|thành phần hồ sơ|chứng cứ|văn bản|chứng từ)\b"
    r"|(?:giấy tờ|tài liệu|hồ sơ|thành phần hồ sơ|bộ hồ sơ|chứng cứ)\b"
)
# Notes by their first words: "Lưu ý", "Số lượng hồ sơ: 01 bộ", a bare legal reference.
_NOTE_START = re.compile(
    r"(?:lưu ý|ghi chú|chú ý|số lượng|sl hồ sơ|số bộ hồ sơ|thời hạn|giá trị sử dụng"
    r"|không quy định\b)"
    r"|\(?(?:theo quy định tại\s+)?(?:điểm\s+[a-zđ]|khoản\s+\d|điều\s+\d)\b[^()]*\)?\.?$"
)
# The wording of a rule about papers, not of a paper: duties and liabilities, exemptions, choices,
# validity, what officers do with what was handed in.
_RULE = re.compile(
    r"có trách nhiệm(?! (?:nộp|cung cấp|bổ sung|gửi|xuất trình|chuẩn bị|lập))"
    r"|(?<!người )chịu trách nhiệm"
    r"|không (?:phải|cần|bắt buộc(?: phải)?) (?:nộp|xuất trình|tải|cung cấp|gửi|chứng thực|có|kèm)"
    r"|không (?:được )?yêu cầu|không bắt buộc|có quyền|chỉ cần"
    r"|có thể (?:nộp|lựa chọn|sử dụng|thay thế|ủy quyền|uỷ quyền)|được (?:quyền )?lựa chọn"
    r"|được sử dụng (?:bản|thông tin)|hu[ỷy] bỏ|từ chối|điền tự động"
    r"|phải (?:bảo đảm|đảm bảo)|phải được hợp pháp ho[áa] lãnh sự"
    r"|thực hiện theo quy định tại|(?:các )?giấy tờ (?:phải xuất trình |phải nộp )?(?:nêu|nói) trên"
)
# An authority acting on what was handed in: "… thì cơ quan đăng ký hộ tịch yêu cầu…".
_AUTHORITY = re.compile(
    r"(?:cơ quan|người tiếp nhận|cán bộ|công chức|ủy ban|uỷ ban|ubnd|kho bạc|bộ phận|hệ thống)\b")
# The authority's own sentence still names a paper when it is the one handing it in.
_SUBMITS = re.compile(r"\bphải (?:nộp|có|gửi|bổ sung|xuất trình|kèm)|nộp thêm|gửi kèm")
# Someone other than a paper as the subject of the sentence: a rule unless they bring something.
_ACTOR = re.compile(
    r"(?:người|cơ quan|cá nhân|tổ chức|kho bạc|ủy ban|uỷ ban|ubnd|doanh nghiệp|thương nhân|"
    r"nhà đầu tư|hội đồng|đơn vị|nhân viên|cán bộ tiếp nhận|bộ phận)\b"
)
_BRINGS = re.compile(
    r"\b(?:nộp|gửi|kèm|cung cấp|xuất trình|bổ sung|phải có|có thêm|tải lên|mang theo|chuẩn bị|"
    r"đính kèm|gồm|có (?:công văn|văn bản|đơn|tờ trình|giấy)|"
    r"lập (?:văn bản|hồ sơ|tờ khai|danh sách|biên bản|bản kê))\b"
)
_SHOW_START = re.compile(
    r"xuất trình\b|trình (?:cho )?(?:biên phòng|cảng vụ|kiểm dịch|hải quan|cơ quan)")
# A title or heading switching to papers shown / handed in.
_SHOW_TITLE = re.compile(
    r"(?:(?:các\s+)?(?:loại\s+)?(?:giấy tờ|thành phần hồ sơ)\b[^.:]{0,50}?\bxuất trình"
    r"|xuất trình\b|[^.:]{0,60}?\bxuất trình (?:một trong )?(?:các|những) (?:loại )?giấy tờ)"
)
_SUBMIT_TITLE = re.compile(r"(?:các\s+)?(?:giấy tờ|thành phần hồ sơ|hồ sơ)[^.:]{0,20}?\bphải nộp")
_NOTE_TITLE = re.compile(r"\W*(?:lưu ý|ghi chú|chú ý)\b")
# A heading of one case: "Trường hợp…:", "Thành phần hồ sơ đối với phương tiện thương mại:".
_CASE_HEADING = re.compile(
    rf"{_CASE.pattern}|(?:thành phần )?hồ sơ\b[^:]{{0,40}}?\b(?:đối với|trường hợp)\b")
_SENTENCE_END = re.compile(r"(?<=[.;])\s+(?=\S)")


@dataclass
class _Item:
    """A paper being refined, with what the rules read from its name."""

    paper: Paper
    body: str  # the name without bullets and label, composed lower case
    depth: int | None  # how deep its bullet or label sits ("*" < "1." < "a)" < "i)" < "-" < "+")
    label: str | None = None
    scheme: str | None = None  # "num" | "letter" | "roman"
    key: tuple[int, ...] = ()

    @property
    def opens_list(self) -> bool:
        """Ends with a colon announcing items: "… bao gồm:", "… các nội dung sau:"."""
        return self.body.endswith(":") and bool(re.search(r"gồm|sau|cụ thể|như sau", self.body))


def _bullet_depth(lead: str) -> int | None:
    marks = lead.replace(" ", "").replace("\t", "")
    if not marks:
        return None
    if marks[0] == "*":
        return 0
    if marks[0] == "+":
        return 4 + len(marks)  # "+" 5, "++" 6
    return 4


def _read(paper: Paper) -> _Item:
    """Bullets, label and body of one item."""
    name = unicodedata.normalize("NFC", paper.name)
    lead = _LEAD.match(name)
    rest = name[lead.end() :] if lead else name
    match = _LABEL.match(rest)
    label = None
    if match and not (match["paren"] or match["plain"]).startswith("0"):
        label = match["paren"] or match["plain"]
        rest = rest[match.end() :]
    body = _nfc(_LEAD.sub("", rest, count=1).lstrip(" .!)").rstrip() if label else rest.strip())
    numbered = _NUMBERED.match(body)
    if label is None and numbered:
        label = numbered[1]
    return _Item(paper, body, _bullet_depth(lead.group(0) if lead else ""), label)


def _schemes(items: list[_Item]) -> None:
    """Name each label's scheme and sort key; a lone i, v or x is Roman only among Roman labels."""
    parts = {id(it): re.findall(r"\d+|[a-zđ]+", it.label) for it in items if it.label}
    romans = any(len(p[0]) > 1 and _roman(p[0]) for p in parts.values() if p)
    letters = {p[0] for p in parts.values() if p and len(p[0]) == 1 and p[0].isalpha()}
    lone_roman = {"i": "h", "v": "u", "x": "u"}  # Roman unless the letter before it is in use
    for it in items:
        p = parts.get(id(it))
        if not p:
            continue
        head = p[0]
        if head.isdigit():
            it.scheme = "num"
        elif (len(head) > 1 and _roman(head)) or (
                romans and head in lone_roman and lone_roman[head] not in letters):
            it.scheme = "roman"
        elif len(head) == 1:
            it.scheme = "letter"
        else:
            continue
        it.depth = {"num": 1, "letter": 2, "roman": 3}[it.scheme]
        key = []
        for i, part in enumerate(p):
            if part.isdigit():
                key.append(int(part))
            elif i == 0 and it.scheme == "roman":
                key.append(_roman(part) or 0)
            else:
                key.append(_ALPHABET.find(part[0]) + 1)
        it.key = tuple(key)


def _restore_order(items: list[_Item]) -> list[_Item]:
    """Items with each scrambled scheme sorted back (see the module docstring).

    A label used twice means several lists were merged (one per case): nothing is moved then."""
    keys = {s: [it.key for it in items if it.scheme == s] for s in ("num", "letter", "roman")}
    if any(len(set(k)) < len(k) for k in keys.values()):
        return items
    schemes = [s for s, k in keys.items() if k != sorted(k)]
    if not schemes:
        return items
    units: list[list[_Item]] = [[it] for it in items]

    def parent(scheme: str) -> list[_Item] | None:
        openers = [u for u in units if u[0].scheme != scheme and u[0].opens_list]
        return openers[0] if len(openers) == 1 else None

    for scheme in sorted(schemes, key=lambda s: parent(s) is None):  # nested schemes first
        members = [u for u in units if u[0].scheme == scheme]
        rest = [u for u in units if u[0].scheme != scheme]
        members.sort(key=lambda u: u[0].key)
        home = parent(scheme)
        if home is not None:
            home.extend(it for unit in members for it in unit)
            units = rest
        else:
            first = next(i for i, u in enumerate(units) if u[0].scheme == scheme)
            at = sum(1 for u in units[:first] if u[0].scheme != scheme)
            units = rest[:at] + members + rest[at:]
    return [it for unit in units for it in unit]


def _first_sentence(body: str) -> str:
    return _SENTENCE_END.split(body, maxsplit=1)[0]


def _is_heading(body: str) -> bool:
    """Ends with its only colon and names no particular paper (then the colon introduces the
    paper's contents); a long item listing papers inline may end with a colon too."""
    core = body.rstrip(" .;")
    return core.endswith(":") and ":" not in core.rstrip(":") and (
        _GENERAL.match(body) is not None or _PARTICULAR.match(body) is None)


def _kind(item: _Item, context: PaperKind) -> PaperKind:
    """SUBMIT / SHOW / NOTE of one item, given the kind its section or last heading set."""
    body = item.body
    if context is PaperKind.NOTE or not re.search(r"\w", body):
        return PaperKind.NOTE
    if _NOTE_START.match(body) or _is_heading(body):
        return PaperKind.NOTE
    first = _first_sentence(body)
    particular = _PARTICULAR.match(body) is not None and _GENERAL.match(body) is None
    if not particular:  # a paper named first stays a paper whatever rule its sentence adds
        then = ""
        outcome = first
        if _CASE.match(first):  # "Trường hợp X thì Y": Y says whether something is brought
            condition, then, outcome = first.partition(" thì ")
            outcome = outcome if then else condition.partition(":")[2] or condition
        if _RULE.search(outcome) or (_ACTOR.match(outcome) and not _BRINGS.search(outcome)):
            return PaperKind.NOTE
        if then and _AUTHORITY.match(outcome) and not _SUBMITS.search(outcome):
            return PaperKind.NOTE  # "… thì cơ quan đăng ký yêu cầu…"
    if _SHOW_TITLE.match(body) or _SHOW_START.match(body):
        return PaperKind.SHOW
    return context


def _title_kind(title: str | None) -> PaperKind:
    text = _nfc(title or "").lstrip("*-+ ")
    if _NOTE_TITLE.match(text):
        return PaperKind.NOTE
    if _SHOW_TITLE.match(text) and not re.search(r"\bnộp\b|bản sao và xuất trình", text):
        return PaperKind.SHOW
    return PaperKind.SUBMIT


def _case_title(paper: Paper) -> str:
    return clean(paper.name).strip(f"{_BULLETS} ").rstrip(":： ").strip() or paper.name


def _scope_end(items: list[_Item], start: int) -> int:
    """Index after the last item a case heading at ``start`` covers: up to the next heading; when
    its first item sits deeper (a "-" heading over "+" items), only the deeper items."""
    depth = items[start].depth
    deeper = (depth is not None and start + 1 < len(items) and items[start + 1].depth is not None
              and items[start + 1].depth > depth)
    end = start + 1
    while end < len(items) and not _is_heading(items[end].body):
        child = items[end].depth
        if deeper and child is not None and child <= depth:
            break
        end += 1
    return end


def refine_section(papers: Sequence[Paper], title: str | None) -> tuple[Paper, ...]:
    """One section's items with kind and label set, in the law's order, under their case heading."""
    items = [_read(p) for p in papers]
    _schemes(items)
    items = _restore_order(items)
    context = _title_kind(title)
    kinds = []
    for item in items:
        if _is_heading(item.body) and context is not PaperKind.NOTE:
            switch = _title_kind(item.body)
            if switch is not PaperKind.SUBMIT or _SUBMIT_TITLE.match(item.body):
                context = switch  # "Giấy tờ phải xuất trình:" inside a section or a row
        kinds.append(_kind(item, context))
    groups = [it.paper.group for it in items]
    for i, item in enumerate(items):
        if kinds[i] is PaperKind.NOTE and _is_heading(item.body) and _CASE_HEADING.match(item.body):
            for j in range(i + 1, _scope_end(items, i)):
                groups[j] = _case_title(item.paper)
    return tuple(dataclasses.replace(it.paper, kind=kinds[i], label=it.label, group=groups[i])
                 for i, it in enumerate(items))


def refine_stored(papers: Iterable[Paper]) -> tuple[Paper, ...]:
    """Papers stored before kinds and labels existed, refined section by section (a section is a
    run of items with the same group, the only trace of the source's sections they kept)."""
    runs: list[list[Paper]] = []
    for paper in papers:
        if runs and runs[-1][0].group == paper.group:
            runs[-1].append(paper)
        else:
            runs.append([paper])
    return tuple(p for run in runs for p in refine_section(run, run[0].group))
