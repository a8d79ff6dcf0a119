import pytest

from kefu.core.masking import mask_email, mask_name, mask_phone, mask_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的手机13812345678", "我的手机138****5678"),
        ("电话 138-1234-5678 谢谢", "电话 138****5678 谢谢"),
        ("身份证号110101199003074518", "身份证号1101**********4518"),
        ("身份证11010119900307451X", "身份证1101**********451X"),
        ("卡号 6222 0212 3456 7890 123", "卡号 6222***********0123"),
        ("卡号6222021234567890", "卡号6222********7890"),
        ("邮箱 wangfang@example.com", "邮箱 w***@example.com"),
    ],
)
def test_it_masks_personal_numbers_in_text(text, expected):
    assert mask_text(text) == expected


@pytest.mark.parametrize(
    "text", ["订单号 20240502123456", "金额 199.00 元", "工号 A0007", "验证码 123456"]
)
def test_it_leaves_other_numbers_alone(text):
    assert mask_text(text) == text


def test_it_masks_customer_fields():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("王芳") == "王*"
    assert mask_name("Jane Doe") == "J*** D**"
    assert mask_email("wf@example.com") == "w***@example.com"
    assert mask_phone(None) == ""
