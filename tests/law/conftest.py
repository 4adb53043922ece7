from __future__ import annotations

from pathlib import Path

import pytest

from law.demo import create_demo_library
from law.matching import library_changed
from law.models import LegalDocument

DATA = Path(__file__).resolve().parent / "data"

# A law as it is pasted: its name and grounds, a chapter, articles with clauses and points,
# and an article whose opening words come before its clauses.
LAW_TEXT = """QUỐC HỘI
Luật số: 52/2014/QH13
LUẬT HÔN NHÂN VÀ GIA ĐÌNH
Căn cứ Hiến pháp nước Cộng hòa xã hội chủ nghĩa Việt Nam;

Chương IV
CHẤM DỨT HÔN NHÂN
Mục 1. LY HÔN
Điều 51. Quyền yêu cầu giải quyết ly hôn
1. Vợ, chồng hoặc cả hai người có quyền yêu cầu Tòa án giải quyết ly hôn.
2. Cha, mẹ, người thân thích khác có quyền yêu cầu Tòa án giải quyết ly hôn khi một bên vợ, \
chồng do bị bệnh tâm thần hoặc mắc bệnh khác mà không thể nhận thức, làm chủ được hành vi của \
mình, đồng thời là nạn nhân của bạo lực gia đình do chồng, vợ của họ gây ra làm ảnh hưởng \
nghiêm trọng đến tính mạng, sức khỏe, tinh thần của họ.
3. Chồng không có quyền yêu cầu ly hôn trong trường hợp vợ đang có thai, sinh con hoặc đang \
nuôi con dưới 12 tháng tuổi.
Điều 55. Thuận tình ly hôn
Trong trường hợp vợ chồng cùng yêu cầu ly hôn, nếu xét thấy hai bên thật sự tự nguyện ly hôn \
và đã thỏa thuận về việc chia tài sản, việc trông nom, nuôi dưỡng, chăm sóc, giáo dục con trên \
cơ sở bảo đảm quyền lợi chính đáng của vợ và con thì Tòa án công nhận thuận tình ly hôn; nếu \
không thỏa thuận được hoặc có thỏa thuận nhưng không bảo đảm quyền lợi chính đáng của vợ và \
con thì Tòa án giải quyết việc ly hôn.
"""

CIVIL_CODE_650 = """Điều 650. Những trường hợp thừa kế theo pháp luật
1. Thừa kế theo pháp luật được áp dụng trong trường hợp sau đây:
a) Không có di chúc;
b) Di chúc không hợp pháp;
c) Những người thừa kế theo di chúc chết trước hoặc chết cùng thời điểm với người lập di \
chúc; cơ quan, tổ chức được hưởng thừa kế theo di chúc không còn tồn tại vào thời điểm mở \
thừa kế;
d) Những người được chỉ định làm người thừa kế theo di chúc mà không có quyền hưởng di sản \
hoặc từ chối nhận di sản.
2. Thừa kế theo pháp luật cũng được áp dụng đối với các phần di sản sau đây:
a) Phần di sản không được định đoạt trong di chúc;
b) Phần di sản có liên quan đến phần của di chúc không có hiệu lực pháp luật;
c) Phần di sản có liên quan đến người được thừa kế theo di chúc nhưng họ không có quyền hưởng \
di sản, từ chối nhận di sản, chết trước hoặc chết cùng thời điểm với người lập di chúc; liên \
quan đến cơ quan, tổ chức được hưởng di sản theo di chúc, nhưng không còn tồn tại vào thời \
điểm mở thừa kế.
"""


@pytest.fixture
def library(db: None) -> list[LegalDocument]:
    """The demo library: twelve articles of the Civil Code and the Law on Marriage and Family."""
    return create_demo_library()


@pytest.fixture(autouse=True)
def _fresh_index() -> None:
    """Each test's database is rolled back, so the process's index must not outlive it."""
    library_changed()
