"""WhatsApp's formatting marks and links in a message's text, everything else escaped."""

from __future__ import annotations

import pytest

from frontend.whatsapp_text import whatsapp_html

LINK = '<a target="_blank" rel="noopener noreferrer" href="{0}" rel="nofollow">{0}</a>'


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("plain words", "plain words"),
        ("*bold* and _italic_ and ~gone~", "<strong>bold</strong> and <em>italic</em> and <s>gone</s>"),
        ("a *bold phrase* here", "a <strong>bold phrase</strong> here"),
        ("*_both_*", "<strong><em>both</em></strong>"),
        ("(*x*)", "(<strong>x</strong>)"),
        ("2*3*4 is not bold", "2*3*4 is not bold"),
        ("snake_case_name stays", "snake_case_name stays"),
        ("* not bold *", "* not bold *"),
        ("*two\nlines*", "*two\nlines*"),
        ("**", "**"),
        ("```*as* _written_```", "<code>*as* _written_</code>"),
        ("run `make *test*` now", "run <code>make *test*</code> now"),
        ("<b>tags</b> & *marks*", "&lt;b&gt;tags&lt;/b&gt; &amp; <strong>marks</strong>"),
        ("*<script>*", "<strong>&lt;script&gt;</strong>"),
        ("see https://shop.example/a_b_c_d", "see " + LINK.format("https://shop.example/a_b_c_d")),
        ("*see* https://x.example/*y*", "<strong>see</strong> " + LINK.format("https://x.example/*y*")),
    ],
)
def test_whatsapp_marks_become_html_and_the_rest_is_escaped(text, html):
    assert whatsapp_html(text) == html
