"""The document's own numbers checked against its questions, on documents written wrong on purpose."""

from printbook.checks import as_diagnostics, check_numbers
from printbook.parse import parse_text

WRONG = """# W01: Wrong On Purpose

## Metadata

| Attribute | Value |
|-----------|-------|
| Questions | 5 |
| Average Probability | 70.0 |

## Probability Distribution

```mermaid
pie title Distribution
    "High (80-100)" : 2
    "Medium-High (60-79)" : 1
    "Medium (40-59)" : 1
```

## Section 1: One (Q1-Q2)

### Q1. First?
**Probability**: 85

### Q2. Second?
**Probability**: 62

## Section 2: Two (Q3-Q4)

### Q3. Third?
**Probability**: 45

### Q4. Fourth?
**Probability**: 30

## Probability Summary

| Section | Avg Probability |
|---------|-----------------|
| One | 73.5 |
| Two | 40 |
"""


def test_every_wrong_number_is_found_where_it_is_stated():
    found = {(d.what, d.stated, d.actual, d.location.line) for d in check_numbers(parse_text(WRONG, "w.md"))}
    assert found == {
        ("Questions (metadata)", "5", "4", 3),
        ("Average Probability (metadata)", "70.0", "55.5", 3),
        ("High band (questions)", "2", "1", 12),
        ("Lower band (questions)", "0", "1", 12),  # no Lower slice stated, one Lower question
        ("average probability of section 2 (Two)", "40", "37.5", 37),
    }


def test_right_numbers_give_nothing_and_warnings_are_located():
    right = WRONG.replace("| Questions | 5 |", "| Questions | 4 |").replace("| 70.0 |", "| 55.5 |")
    right = right.replace('"High (80-100)" : 2', '"High (80-100)" : 1').replace(
        '"Medium (40-59)" : 1', '"Medium (40-59)" : 1\n    "Lower (20-39)" : 1').replace("| Two | 40 |", "| Two | 37.5 |")
    assert check_numbers(parse_text(right, "r.md")) == []
    [first, *_] = as_diagnostics(check_numbers(parse_text(WRONG, "w.md")))
    assert str(first).startswith("w.md:3:1: warning: Questions (metadata): the document states 5, its questions give 4")


def test_a_pie_of_percentages_is_compared_as_percentages():
    doc = WRONG.replace('"High (80-100)" : 2\n    "Medium-High (60-79)" : 1\n    "Medium (40-59)" : 1',
                        '"High (80-100)" : 25\n    "Medium-High (60-79)" : 25\n    "Medium (40-59)" : 25\n'
                        '    "Lower (20-39)" : 25')
    bands = [d for d in check_numbers(parse_text(doc, "p.md")) if "band" in d.what]
    assert bands == []  # 1 of 4 questions in each band: 25 % each
