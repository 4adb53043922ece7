"""Fill the database with a realistic Vietnamese demo: agencies, dialogues, questions, accounts."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sites.models import Site
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialogue import services
from dialogue.models import Answer, Participant, PresenceSample, Question, Vote
from events.models import Agency, AgencyMembership, Event, EventRole, User

# The demo accounts' password, printed by the command and in the README: demo data only.
PASSWORD = "demo12345"  # noqa: S105
SITE_DOMAIN = "127.0.0.1:8000"
SITE_NAME = "Đối thoại chính sách – pháp luật"
LIVE_SLUG = "doi-thoai-luat-dat-dai-2024"

APPROVED = Question.Status.APPROVED
ANSWERED = Question.Status.ANSWERED
PENDING = Question.Status.PENDING
REJECTED = Question.Status.REJECTED


@dataclass(frozen=True)
class DemoAccount:
    """One demo login; `key` is how the question data below refers to it."""

    key: str
    email: str
    display_name: str
    role: str
    is_staff: bool = False
    is_superuser: bool = False


ACCOUNTS = (
    DemoAccount(
        "admin",
        "admin@example.org",
        "Quản trị hệ thống",
        "site admin",
        is_staff=True,
        is_superuser=True,
    ),
    DemoAccount(
        "bientap", "bientap@example.org", "Phạm Thu Hà – Biên tập viên", "moderator", is_staff=True
    ),
    DemoAccount(
        "canbo", "canbo@example.org", "Nguyễn Đức Long – Sở Tư pháp", "official", is_staff=True
    ),
    DemoAccount(
        "tochuc", "tochuc@example.org", "Ban Tổ chức đối thoại", "organiser", is_staff=True
    ),
    DemoAccount("congdan", "congdan@example.org", "Nguyễn Minh Tuấn", "citizen"),
    # A second signed-in citizen, so that not every signed-in question has the same author.
    DemoAccount("congdan2", "congdan2@example.org", "Trần Thị Mai", "citizen"),
)


@dataclass(frozen=True)
class DemoAgency:
    """An agency of the demo."""

    slug: str
    name: str
    description: str


AGENCY = DemoAgency(
    "so-tu-phap-bac-ninh",
    "Sở Tư pháp tỉnh Bắc Ninh",
    "Cơ quan chuyên môn thuộc Ủy ban nhân dân tỉnh Bắc Ninh, tham mưu về xây dựng và thi hành "
    "pháp luật, phổ biến, giáo dục pháp luật, hộ tịch, chứng thực và trợ giúp pháp lý.",
)
SECOND_AGENCY = DemoAgency(
    "ubnd-huyen-tien-du",
    "UBND huyện Tiên Du",
    "Ủy ban nhân dân huyện Tiên Du, tỉnh Bắc Ninh.",
)


@dataclass(frozen=True)
class Ask:
    """A demo question: who asks (a nickname, or "@key" for an account) and what becomes of it."""

    who: str
    text: str
    status: str = APPROVED
    votes: int = 0
    anonymous: bool = False
    # Minutes after the start of the event when it was asked; None keeps the real moment.
    at: int | None = None

    def __post_init__(self) -> None:
        if self.votes and self.status not in Question.PUBLIC_STATUSES:
            raise ValueError(f"only public questions can have votes: {self.text[:40]!r}")


@dataclass(frozen=True)
class DemoEvent:
    """A demo dialogue with its questions and the participants who only vote."""

    slug: str
    agency: DemoAgency
    title: str
    description: str
    status: str
    moderation_mode: str = Event.Moderation.PRE
    allow_anonymous: bool = True
    question_max_length: int = 500
    asks: Sequence[Ask] = ()
    voters: Sequence[str] = ()


# --- 1. The live dialogue on the Land Law ---------------------------------------------------------

LAND_DESCRIPTION = """\
Luật Đất đai số 31/2024/QH15 có hiệu lực từ ngày 01/8/2024 và thay đổi nhiều quy định gắn \
trực tiếp với quyền lợi của người dân: cấp Giấy chứng nhận quyền sử dụng đất (sổ đỏ) cho đất \
không có giấy tờ, bảng giá đất, bồi thường, hỗ trợ và tái định cư khi Nhà nước thu hồi đất, \
tách thửa, chuyển mục đích sử dụng đất, thừa kế và tặng cho quyền sử dụng đất.

Trả lời câu hỏi tại buổi đối thoại là lãnh đạo Sở Tư pháp, đại diện cơ quan quản lý đất đai \
của tỉnh, Văn phòng Đăng ký đất đai và Ủy ban nhân dân một số địa phương có dự án thu hồi đất.

Cách tham gia: nhập tên hiển thị (không cần tài khoản) hoặc đăng nhập, rồi gửi câu hỏi ở ô \
bên dưới, tối đa 500 ký tự. Có thể chọn gửi ẩn danh để không hiện tên. Bấm nút ▲ bên cạnh câu \
hỏi của người khác nếu bạn cũng quan tâm: câu hỏi được nhiều người quan tâm sẽ được ưu tiên \
trả lời. Câu hỏi quảng cáo, không đúng chủ đề hoặc có lời lẽ xúc phạm sẽ không được hiển thị."""

LAND_ASKS = (
    Ask(
        "Nguyễn Văn Hùng",
        "Nhà tôi ở xã Hoàn Sơn, đất ông bà để lại sử dụng từ năm 1990, không có giấy tờ gì, "
        "không tranh chấp với ai. Luật Đất đai 2024 có cho cấp sổ đỏ với đất không giấy tờ "
        "trước ngày 01/7/2014 không ạ? Nếu được thì có phải nộp tiền sử dụng đất không, nộp "
        "bao nhiêu?",
        votes=18,
        at=-2650,
    ),
    Ask(
        "Chị Lan – Từ Sơn",
        "Bảng giá đất mới của tỉnh tăng nhiều quá, có chỗ gấp mấy lần. Cho em hỏi nhà em đang "
        "làm thủ tục chuyển đất vườn sang đất ở thì tiền sử dụng đất tính theo bảng giá mới hay "
        "bảng giá cũ? Hồ sơ em nộp từ mấy tháng trước mà chưa giải quyết xong ạ.",
        votes=21,
        at=-2210,
    ),
    Ask(
        "Trần Đức Thắng",
        "Khu tôi nằm trong dự án khu công nghiệp, đang kiểm đếm để thu hồi đất nông nghiệp. "
        "Theo luật mới thì người dân bị thu hồi đất nông nghiệp được bồi thường bằng đất ở hay "
        "chỉ bằng tiền? Giá bồi thường tính tại thời điểm nào?",
        votes=16,
        at=-1900,
    ),
    Ask(
        "Bác Tư – Quế Võ",
        "Tôi có mảnh đất 120m2 muốn tách làm đôi cho hai con trai. Xin hỏi diện tích tối thiểu "
        "được tách thửa ở Bắc Ninh hiện nay là bao nhiêu mét vuông, mặt tiền phải rộng bao nhiêu?",
        votes=3,
        at=-1720,
    ),
    Ask(
        "Lê Thị Hồng Nhung",
        "Bố mẹ em mất không để lại di chúc, sổ đỏ đứng tên bố. Nhà có 4 anh chị em, 2 người "
        "đang ở nước ngoài. Muốn sang tên cho anh cả thì cần những giấy tờ gì, những người ở "
        "nước ngoài có phải về Việt Nam ký không ạ?",
        votes=9,
        at=-1450,
    ),
    Ask(
        "Phạm Minh Quân",
        'Sổ đỏ nhà tôi cấp năm 2005 ghi "Hộ ông Phạm Văn Lộc". Nghe nói luật mới bỏ hộ gia '
        "đình, vậy sổ cũ có còn giá trị không, có bắt buộc phải cấp đổi không? Khi bán đất thì "
        "những ai trong hộ phải ký?",
        votes=12,
        at=-1380,
    ),
    Ask(
        "Hoàng Văn Toản – Yên Phong",
        "Xin hỏi thời hạn giải quyết hồ sơ cấp Giấy chứng nhận lần đầu là bao nhiêu ngày? Tôi "
        "nộp ở bộ phận một cửa hơn 3 tháng rồi vẫn chưa có kết quả, hỏi thì bảo đang chờ xác "
        "minh nguồn gốc đất.",
        votes=2,
        at=-1260,
    ),
    Ask(
        "Cô Hạnh – Thuận Thành",
        "Ruộng nhà tôi được giao từ năm 1993, nay hết thời hạn sử dụng đất nông nghiệp thì có "
        "phải làm thủ tục gia hạn không, có mất tiền không?",
        votes=7,
        at=-990,
    ),
    Ask(
        "Đỗ Quang Huy",
        "Tôi làm văn phòng ở Hà Nội, không trực tiếp sản xuất nông nghiệp. Luật mới có cho tôi "
        "nhận chuyển nhượng đất trồng lúa ở quê không, hạn mức bao nhiêu? Mua xong có được "
        "chuyển sang trồng cây lâu năm không?",
        votes=15,
        anonymous=True,
        at=-870,
    ),
    Ask(
        "Ngô Thị Thu Trang",
        "Cho em hỏi đất do UBND xã giao năm 2003, có biên lai thu tiền nhưng xã giao không đúng "
        "thẩm quyền, thì bây giờ có được cấp sổ không, có phải nộp thêm tiền không ạ?",
        votes=1,
        at=-640,
    ),
    Ask(
        "Anh Sơn – Tiên Du",
        "Thủ tục tặng cho quyền sử dụng đất cho con có làm online trên Cổng dịch vụ công được "
        "không hay phải lên văn phòng đăng ký đất đai?",
        at=-415,
    ),
    Ask(
        "Vũ Thị Bích Ngọc",
        "Nhà em mua đất bằng giấy viết tay năm 2012, người bán giờ chuyển đi đâu không liên lạc "
        "được. Em có làm sổ đỏ được không, cần những gì ạ?",
        votes=4,
        at=-300,
    ),
    Ask(
        "@congdan",
        "Luật mới quy định bảng giá đất được ban hành và điều chỉnh hằng năm. Khi tỉnh điều "
        "chỉnh bảng giá thì người dân có được lấy ý kiến không, công bố ở đâu để tra cứu giá "
        "của thửa đất nhà mình?",
        votes=11,
        at=-180,
    ),
    Ask(
        "@congdan2",
        "Tôi là người Việt Nam định cư ở nước ngoài nhưng vẫn còn quốc tịch Việt Nam. Theo luật "
        "mới tôi có được đứng tên sổ đỏ mảnh đất bố mẹ để lại ở Từ Sơn không?",
        votes=6,
        at=-95,
    ),
    Ask(
        "Nguyễn Văn Hùng",
        "Hỏi thêm: nếu đất không giấy tờ mà một phần nằm trong hành lang an toàn giao thông thì "
        "phần đó có được cấp sổ không, sau này mở đường có được bồi thường không?",
        votes=5,
        at=-20,
    ),
    Ask(
        "Chị Lan – Từ Sơn",
        "Khi Nhà nước thu hồi đất ở mà gia đình không còn chỗ ở nào khác trong địa bàn xã thì "
        "có được bố trí tái định cư không, trong thời gian chờ có được hỗ trợ tiền thuê nhà "
        "không ạ?",
        status=ANSWERED,
        votes=19,
        at=-12,
    ),
    Ask(
        "Trần Đức Thắng",
        "Đất nông nghiệp bị thu hồi thì ngoài tiền bồi thường có khoản hỗ trợ đào tạo, chuyển "
        "đổi nghề và tìm kiếm việc làm không? Mức hỗ trợ do tỉnh quy định hay trung ương?",
        votes=8,
        at=-5,
    ),
    Ask(
        "Lê Thị Hồng Nhung",
        "Chồng tôi tự ý mang sổ đỏ đứng tên hai vợ chồng đi cầm cố vay tiền bên ngoài. Tôi có "
        "thể làm đơn đề nghị ngăn chặn giao dịch hoặc cấp lại sổ không?",
        votes=3,
        anonymous=True,
        at=2,
    ),
    Ask(
        "Cô Hạnh – Thuận Thành",
        "Nhà tôi xây trên đất nông nghiệp từ năm 2010, nhà cấp 4, ở ổn định từ đó đến nay. Bây "
        "giờ muốn hợp thức hóa lên đất ở thì có được không, có bị phạt không?",
        status=ANSWERED,
        votes=14,
        at=4,
    ),
    Ask(
        "Phạm Minh Quân",
        "Mình muốn hỏi tiền chậm nộp tiền sử dụng đất tính thế nào, nhà mình được ghi nợ tiền "
        "sử dụng đất từ năm 2016 đến giờ chưa trả.",
        votes=2,
        at=7,
    ),
    Ask(
        "Ngô Thị Thu Trang",
        "Sổ đỏ nhà em bị mối xông rách mất một góc, chữ vẫn đọc được. Có cần cấp đổi không, làm "
        "ở đâu ạ?",
        at=11,
    ),
    Ask(
        "Vũ Thị Bích Ngọc",
        "Hàng xóm xây lấn sang đất nhà tôi khoảng 20cm, hòa giải ở thôn không thành. Giờ tôi "
        "phải gửi đơn lên đâu, UBND xã hay tòa án?",
        votes=1,
        anonymous=True,
        at=14,
    ),
    Ask(
        "Anh Sơn – Tiên Du",
        "Đất thổ cư trong khu dân cư nhưng nằm trong quy hoạch làm đường mấy chục năm nay mà "
        "chưa thực hiện. Có được xây nhà, được cấp phép không? Quy hoạch treo như vậy thì dân "
        "phải chờ đến bao giờ?",
        votes=10,
        at=17,
    ),
    Ask(
        "Nhà đất Kinh Bắc",
        "Bán đất nền giá rẻ khu Từ Sơn, sổ đỏ sẵn, hỗ trợ vay ngân hàng 70%, LH 09xx.xxx.xxx",
        status=REJECTED,
        at=21,
    ),
    Ask(
        "Hoàng Văn Toản – Yên Phong",
        "Cho hỏi đất đấu giá mua năm 2021 đã nộp đủ tiền mà đến giờ vẫn chưa được giao đất ngoài "
        "thực địa thì người mua phải làm thế nào?",
        status=PENDING,
        at=25,
    ),
    Ask(
        "@congdan",
        "Làm sổ đỏ lần đầu thì phải nộp những khoản phí, lệ phí nào? Hộ nghèo, gia đình chính "
        "sách có được miễn giảm không?",
        status=PENDING,
        anonymous=True,
        at=27,
    ),
    Ask(
        "Đỗ Quang Huy",
        "khi chuyển nhượng đất thì thuế thu nhập cá nhân 2% tính trên giá hợp đồng hay giá "
        "trong bảng giá đất vậy ạ",
        status=PENDING,
        at=29,
    ),
)

LAND_VOTERS = (
    "Minh Anh",
    "Bùi Văn Lực",
    "Dương Thị Hà",
    "Đinh Công Tráng",
    "Lương Văn Tâm",
    "Chú Bảy – Gia Bình",
    "Trịnh Thu Hương",
    "Nguyễn Thị Yến",
    "Kiều Văn Nam",
    "Tạ Quang Vinh",
    "Phùng Thị Lan Anh",
    "Hà Văn Đức",
)

# --- 2. Scheduled: marriage and family ------------------------------------------------------------

FAMILY_ASKS = (
    Ask(
        "Nguyễn Thị Thảo",
        "Em 19 tuổi, bạn trai 20 tuổi, bọn em muốn đăng ký kết hôn thì đã đủ tuổi chưa ạ? Đăng "
        "ký ở xã nơi em ở hay nơi anh ấy ở?",
        votes=6,
    ),
    Ask(
        "Anh Quyết – Lim",
        "Vợ chồng tôi thuận tình ly hôn, con gái 5 tuổi. Nếu hai bên thỏa thuận để bố nuôi con "
        "thì tòa có công nhận không hay con nhỏ bắt buộc phải giao cho mẹ?",
        votes=9,
    ),
    Ask(
        "Đặng Thu Phương",
        "Xin hỏi mức cấp dưỡng nuôi con sau ly hôn được tính thế nào? Nếu người kia cố tình "
        "không đóng thì tôi phải làm gì?",
        votes=4,
    ),
    Ask(
        "Chị Mơ – Gia Bình",
        "Tôi kết hôn với người Hàn Quốc, nay muốn ly hôn nhưng anh ấy đã về nước, không liên lạc "
        "được. Tôi có ly hôn đơn phương ở Việt Nam được không?",
        status=PENDING,
    ),
    Ask(
        "Lưu Văn Khánh",
        "Giấy xác nhận tình trạng hôn nhân có giá trị trong bao lâu? Tôi xin ở xã mình để đăng "
        "ký kết hôn ở tỉnh khác có được không?",
        status=PENDING,
    ),
    Ask(
        "@congdan2",
        "Nhà đất bố mẹ chồng tặng riêng cho chồng tôi sau khi cưới, hợp đồng tặng cho ghi rõ là "
        "tặng riêng. Khi ly hôn tôi có được chia phần nào không?",
        status=PENDING,
        anonymous=True,
    ),
    Ask(
        "Nguyễn Thị Thảo",
        "Có đăng ký kết hôn trực tuyến trên Cổng dịch vụ công được không hay bắt buộc hai người "
        "phải có mặt ở UBND xã ạ?",
        status=PENDING,
    ),
    Ask(
        "Bà Nguyễn Thị Lụa",
        "Cháu nội tôi 8 tuổi, bố mẹ cháu đang ly hôn, cháu muốn ở với bà nội thì có được không? "
        "Tòa có hỏi ý kiến cháu không?",
        status=PENDING,
    ),
)

FAMILY_VOTERS = ("Hà Thị Ngân", "Phan Văn Long", "Cao Thị Huệ", "Mai Đức Anh", "@congdan")

# --- 4. Ended: traffic offences -------------------------------------------------------------------

TRAFFIC_ASKS = (
    Ask(
        "Nguyễn Văn Bình",
        "Theo Nghị định 168/2024 thì xe máy vượt đèn đỏ bị phạt bao nhiêu, có bị trừ điểm giấy "
        "phép lái xe không?",
        status=ANSWERED,
        votes=17,
        at=-1440,
    ),
    Ask(
        "Tài xế Quang – Quế Võ",
        "Tôi bị phạt nguội qua camera nhưng xe đã bán cho người khác từ lâu, chưa làm thủ tục "
        "sang tên. Tôi có phải nộp phạt không?",
        status=ANSWERED,
        votes=12,
        at=-1100,
    ),
    Ask(
        "Lê Thị Huyền",
        "Nộp phạt vi phạm giao thông online trên Cổng dịch vụ công thế nào, nộp xong có phải lên "
        "trụ sở công an lấy lại giấy tờ không?",
        status=ANSWERED,
        votes=9,
        at=-600,
    ),
    Ask(
        "@congdan",
        "Điểm giấy phép lái xe bị trừ hết thì sao, bao lâu thì được phục hồi đủ 12 điểm?",
        status=ANSWERED,
        votes=11,
        at=-240,
    ),
    Ask(
        "Phạm Văn Chiến",
        "Uống một cốc bia rồi đi xe máy, bị thổi nồng độ cồn thì phạt bao nhiêu, có bị tạm giữ "
        "xe không?",
        status=ANSWERED,
        votes=8,
        anonymous=True,
        at=-30,
    ),
    Ask(
        "Đào Minh Khoa",
        "Quá thời hạn nộp phạt ghi trong quyết định xử phạt thì có bị tính tiền chậm nộp không?",
        status=ANSWERED,
        votes=3,
        at=10,
    ),
    Ask(
        "Chị Oanh – Từ Sơn",
        "Trẻ em dưới 10 tuổi ngồi ghế trước ô tô thì người lái có bị phạt không, áp dụng từ khi "
        "nào?",
        votes=5,
        at=25,
    ),
    Ask(
        "Trương Văn Hải",
        "Người vi phạm có quyền yêu cầu xem hình ảnh, video ghi lại lỗi vi phạm không?",
        votes=6,
        at=48,
    ),
    Ask(
        "Lê Thị Huyền",
        "Bị lập biên bản nhưng tôi không đồng ý với lỗi ghi trong biên bản thì khiếu nại ở đâu, "
        "trong thời hạn bao lâu?",
        votes=2,
        at=70,
    ),
    Ask(
        "Nguyễn Văn Bình",
        "Cho tôi hỏi thủ tục tách thửa đất nông nghiệp ở xã Lạc Vệ thế nào?",
        status=REJECTED,
        at=85,
    ),
)

TRAFFIC_VOTERS = (
    "Hồ Văn Dũng",
    "Lâm Thị Nga",
    "Tô Văn Thành",
    "Quách Thị Diệu",
    "Nghiêm Xuân Phúc",
    "Doãn Thị Mến",
    "Khúc Văn Hưng",
    "Âu Thị Thanh",
    "Lại Văn Cường",
    "Mạc Thị Hoa",
    "Thân Văn Tùng",
    "Giáp Thị Vân",
)


def demo_events() -> list[DemoEvent]:
    """The five demo dialogues; times are filled in by the command, relative to now."""
    return [
        DemoEvent(
            LIVE_SLUG,
            AGENCY,
            "Đối thoại chính sách – pháp luật: Luật Đất đai năm 2024 và quyền của người sử dụng "
            "đất",
            LAND_DESCRIPTION,
            Event.Status.LIVE,
            moderation_mode=Event.Moderation.POST,
            asks=LAND_ASKS,
            voters=LAND_VOTERS,
        ),
        DemoEvent(
            "doi-thoai-luat-hon-nhan-va-gia-dinh",
            AGENCY,
            "Luật Hôn nhân và gia đình: đăng ký kết hôn, ly hôn và quyền nuôi con",
            "Giải đáp các vướng mắc thường gặp về Luật Hôn nhân và gia đình năm 2014 và pháp "
            "luật về hộ tịch: điều kiện, thủ tục đăng ký kết hôn; ly hôn thuận tình và đơn "
            "phương; chia tài sản chung; quyền nuôi con và cấp dưỡng sau ly hôn.\n\n"
            "Trả lời câu hỏi: lãnh đạo Sở Tư pháp và đại diện Tòa án nhân dân tỉnh. Câu hỏi "
            "được nhận ngay từ bây giờ và hiển thị sau khi Ban biên tập duyệt.",
            Event.Status.SCHEDULED,
            asks=FAMILY_ASKS,
            voters=FAMILY_VOTERS,
        ),
        DemoEvent(
            "thu-tuc-hanh-chinh-cap-xa-tien-du",
            SECOND_AGENCY,
            "Thủ tục hành chính cấp xã: chứng thực, hộ tịch và dịch vụ công trực tuyến",
            "Giải đáp về chứng thực bản sao từ bản chính, chứng thực chữ ký, đăng ký khai sinh, "
            "khai tử, cấp bản sao trích lục hộ tịch và cách nộp hồ sơ trực tuyến trên Cổng Dịch "
            "vụ công quốc gia.\n\n"
            "Buổi đối thoại dành cho người đã đăng nhập tài khoản. Câu hỏi được nhận từ 5 ngày "
            "trước buổi đối thoại.",
            Event.Status.SCHEDULED,
            allow_anonymous=False,
        ),
        DemoEvent(
            "doi-thoai-xu-ly-vi-pham-giao-thong",
            AGENCY,
            "Luật Xử lý vi phạm hành chính trong lĩnh vực giao thông: mức phạt, trừ điểm giấy "
            "phép lái xe và nộp phạt trực tuyến",
            "Giải đáp về xử phạt vi phạm hành chính trong lĩnh vực giao thông đường bộ theo Luật "
            "Xử lý vi phạm hành chính và Nghị định 168/2024/NĐ-CP: mức phạt, trừ và phục hồi "
            "điểm giấy phép lái xe, phạt nguội qua camera, nộp phạt trực tuyến.\n\n"
            "Buổi đối thoại đã kết thúc; các câu trả lời được tổng hợp trên trang của Sở.",
            Event.Status.ENDED,
            asks=TRAFFIC_ASKS,
            voters=TRAFFIC_VOTERS,
        ),
        DemoEvent(
            "luat-cong-chung-2024-nhung-diem-moi",
            AGENCY,
            "Luật Công chứng năm 2024: những điểm mới người dân cần biết",
            "Bản nháp, chưa công bố. Dự kiến giới thiệu các điểm mới của Luật Công chứng số "
            "46/2024/QH15: công chứng điện tử, phí công chứng, công chứng giao dịch về nhà đất.",
            Event.Status.DRAFT,
        ),
    ]


@dataclass(frozen=True)
class PastDialogue:
    """A dialogue held months ago, with its outcome in counts, so that the reports show history."""

    slug: str
    agency: DemoAgency
    title: str
    legal_field: str
    days_ago: int
    # Questions: answered live, answered in writing on time, in writing late, still unanswered,
    # published without an answer; then rejections as (reason, count), and merged duplicates.
    live: int
    written_on_time: int
    written_late: int
    unanswered: int
    published: int
    rejected: tuple[tuple[str, int], ...]
    merged: int
    audience: int
    topics: tuple[str, ...]


R = Question.RejectionReason
PAST_DIALOGUES = (
    PastDialogue(
        "hoi-dap-thua-ke-dat-dai-2026",
        AGENCY,
        "Hỏi đáp pháp luật: thừa kế quyền sử dụng đất",
        Event.LegalField.LAND,
        40,
        9,
        6,
        2,
        1,
        3,
        ((R.OFF_TOPIC, 3), (R.PERSONAL_CASE, 2)),
        2,
        140,
        ("Thừa kế", "Cấp giấy chứng nhận", "Tranh chấp"),
    ),
    PastDialogue(
        "doi-thoai-bao-hiem-xa-hoi-2026",
        AGENCY,
        "Đối thoại về bảo hiểm xã hội một lần",
        Event.LegalField.LABOUR,
        95,
        7,
        5,
        1,
        0,
        2,
        ((R.DUPLICATE, 2), (R.ABUSIVE, 1)),
        1,
        95,
        ("Hưởng một lần", "Lương hưu"),
    ),
    PastDialogue(
        "hoi-dap-ho-tich-tien-du-2026",
        SECOND_AGENCY,
        "Hỏi đáp về đăng ký hộ tịch tại cấp xã",
        Event.LegalField.ADMINISTRATIVE,
        130,
        6,
        4,
        2,
        0,
        1,
        ((R.UNCLEAR, 2), (R.ADVERTISING, 1)),
        0,
        60,
        ("Khai sinh", "Kết hôn"),
    ),
    PastDialogue(
        "doi-thoai-thue-ho-kinh-doanh-2026",
        AGENCY,
        "Đối thoại về thuế đối với hộ kinh doanh",
        Event.LegalField.TAX,
        200,
        8,
        3,
        1,
        0,
        2,
        ((R.OFF_TOPIC, 1), (R.OTHER, 1)),
        1,
        110,
        ("Thuế khoán", "Hóa đơn điện tử"),
    ),
)


def seed_past_dialogues(agencies: dict[str, Agency], official: User, now: datetime) -> list[Event]:
    """Ended dialogues with answers, rejections, written answers on time and late, presence."""
    created = []
    for spec in PAST_DIALOGUES:
        starts = _at(now, -spec.days_ago, 8, 30)
        ends = starts + timedelta(hours=2)
        event = Event.objects.create(
            agency=agencies[spec.agency.slug],
            slug=spec.slug,
            title=spec.title,
            legal_field=spec.legal_field,
            status=Event.Status.ENDED,
            starts_at=starts,
            ends_at=ends,
            questions_open_at=starts - timedelta(days=3),
        )
        rng = random.Random(spec.slug)  # noqa: S311 -- repeatable demo data, not a secret
        people = Participant.objects.bulk_create(
            Participant(event=event, nickname=f"Người dân {n + 1}")
            for n in range(spec.audience // 4)
        )
        due = ends + timedelta(days=event.written_answer_days)
        plan: list[tuple[str, str, str | None]] = list(
            [(ANSWERED, "", "live")] * spec.live
            + [(ANSWERED, "", "on_time")] * spec.written_on_time
            + [(ANSWERED, "", "late")] * spec.written_late
            + [(APPROVED, "", "due")] * spec.unanswered
            + [(APPROVED, "", None)] * spec.published
            + [(REJECTED, reason, None) for reason, count in spec.rejected for _ in range(count)]
            + [(Question.Status.MERGED, "", None)] * spec.merged
        )
        first: Question | None = None
        for number, (status, reason, answer) in enumerate(plan):
            asked = starts + timedelta(minutes=rng.randint(0, 100))
            question = Question.objects.create(
                event=event,
                author=rng.choice(people),
                status=status,
                rejection_reason=reason,
                text=f"Câu hỏi số {number + 1} về {spec.title[0].lower()}{spec.title[1:]}",
                topic=spec.topics[number % len(spec.topics)],
                merged_into=first if status == Question.Status.MERGED else None,
                answer_due_at=due if answer in ("on_time", "late", "due") else None,
                published_at=asked if status in Question.PUBLIC_STATUSES else None,
            )
            first = first or question
            answered = {
                "live": asked + timedelta(minutes=rng.randint(5, 20)),
                "on_time": due - timedelta(days=rng.randint(1, 10)),
                "late": due + timedelta(days=rng.randint(1, 5)),
            }.get(answer or "")
            Question.objects.filter(pk=question.pk).update(created_at=asked, answered_at=answered)
            if answered is not None:
                Answer.objects.create(
                    question=question,
                    official=official,
                    published_at=answered,
                    kind=Answer.Kind.LIVE if answer == "live" else Answer.Kind.WRITTEN,
                    body="Trả lời: theo quy định hiện hành, …",
                )
            if status in Question.PUBLIC_STATUSES:
                voters = rng.sample(people, rng.randint(0, min(8, len(people))))
                Vote.objects.bulk_create(Vote(participant=p, question=question) for p in voters)
                Question.objects.filter(pk=question.pk).update(vote_count=len(voters))
        PresenceSample.objects.bulk_create(
            PresenceSample(
                event=event,
                recorded_at=starts + timedelta(minutes=minute),
                connected=round(spec.audience * min(1, (minute + 10) / 40) * (1 - minute / 400)),
            )
            for minute in range(0, 121)
        )
        # History written directly: its public deltas were numbered when they were sent.
        public = event.questions.filter(status__in=Question.PUBLIC_STATUSES).count()
        Event.objects.filter(pk=event.pk).update(public_seq=public)
        created.append(event)
    return created


def _at(now: datetime, days: int, hour: int, minute: int = 0) -> datetime:
    """A round local time `days` from today, as the organisers would schedule it."""
    local = timezone.localtime(now) + timedelta(days=days)
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0)


def _schedule(now: datetime) -> dict[str, dict[str, Any]]:
    """Start, end and question opening of each demo event, relative to now."""
    return {
        LIVE_SLUG: {
            "starts_at": now - timedelta(minutes=30),
            "ends_at": now + timedelta(minutes=90),
            "questions_open_at": now - timedelta(days=2),
        },
        "doi-thoai-luat-hon-nhan-va-gia-dinh": {
            "starts_at": _at(now, 5, 8, 30),
            "ends_at": _at(now, 5, 10, 30),
            "questions_open_at": now,
        },
        "thu-tuc-hanh-chinh-cap-xa-tien-du": {
            "starts_at": _at(now, 12, 14),
            "ends_at": _at(now, 12, 16),
            "questions_open_at": _at(now, 7, 8),
        },
        "doi-thoai-xu-ly-vi-pham-giao-thong": {
            "starts_at": _at(now, -20, 8, 30),
            "ends_at": _at(now, -20, 10, 30),
            "questions_open_at": _at(now, -21, 8),
        },
        "luat-cong-chung-2024-nhung-diem-moi": {
            "starts_at": _at(now, 30, 9),
            "ends_at": _at(now, 30, 11),
            "questions_open_at": None,
        },
    }


class Command(BaseCommand):
    """Create the demo data once; with --reset, delete it and create it again."""

    # Lazy, so that it is translated into the language active when it is shown; argparse needs
    # plain strings, so create_parser renders it.
    help: str = _(  # type: ignore[assignment]
        "Create demo agencies, dialogues, questions, votes and one account per role "
        "(password demo12345). Does nothing if the demo data is already present."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        """The command's parser, with the lazy help text rendered for argparse."""
        self.help = str(self.help)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        reset = _("Delete the demo dialogues and accounts first, then create them again.")
        parser.add_argument("--reset", action="store_true", help=str(reset))

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            Site.objects.update_or_create(pk=1, defaults={"domain": SITE_DOMAIN, "name": SITE_NAME})
            Site.objects.clear_cache()
            if options["reset"]:
                self._delete()
            elif Agency.objects.filter(slug=AGENCY.slug).exists():
                self.stdout.write(
                    f"Demo data is already present (agency {AGENCY.slug!r}); nothing to do. "
                    "Run with --reset to recreate it."
                )
                self._print_summary()
                return
            self._create()
        self.stdout.write(self.style.SUCCESS("Demo data created."))
        self._print_summary()

    # --- Deleting ---------------------------------------------------------------------------

    def _delete(self) -> None:
        """Delete the demo events (with their questions and votes) and the demo accounts."""
        slugs = [spec.slug for spec in demo_events()]
        agencies = [AGENCY.slug, SECOND_AGENCY.slug]
        # The demo draft for comment lives in consultation/ (imported late: events stays first).
        from consultation.demo import delete_demo_drafts

        delete_demo_drafts(agency_slugs=agencies)
        events = Event.objects.filter(Q(agency__slug__in=agencies) | Q(slug__in=slugs))
        count = events.count()
        events.delete()
        User.objects.filter(email__in=[account.email for account in ACCOUNTS]).delete()
        self.stdout.write(f"Deleted {count} demo dialogues and the demo accounts.")

    # --- Creating ---------------------------------------------------------------------------

    def _create(self) -> None:
        """Create the accounts, the agencies and the five dialogues with their questions."""
        specs = demo_events()
        taken = Event.objects.filter(slug__in=[spec.slug for spec in specs])
        if taken.exists():
            raise CommandError(
                "These dialogue slugs are already used outside the demo: "
                f"{', '.join(taken.values_list('slug', flat=True))}. Run with --reset."
            )
        users = {account.key: self._account(account) for account in ACCOUNTS}
        agencies = {demo.slug: self._agency(demo) for demo in (AGENCY, SECOND_AGENCY)}
        now = timezone.now()
        schedule = _schedule(now)
        for spec in specs:
            event = Event.objects.create(
                agency=agencies[spec.agency.slug],
                slug=spec.slug,
                title=spec.title,
                description=spec.description,
                status=spec.status,
                moderation_mode=spec.moderation_mode,
                allow_anonymous=spec.allow_anonymous,
                question_max_length=spec.question_max_length,
                **schedule[spec.slug],
            )
            if spec.asks:
                self._fill(event, spec, users, now)
            # Staff roles: the moderator and the official work on every demo dialogue.
            EventRole.objects.create(
                event=event, user=users["bientap"], role=EventRole.Role.MODERATOR
            )
            EventRole.objects.create(
                event=event,
                user=users["canbo"],
                role=EventRole.Role.OFFICIAL,
                title="Phó Giám đốc Sở Tư pháp",
            )
        seed_past_dialogues(agencies, users["canbo"], now)
        for agency in agencies.values():
            AgencyMembership.objects.create(
                agency=agency, user=users["tochuc"], role=AgencyMembership.Role.ORGANISER
            )
        from consultation.demo import create_demo_draft

        create_demo_draft(
            event=Event.objects.get(slug=LIVE_SLUG),
            organiser=users["tochuc"],
            moderator=users["bientap"],
            official=users["canbo"],
        )

    def _account(self, account: DemoAccount) -> User:
        """Create the account (or bring an existing one back to the demo state) and its email."""
        user = User.objects.filter(email__iexact=account.email).first()
        if user is None and account.is_superuser:
            user = User.objects.create_superuser(
                account.email, PASSWORD, display_name=account.display_name
            )
        elif user is None:
            user = User.objects.create_user(
                account.email,
                PASSWORD,
                display_name=account.display_name,
                is_staff=account.is_staff,
            )
        else:
            user.display_name = account.display_name
            user.is_staff = account.is_staff
            user.is_superuser = account.is_superuser
            user.is_active = True
            user.set_password(PASSWORD)
            user.save()
        EmailAddress.objects.filter(user=user).exclude(email=user.email).update(primary=False)
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        return user

    def _agency(self, demo: DemoAgency) -> Agency:
        """Create the agency, or bring an existing one back to the demo state."""
        agency, _created = Agency.objects.update_or_create(
            slug=demo.slug, defaults={"name": demo.name, "description": demo.description}
        )
        return agency

    def _fill(self, event: Event, spec: DemoEvent, users: dict[str, User], now: datetime) -> None:
        """Ask, moderate and vote through the services, as the audience and moderators would."""
        # The services only accept questions and votes while an event is open, and every
        # question should go through moderation, so open the event in pre-moderation for now.
        Event.objects.filter(pk=event.pk).update(
            status=Event.Status.LIVE, moderation_mode=Event.Moderation.PRE
        )
        event.refresh_from_db()
        people: dict[str, Participant] = {}
        for who in [ask.who for ask in spec.asks] + list(spec.voters):
            if who not in people:
                people[who] = self._join(event, who, users)

        questions: list[Question] = []
        for ask in spec.asks:
            question = services.ask_question(
                participant=people[ask.who],
                text=ask.text,
                client_id=uuid.uuid4(),
                anonymous=ask.anonymous,
            )
            if ask.status in Question.PUBLIC_STATUSES:
                question = services.publish_question(question=question)
            elif ask.status == REJECTED:
                question = services.withdraw_question(question=question)
            questions.append(question)

        rng = random.Random(spec.slug)  # noqa: S311 -- repeatable demo data, not a secret
        for ask, question in zip(spec.asks, questions, strict=True):
            others = [person for person in people.values() if person.pk != question.author_id]
            if ask.votes > len(others):
                raise CommandError(f"Not enough demo voters in {spec.slug} for {ask.votes} votes.")
            for voter in rng.sample(others, ask.votes):
                services.vote(participant=voter, question_id=question.pk)
            self._settle(question, ask, event, spec, now)

        Event.objects.filter(pk=event.pk).update(
            status=spec.status, moderation_mode=spec.moderation_mode
        )
        event.refresh_from_db()

    def _join(self, event: Event, who: str, users: dict[str, User]) -> Participant:
        """Join the event as a demo account ("@key") or as an anonymous nickname."""
        if who.startswith("@"):
            return services.join_event(event=event, user=users[who[1:]], session=None)
        # A fresh in-memory session per nickname: each one is a separate anonymous browser.
        return services.join_event(
            event=event, user=AnonymousUser(), session=SessionBase(), nickname=who
        )

    def _settle(
        self, question: Question, ask: Ask, event: Event, spec: DemoEvent, now: datetime
    ) -> None:
        """Give the question its final status and the moment it was asked and published."""
        changes: dict[str, Any] = {}
        if ask.status == ANSWERED:
            changes["status"] = ANSWERED
        if ask.at is not None:
            asked = min(event.starts_at + timedelta(minutes=ask.at), now)
            changes["created_at"] = asked
            if ask.status in Question.PUBLIC_STATUSES:
                review = timedelta(0)
                if spec.moderation_mode == Event.Moderation.PRE:
                    review = timedelta(minutes=6)
                changes["published_at"] = min(asked + review, now)
        if changes:
            Question.objects.filter(pk=question.pk).update(**changes)

    # --- Output -----------------------------------------------------------------------------

    def _print_summary(self) -> None:
        """Print the demo accounts as a table, and the address of the live dialogue."""
        rows = [("Role", "Email", "Password", "Name")]
        rows += [(a.role, a.email, PASSWORD, a.display_name) for a in ACCOUNTS]
        widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
        rule = "+" + "+".join("-" * (width + 2) for width in widths) + "+"
        self.stdout.write("")
        self.stdout.write(rule)
        for index, row in enumerate(rows):
            cells = zip(row, widths, strict=True)
            self.stdout.write("| " + " | ".join(cell.ljust(width) for cell, width in cells) + " |")
            if index == 0:
                self.stdout.write(rule)
        self.stdout.write(rule)
        self.stdout.write(
            "Staff accounts (admin, moderator, official, organiser) set up an authenticator app "
            "(TOTP) the first time they open a staff page; citizens never need one."
        )
        live = Event.objects.filter(slug=LIVE_SLUG).first()
        path = live.get_absolute_url() if live else f"/e/{LIVE_SLUG}/"
        self.stdout.write("")
        self.stdout.write(
            "Live demo dialogue: " + self.style.SUCCESS(f"http://{SITE_DOMAIN}{path}")
        )
