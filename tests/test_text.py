from mtdetect.model import text
from mtdetect.model.text import english_share, normalize_word, sentence_spans, tokenize, word_tokens


def test_tokenize_keeps_offsets_and_contractions():
    text = "He's here, isn't he? Yes—state-of-the-art."
    tokens = tokenize(text)
    assert [t.text for t in tokens] == [
        "He's",
        "here",
        ",",
        "isn't",
        "he",
        "?",
        "Yes",
        "—",
        "state-of-the-art",
        ".",
    ]
    assert all(text[t.start : t.end] == t.text for t in tokens)


def test_word_tokens_drop_punctuation_and_handle_unicode():
    assert [t.text for t in word_tokens("Café — naïve, 2024!")] == ["Café", "naïve", "2024"]


def test_normalize_word_folds_case_and_apostrophes():
    assert normalize_word("Don’t") == "don't"


def test_sentence_spans_split_on_end_marks_and_newlines():
    text = "  The U.N. met. Then it left!\nA new one  "
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == ["The U.N. met.", "Then it left!", "A new one"]


def test_sentence_spans_of_blank_text_is_empty():
    assert sentence_spans(" \n\n ") == []


def test_english_share_separates_languages():
    english = "the cat sat on the mat and it was happy with that".split()
    spanish = "el gato se sentó en la alfombra y estaba feliz con eso".split()
    assert english_share(english) > 0.4
    assert english_share(spanish) < 0.1
    assert english_share([]) == 0.0


def test_the_zipf_table_read_from_wordfreqs_file_is_wordfreqs_own() -> None:
    direct = text._zipf_from_cbpack()
    assert direct is not None  # else every cold start pays for importing wordfreq
    assert direct == text.wordfreq_zipf_table()
    assert direct["the"] > 7 > direct["harbour"] > 3


def test_the_zipf_table_falls_back_to_wordfreq(monkeypatch) -> None:
    monkeypatch.setattr(text, "_zipf_from_cbpack", lambda: None)
    text.zipf_table.cache_clear()
    try:
        assert text.zipf_table()["the"] > 7
    finally:
        text.zipf_table.cache_clear()
