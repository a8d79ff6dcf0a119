"""Routes of the QA definition editors (included by kefu/qa/urls.py)."""

from django.urls import path

from kefu.qa import views_editors as v

urlpatterns = [
    path("rules/", v.rules, name="rules"),
    path("rules/new/", v.rule_edit, name="rule_new"),
    path("rules/test/", v.rule_trial, name="rule_trial"),
    path("rules/<slug:key>/", v.rule_edit, name="rule_edit"),
    path("definitions/convert/", v.definition_convert, name="definition_convert"),
    path("lexicons/new/", v.lexicon_edit, name="lexicon_new"),
    path("lexicons/<slug:name>/", v.lexicon_edit, name="lexicon_edit"),
    path("scorecards/<slug:slug>/", v.scorecard_edit, name="scorecard_edit"),
    path("rescore/", v.rescore, name="rescore"),
    path("runs/", v.runs, name="runs"),
    path("runs/<int:run_id>/restart/", v.run_restart, name="run_restart"),
]
