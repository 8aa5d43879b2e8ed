"""The sanitiser allow-list and Markdown rendering."""
import pytest

from moocplatform.html import clean_html, render_markdown, render_user_markdown


@pytest.mark.parametrize("dirty, forbidden", [
    ('<img src=x onerror="alert(1)">', "onerror"),
    ('<a href="javascript:alert(1)">x</a>', "javascript:"),
    ("<script>alert(1)</script>", "<script"),
    ('<iframe src="https://evil.example"></iframe>', "<iframe"),
    ('<p style="position:fixed">x</p>', "position"),
    ("<svg><script>alert(1)</script></svg>", "<svg"),
    ('<form action="/x"><input name=a></form>', "<form"),
])
def test_clean_html_strips_dangerous_markup(dirty, forbidden):
    assert forbidden not in clean_html(dirty)


def test_clean_html_keeps_teaching_markup():
    html = ('<h2 id="a">T</h2><table><tbody><tr><th scope="col">A</th></tr></tbody></table>'
            '<blockquote>Q</blockquote><code>x</code>')
    assert clean_html(html) == html


def test_markdown_never_renders_raw_html():
    assert "<b>" not in render_markdown("<b>bold</b> text")


def test_user_markdown_links_are_nofollow_and_images_off():
    html = render_user_markdown("Visit https://example.org ![x](https://example.org/x.png)")
    assert 'rel="nofollow"' in html and "<img" not in html
