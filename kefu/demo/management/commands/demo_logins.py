"""`kefu demo_logins`: print the demo log-ins (what `make run` shows before serving)."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.management.base import BaseCommand

from kefu.demo.users import demo_logins


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "Print the demo log-ins: username, password, role (Chinese and English), who they are."

    def handle(self, *args: Any, **options: Any) -> None:
        rows = demo_logins()
        if not any(row.exists for row in rows):
            self.stdout.write(
                "还没有演示账号，请先运行 `kefu demo` (no demo log-ins yet: run `kefu demo`)"
            )
            return
        table = [("用户名 Username", "密码 Password", "角色 Role", "说明 Who")]
        for row in rows:
            if row.exists:
                table.append((row.username, row.password, f"{row.role_zh} {row.role_en}", row.who))
        widths = [max(_width(r[i]) for r in table) for i in range(3)]
        self.stdout.write("演示账号 Demo log-ins")
        for i, r in enumerate(table):
            cells = [_pad(r[c], widths[c]) for c in range(3)]
            self.stdout.write("  ".join([*cells, r[3]]))
            if i == 0:
                self.stdout.write("  ".join("-" * w for w in widths) + "  " + "-" * _width(r[3]))
