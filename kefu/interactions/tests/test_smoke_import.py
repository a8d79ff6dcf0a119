from conftest import native_conversation
from kefu.interactions.models import Conversation


def test_it_imports_a_conversation_and_derives_first_response(import_records):
    report = import_records(native_conversation(id="C1"))
    assert report.created == 1
    conv = Conversation.objects.get(external_id="C1")
    assert conv.first_response_s == 18.0
    assert conv.messages.count() == 2
