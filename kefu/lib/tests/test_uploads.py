import pytest

from kefu.lib.errors import Invalid
from kefu.lib.uploads import checked_type

TYPES = {
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".webp": ("image/webp", (b"RIFF",)),
    ".wav": ("audio/wav", (b"RIFF",)),
    ".mp4": ("video/mp4", (b"ftyp",)),
    ".txt": ("text/plain", ()),
}


def check(name: str, head: bytes) -> str:
    return checked_type(name, head, TYPES, refusal="refused", mismatch="mismatch")


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("a.PNG", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "image/png"),
        ("a.webp", b"RIFF\x10\0\0\0WEBPVP8 ", "image/webp"),
        ("a.wav", b"RIFF\x10\0\0\0WAVEfmt ", "audio/wav"),
        ("a.mp4", b"\0\0\0\x18ftypmp42", "video/mp4"),
        ("notes.txt", "退款到账慢".encode(), "text/plain"),
    ],
)
def test_a_file_whose_bytes_match_its_extension_is_accepted(name, head, expected):
    assert check(name, head) == expected


@pytest.mark.parametrize(
    ("name", "head"),
    [
        ("a.png", b"<svg xmlns='http://www.w3.org/2000/svg'>"),  # SVG renamed .png
        ("a.webp", b"RIFF\x10\0\0\0WAVEfmt "),  # a WAV renamed .webp
        ("a.wav", b"RIFF\x10\0\0\0WEBPVP8 "),
        ("a.mp4", b"ftypmp42\0\0\0\x18"),  # "ftyp" at the wrong offset
        ("a.txt", b"MZ\x90\0\x03\0\0\0"),  # a binary renamed .txt
    ],
)
def test_a_file_whose_bytes_contradict_its_extension_is_refused(name, head):
    with pytest.raises(Invalid, match="mismatch"):
        check(name, head)


@pytest.mark.parametrize("name", ["page.html", "a.svg", "noextension", "a.png.exe"])
def test_an_extension_not_in_the_table_is_refused(name):
    with pytest.raises(Invalid, match="refused"):
        check(name, b"\x89PNG\r\n\x1a\n")
