"""The shortcut for printable ASCII text gives what the full clean-up gives."""
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.intake.normalize import _normalize_any, normalize


@settings(max_examples=500)
@given(st.text(alphabet=st.characters(max_codepoint=0x7F)) | st.text(alphabet=" ab\t\n\x00\x1f.?"))
def test_ascii_text_is_cleaned_as_any_text(text):
    assert normalize(text) == _normalize_any(text)


def test_shortcut_cases():
    assert normalize("  two  spaces ") == "two spaces"
    assert normalize("plain post, nothing to do") == "plain post, nothing to do"
    assert normalize("tab\there\x07") == "tab here"
    assert normalize("") == ""
