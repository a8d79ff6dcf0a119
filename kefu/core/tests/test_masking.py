import pytest

from kefu.core.masking import (
    SEALED_KEY,
    mask_email,
    mask_name,
    mask_phone,
    mask_text,
    mask_value,
    parse_path,
    transform_path,
)


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


# --- names inside text -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        ("尊敬的张昊涛您好", ["张昊涛"], "尊敬的张**您好"),
        ("昊涛，您的退款已到账", ["张昊涛"], "**，您的退款已到账"),  # the given name alone
        (
            "王芳您好，芳芳在吗",
            ["王芳"],
            "王*您好，芳芳在吗",
        ),  # a 1-character given name: not alone
        ("欧阳娜娜 娜娜", ["欧阳娜娜"], "欧*** **"),
        ("Hi John, JOHN SMITH here", ["John Smith"], "Hi J***, J*** S**** here"),
        ("Johnson and Jo", ["John Smith"], "Johnson and Jo"),  # whole words, parts of 3+
        ("尊敬的张昊涛您好", [None, ""], "尊敬的张昊涛您好"),
    ],
)
def test_it_masks_the_customers_names_in_text(text, names, expected):
    assert mask_text(text, names) == expected


def test_it_masks_names_and_numbers_together_and_idempotently():
    text = "张昊涛 13812345678 zhanghaotao@example.com 身份证110101199003074518"
    once = mask_text(text, ["张昊涛"])
    assert once == "张** 138****5678 z***@example.com 身份证1101**********4518"
    assert mask_text(once, ["张昊涛"]) == once


# --- nested values ---------------------------------------------------------------------


def test_it_masks_every_string_of_a_nested_value():
    value = {
        "crm": {"phone": "13812345678", "cards": ["6222021234567890", {"note": "张昊涛"}]},
        "level": 3,
        "vip": True,
        "score": 9.5,
        "none": None,
        "order_no": "20240502123456",
    }
    assert mask_value(value, ["张昊涛"]) == {
        "crm": {"phone": "138****5678", "cards": ["6222********7890", {"note": "张**"}]},
        "level": 3,
        "vip": True,
        "score": 9.5,
        "none": None,
        "order_no": "20240502123456",
    }
    assert mask_value(mask_value(value, ["张昊涛"]), ["张昊涛"]) == mask_value(value, ["张昊涛"])


def test_it_masks_numbers_written_as_json_numbers_and_keys():
    value = {"phone": 13812345678, "card": 6222021234567890, "count": 12345678901234}
    assert mask_value(value) == {
        "phone": "138****5678",
        "card": "6222********7890",
        "count": 12345678901234,  # 14 digits: no pattern, kept as a number
    }
    assert mask_value({"13812345678": "mobile"}) == {"138****5678": "mobile"}


def test_it_masks_sealed_values_fully():
    assert mask_value({"id_card": {SEALED_KEY: "gAAAA…"}, "n": 1}) == {"id_card": "***", "n": 1}
    assert mask_value(7) == 7 and mask_value(None) is None


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("crm.phone", ("conversation", ("crm", "phone"))),
        ("customer.id_card", ("customer", ("id_card",))),
        ("messages[].contact", ("message", ("contact",))),
        ("order.receiver_phone", ("order", ("receiver_phone",))),
        ("survey.contact", ("survey", ("contact",))),
        ("customer", ("conversation", ("customer",))),
    ],
)
def test_it_parses_record_paths(path, expected):
    assert parse_path(path) == expected


def test_it_transforms_values_at_a_path():
    def star(_value):
        return "X"

    assert transform_path({"crm": {"phone": "1", "a": 2}}, ("crm", "phone"), star) == {
        "crm": {"phone": "X", "a": 2}
    }
    # a key that holds dots itself
    assert transform_path({"crm.phone": "1"}, ("crm", "phone"), star) == {"crm.phone": "X"}
    # lists, and missing keys change nothing
    assert transform_path({"c": [{"p": 1}, {"q": 2}]}, ("c[]", "p"), star) == {
        "c": [{"p": "X"}, {"q": 2}]
    }
    original = {"crm": "not a dict"}
    assert transform_path(original, ("crm", "phone"), star) is original
