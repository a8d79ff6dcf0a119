"""Courses, lessons, attachments and tracks: pages and API by role, Markdown rendered
safely, uploads checked and served only through the access layer, lesson completion."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import client_for
from kefu.training.models import Course, Lesson, LessonAttachment, LessonProgress, Track
from kefu.training.rendering import render

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"


@pytest.fixture
def course(personas):
    course = Course.objects.create(title="确认客户需求", hours=1)
    Lesson.objects.create(
        course=course, position=1, title="复述与确认", body="# 第一步\n\n复述问题"
    )
    Lesson.objects.create(course=course, position=2, title="结束语", body="还有其他可以帮您的吗？")
    return course


def test_the_seeds_tracks_are_there_after_migrating(db):
    # given the migrations (0003_courses_tracks)
    new = Track.objects.get(tier="new")
    # then the new-hire track weighs 基础咨询 40 %, 投诉处理 30 %, 跨部门协调 30 %
    weights = {i.course.area.name: i.weight_percent for i in new.items.all() if i.weight_percent}
    assert weights == {"基础咨询": 40, "投诉处理": 30, "跨部门协调": 30}
    assert "7 天速赢" in new.name and "30 天通关" in new.name
    assert Track.objects.filter(tier="senior").exists()
    everyone = Track.objects.get(tier="")
    assert {i.recurrence for i in everyone.items.all()} == {"weekly", "monthly", "quarterly"}
    assert all(i.course.lessons.exists() for t in Track.objects.all() for i in t.items.all())


@pytest.mark.parametrize(
    "name,args,expected",
    [
        ("training:courses", [], {"alice": 200, "sam": 200, "tina": 200, "mia": 200, "olga": 200}),
        ("training:course_new", [], {"tina": 200, "adam": 200, "alice": 403, "mia": 403}),
        ("training:track_new", [], {"tina": 200, "alice": 403, "sam": 403}),
    ],
)
def test_pages_answer_by_role(personas, name, args, expected):
    url = reverse(name, args=args)
    assert client_for().get(url).status_code == 302
    for who, status in expected.items():
        assert client_for(getattr(personas, who)).get(url).status_code == status, who


def test_everyone_reads_a_course_and_only_trainers_edit_it(personas, course):
    lesson = course.lessons.first()
    for who in ("alice", "bob", "sam", "mia", "olga"):
        c = client_for(getattr(personas, who))
        assert c.get(reverse("training:course", args=[course.pk])).status_code == 200
        assert c.get(reverse("training:lesson", args=[lesson.pk])).status_code == 200
        assert c.get(reverse("training:course_edit", args=[course.pk])).status_code == 403
        assert c.get(reverse("training:lesson_edit", args=[lesson.pk])).status_code == 403
    tina = client_for(personas.tina)
    assert tina.get(reverse("training:course", args=[999999])).status_code == 404
    assert tina.get(reverse("training:lesson_edit", args=[lesson.pk])).status_code == 200


def test_a_trainer_writes_a_course_and_its_lessons(personas):
    tina = client_for(personas.tina)
    answer = tina.post(
        reverse("training:course_new"),
        {"title": "服务禁语替代话术", "kind": "qa_driven", "hours": "1.5", "active": "on"},
    )
    course = Course.objects.get(title="服务禁语替代话术")
    assert answer.url == reverse("training:course", args=[course.pk])
    assert (course.kind, float(course.hours), course.created_by) == (
        "qa_driven",
        1.5,
        personas.tina,
    )
    answer = tina.post(
        reverse("training:lesson_new", args=[course.pk]),
        {"title": "不说“不知道”", "minutes": "20", "body": "**改说**：我帮您查一下"},
    )
    lesson = course.lessons.get()
    assert answer.url == reverse("training:lesson_edit", args=[lesson.pk])
    assert lesson.position == 1
    page = client_for(personas.alice).get(reverse("training:lesson", args=[lesson.pk]))
    assert "<strong>改说</strong>" in page.content.decode()
    # an invalid lesson is refused with the form's error, nothing written
    bad = tina.post(reverse("training:lesson_new", args=[course.pk]), {"title": "", "minutes": "0"})
    assert bad.status_code == 200 and course.lessons.count() == 1


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[点我](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="javascript:alert(1)">x</a>',
    ],
)
def test_lesson_markdown_never_carries_script(text):
    html = str(render(text))
    assert "<script" not in html
    assert "onerror=" not in html or "&lt;img" in html
    assert 'href="javascript' not in html.lower()
    assert 'href="data:' not in html


def test_markdown_keeps_headings_tables_and_safe_links():
    html = str(render("# 标题\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[帮助](https://example.com/x)"))
    assert "<h1>标题</h1>" in html and "<table>" in html
    assert '<a href="https://example.com/x">帮助</a>' in html


def test_an_agent_completes_a_lesson_once(personas, course):
    lesson = course.lessons.first()
    alice = client_for(personas.alice)
    url = reverse("training:lesson_complete", args=[lesson.pk])
    assert alice.get(url).status_code == 405
    alice.post(url)
    alice.post(url)
    assert LessonProgress.objects.filter(lesson=lesson, agent__user=personas.alice).count() == 1
    page = alice.get(reverse("training:course", args=[course.pk])).content.decode()
    assert page.count('<li class="tr-done">') == 1
    # a trainer (no agent record) cannot complete lessons
    client_for(personas.tina).post(url)
    assert LessonProgress.objects.count() == 1


# --- attachments ----------------------------------------------------------------------------
@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(client, lesson, name, content):
    return client.post(
        reverse("training:attachment_add", args=[lesson.pk]),
        {"file": SimpleUploadedFile(name, content)},
    )


def test_attachments_are_checked_and_served_only_through_the_access_layer(personas, course, media):
    lesson = course.lessons.first()
    tina = client_for(personas.tina)
    # given a PNG and a PDF uploaded by the trainer
    upload(tina, lesson, "图示.png", PNG)
    upload(tina, lesson, "handbook.pdf", PDF)
    png, pdf = LessonAttachment.objects.order_by("pk")
    assert (png.content_type, png.size) == ("image/png", len(PNG))
    assert pdf.content_type == "application/pdf"
    # then a signed-in agent gets the file with its type, inline
    answer = client_for(personas.alice).get(reverse("training:attachment", args=[png.pk]))
    assert answer.status_code == 200
    assert answer["Content-Type"] == "image/png"
    assert answer["Content-Disposition"].startswith("inline")
    assert b"".join(answer.streaming_content) == PNG
    # anonymous users are sent to log in; a missing file is 404
    assert client_for().get(reverse("training:attachment", args=[png.pk])).status_code == 302
    assert (
        client_for(personas.alice).get(reverse("training:attachment", args=[99999])).status_code
        == 404
    )
    # the lesson page shows the image and links the PDF
    page = client_for(personas.alice).get(reverse("training:lesson", args=[lesson.pk])).content
    assert f"/training/attachments/{png.pk}/".encode() in page
    # agents cannot upload or remove
    assert upload(client_for(personas.alice), lesson, "x.png", PNG).status_code == 403
    delete = reverse("training:attachment_delete", args=[png.pk])
    assert client_for(personas.alice).post(delete).status_code == 403
    tina.post(delete)
    assert not LessonAttachment.objects.filter(pk=png.pk).exists()


@pytest.mark.parametrize(
    "name,content",
    [
        ("page.html", b"<html><script>alert(1)</script></html>"),
        ("fake.png", b"<svg onload=alert(1)></svg>"),
        ("image.svg", b"<svg xmlns='http://www.w3.org/2000/svg'></svg>"),
        ("run.exe", b"MZ\x90\x00"),
        ("fake.mp4", b"not a video at all"),
        ("fake.webp", b"RIFF\x00\x00\x00\x00WAVE"),
    ],
)
def test_other_files_are_refused(personas, course, media, name, content):
    lesson = course.lessons.first()
    answer = upload(client_for(personas.tina), lesson, name, content)
    assert answer.status_code == 302
    assert not LessonAttachment.objects.exists()


def test_a_file_over_the_limit_is_refused(personas, course, media, settings):
    settings.KEFU_TRAINING_MAX_ATTACHMENT_BYTES = 32
    upload(client_for(personas.tina), course.lessons.first(), "big.png", PNG)
    assert not LessonAttachment.objects.exists()


# --- tracks -----------------------------------------------------------------------------------
def test_track_weights_add_up_to_100_or_are_all_empty(personas, course):
    tina = client_for(personas.tina)
    other = Course.objects.create(title="投诉处理入门")

    def post(w1, w2):
        return tina.post(
            reverse("training:track_new"),
            {
                "name": "新人路径", "tier": "new", "description": "",
                "items-TOTAL_FORMS": "2", "items-INITIAL_FORMS": "0",
                "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "30",
                "items-0-course": course.pk, "items-0-weight_percent": w1, "items-0-due_day": "7",
                "items-1-course": other.pk, "items-1-weight_percent": w2,
            },
        )  # fmt: skip

    assert post("60", "30").status_code == 200  # 90 %: refused, the form again
    assert not Track.objects.filter(name="新人路径").exists()
    answer = post("60", "40")
    track = Track.objects.get(name="新人路径")
    assert answer.url == reverse("training:track", args=[track.pk])
    assert [(i.course_id, i.weight_percent, i.due_day) for i in track.items.all()] == [
        (course.pk, 60, 7), (other.pk, 40, None),
    ]  # fmt: skip


# --- API --------------------------------------------------------------------------------------
def test_the_course_api_reads_for_everyone_and_writes_for_trainers(personas, course):
    alice, tina = client_for(personas.alice), client_for(personas.tina)
    listed = alice.get("/api/v1/training/courses").json()
    assert course.pk in [c["id"] for c in listed]
    detail = alice.get(f"/api/v1/training/courses/{course.pk}").json()
    assert [item["completed"] for item in detail["lesson_list"]] == [False, False]
    body = {"title": "新课程", "kind": "course", "hours": 2}
    assert (
        alice.post("/api/v1/training/courses", body, content_type="application/json").status_code
        == 403
    )
    created = tina.post("/api/v1/training/courses", body, content_type="application/json")
    assert created.status_code == 201
    new_id = created.json()["id"]
    lesson = tina.post(
        f"/api/v1/training/courses/{new_id}/lessons",
        json.dumps({"title": "第一课", "body": "<b>x</b> **y**"}),
        content_type="application/json",
    ).json()
    assert lesson["html"] == "<p>&lt;b&gt;x&lt;/b&gt; <strong>y</strong></p>\n"
    done = alice.post(f"/api/v1/training/lessons/{lesson['id']}/complete")
    assert done.status_code == 200 and done.json()["completed"] is True
    assert tina.post(f"/api/v1/training/lessons/{lesson['id']}/complete").status_code == 403
    assert client_for().get("/api/v1/training/courses").status_code == 401
    assert alice.get("/api/v1/training/lessons/999999").status_code == 404
    tracks = alice.get("/api/v1/training/tracks").json()
    assert any(t["tier"] == "new" for t in tracks)
