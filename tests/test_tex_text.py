"""Math as text: what tex_text makes of TeX, and where the Markdown reads math and where dollars."""

import pytest

from printbook.model import Location, Prose
from printbook.parse import parse_text
from printbook.pdf import render_html
from printbook.slide_text import Points, contents
from printbook.tex_text import tex_text


@pytest.mark.parametrize("tex, text", [
    (r"O(n \log n)", "O(n log n)"), (r"O(n\log n)", "O(n log n)"), (r"\Theta(\log_2 n)", "Θ(log₂ n)"),
    (r"\sum_{i=1}^{n} i = \frac{n(n+1)}{2}", "∑ᵢ₌₁ⁿ i = n(n+1)/2"), (r"\frac{a+b}{c}", "(a+b)/c"),
    (r"2^{32}", "2³²"), (r"a_{ij}", "aᵢⱼ"), (r"p_{\text{max}}", "pₘₐₓ"), (r"e^{i\pi}", "e^iπ"),
    (r"x \leq y \neq z", "x ≤ y ≠ z"), (r"\sqrt{x^2+y^2}", "√(x²+y²)"), (r"\mathbb{R}^n", "ℝⁿ"),
    (r"\left\{ x \mid x > 0 \right\}", "{ x | x > 0 }"), (r"\binom{n}{k}", "C(n, k)"), (r"50\%", "50%"),
    (r"\unknown{x}", "unknownx"), ("", ""), ("\\", ""), ("{", ""), ("^", "^"), (r"\frac{1}", "1/"),
])
def test_tex_reads_as_a_reader_would_write_it(tex, text):
    assert tex_text(tex) == text


def test_math_between_dollars_is_its_text_and_a_dollar_amount_stays_as_written():
    book = parse_text("# Kit\n\n## Section 1: One\n\n### Q1. Why is merge sort $O(n \\log n)$?\n\n"
                      "It costs $T(n) = 2T(n/2) + O(n)$; GPUs cost $10K-$40K and $5 or $10 a day, and `$x$` is code.\n\n"
                      "$$\n\\sum_{i=1}^{n} i\n$$\n\n```math\n\\sqrt{2}\n```\n", "kit.md")
    assert book.questions[0].title == "Why is merge sort O(n log n)?"
    html = render_html(book, {})
    assert 'It costs <span class="math">T(n) = 2T(n/2) + O(n)</span>; GPUs cost $10K-$40K and $5 or $10 a day' in html
    assert "<code>$x$</code>" in html
    assert '<span class="math math-display">∑ᵢ₌₁ⁿ i</span>' in html and '<span class="math math-display">√2</span>' in html
    [points] = contents(Prose("Merge sort is $O(n \\log n)$, for $5.", Location("kit.md", 1)))
    assert points == Points("", ((0, "Merge sort is O(n log n), for $5."),))


def test_hostile_nesting_reads_flat_instead_of_failing():
    for tex in ("{" * 5000 + "x" + "}" * 5000, "\\frac" * 5000, "\\sqrt{" * 3000, "x^" * 5000):
        assert isinstance(tex_text(tex), str)
    assert "x" in tex_text("{" * 5000 + "x" + "}" * 5000)
