"""TeX math as the plain text a reader would write for it: `O(n \\log n)` as "O(n log n)",
`\\frac{n(n+1)}{2}` as "n(n+1)/2", `2^{32}` as "2³²", `a_{ij}` as "aᵢⱼ", `\\leq` as "≤".

GitHub shows `$…$`, `$$…$$` and ```math as typeset math; printbook prints the same in the body's
font, in one line, on paper and on slides alike (markdown_rules reads where math is). What has
no letter of its own (a matrix, an alignment) reads as its parts in order.
"""

from __future__ import annotations

SYMBOLS = {
    # Greek
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ",
    "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
    # operators and relations
    "times": "×", "cdot": "·", "div": "÷", "pm": "±", "mp": "∓", "ast": "∗", "star": "⋆", "circ": "∘",
    "bullet": "•", "oplus": "⊕", "otimes": "⊗", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠",
    "ne": "≠", "approx": "≈", "sim": "∼", "simeq": "≃", "equiv": "≡", "propto": "∝", "ll": "≪", "gg": "≫",
    "in": "∈", "notin": "∉", "ni": "∋", "subset": "⊂", "subseteq": "⊆", "supset": "⊃", "supseteq": "⊇",
    "cup": "∪", "cap": "∩", "setminus": "∖", "emptyset": "∅", "varnothing": "∅", "forall": "∀", "exists": "∃",
    "neg": "¬", "lnot": "¬", "land": "∧", "wedge": "∧", "lor": "∨", "vee": "∨", "mid": "|", "vert": "|",
    "Vert": "‖", "parallel": "∥", "perp": "⊥", "infty": "∞", "partial": "∂", "nabla": "∇", "prime": "′",
    "sum": "∑", "prod": "∏", "int": "∫", "oint": "∮",
    # arrows
    "to": "→", "rightarrow": "→", "leftarrow": "←", "gets": "←", "leftrightarrow": "↔", "Rightarrow": "⇒",
    "Leftarrow": "⇐", "Leftrightarrow": "⇔", "implies": "⇒", "iff": "⇔", "mapsto": "↦", "uparrow": "↑",
    "downarrow": "↓",
    # delimiters and dots
    "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉", "langle": "⟨", "rangle": "⟩", "ldots": "…",
    "cdots": "⋯", "dots": "…", "vdots": "⋮", "ddots": "⋱",
    # spacing
    ",": " ", ";": " ", ":": " ", "!": "", " ": " ", "quad": " ", "qquad": " ", "\\": "; ",
}
# Named functions print as their names, upright, as TeX prints them.
FUNCTIONS = {"log", "ln", "lg", "exp", "sin", "cos", "tan", "max", "min", "sup", "inf", "lim", "arg", "det",
             "gcd", "deg", "dim", "ker", "mod", "bmod", "Pr"}
# Commands whose one argument prints as it is.
AS_WRITTEN = {"text", "textrm", "textbf", "textit", "texttt", "mathrm", "mathbf", "mathit", "mathsf", "mathtt",
              "mathcal", "mathscr", "mathfrak", "boldsymbol", "operatorname", "hat", "bar", "overline", "tilde",
              "vec", "dot", "ddot", "widehat", "widetilde", "underline", "mbox", "displaystyle", "textstyle"}
DOUBLE_STRUCK = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "P": "ℙ", "E": "𝔼"}
SUPERSCRIPT = dict(zip("0123456789+-=()nik", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵏ"))
SUBSCRIPT = dict(zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))
RAISED_OR_LOWERED = set(SUPERSCRIPT.values()) | set(SUBSCRIPT.values())
ESCAPED = set("{}%$_&#")


NAMED = "\ue000"  # around a function's name: a space where a letter or digit meets it


def tex_text(tex: str) -> str:
    """`tex` (what is between the dollars) as one line of plain text."""
    text = _Reader(tex).text()
    pieces = text.split(NAMED)
    for index in range(1, len(pieces)):
        if _word_end(pieces[index - 1][-1:]) and _word_end(pieces[index][:1]):
            pieces[index] = " " + pieces[index]
    return " ".join("".join(pieces).split())


DEEPEST = 30  # groups and arguments within each other; deeper ones read flat (no document nests so)


class _Reader:
    def __init__(self, tex: str):
        self.tex, self.at, self.depth = tex, 0, 0

    def text(self, until: str = "") -> str:
        """From here to the end, or to the closing `until` (taken)."""
        out = []
        while self.at < len(self.tex):
            char = self.tex[self.at]
            if char == until:
                self.at += 1
                break
            if char in "^_":
                self.at += 1
                out.append(_raised(self.argument(), SUPERSCRIPT if char == "^" else SUBSCRIPT, char))
            else:
                out.append(self.piece())
        return "".join(out)

    def piece(self) -> str:
        """One character, group or command."""
        char = self.tex[self.at]
        self.at += 1
        if char == "{":
            return self.deeper(lambda: self.text("}")) if self.depth < DEEPEST else ""
        if char in "&~":  # an alignment's column, a space that does not break
            return " "
        if char != "\\":
            return char
        if self.at < len(self.tex) and not self.tex[self.at].isalpha():  # \{ \% \, \\ …
            symbol = self.tex[self.at]
            self.at += 1
            return symbol if symbol in ESCAPED else SYMBOLS.get(symbol, symbol)
        start = self.at
        while self.at < len(self.tex) and self.tex[self.at].isalpha():
            self.at += 1
        return self.command(self.tex[start:self.at])

    def deeper(self, read) -> str:
        self.depth += 1
        try:
            return read()
        finally:
            self.depth -= 1

    def command(self, name: str) -> str:
        if self.depth >= DEEPEST:
            return SYMBOLS.get(name, name)
        return self.deeper(lambda: self._command(name))

    def _command(self, name: str) -> str:
        if name in ("frac", "dfrac", "tfrac"):
            top, bottom = self.argument(), self.argument()
            return f"{_grouped(top)}/{_grouped(bottom)}"
        if name == "binom":
            top, bottom = self.argument(), self.argument()
            return f"C({top}, {bottom})"
        if name == "sqrt":
            if self.tex.startswith("[", self.at):  # \sqrt[3]{x}
                end = self.tex.find("]", self.at)
                index = self.tex[self.at + 1:end] if end > 0 else ""
                self.at = end + 1 if end > 0 else self.at
                return _raised(index, SUPERSCRIPT, "^") + "√" + _grouped(self.argument())
            return "√" + _grouped(self.argument())
        if name == "mathbb":
            found = self.argument()
            return "".join(DOUBLE_STRUCK.get(letter, letter) for letter in found)
        if name in AS_WRITTEN:
            return self.argument()
        if name in ("left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr"):
            return self.piece().replace(".", "") if self.at < len(self.tex) else ""
        if name in ("begin", "end"):  # an environment's name says nothing a reader needs
            self.argument()
            return " "
        if name in FUNCTIONS:
            return f"{NAMED}{'mod' if name == 'bmod' else name}{NAMED}"
        return SYMBOLS.get(name, name)

    def argument(self) -> str:
        """The next argument: a group, a command or one character (spaces before it skipped)."""
        while self.at < len(self.tex) and self.tex[self.at].isspace():
            self.at += 1
        return self.piece() if self.at < len(self.tex) else ""


def _word_end(char: str) -> bool:
    """A letter or digit on the line (not a raised or lowered one), which a name must not touch."""
    return char.isalnum() and char not in RAISED_OR_LOWERED


def _raised(text: str, letters: dict[str, str], mark: str) -> str:
    """`text` in superscript (or subscript) letters where Unicode has them all, else as `^(text)`."""
    text = text.strip()
    if text and all(letter in letters for letter in text):
        return "".join(letters[letter] for letter in text)
    return mark + _grouped(text)


def _grouped(text: str) -> str:
    """`text`, in parentheses where it is more than one term (a sign outside its own parentheses)."""
    text = text.strip()
    depth = 0
    for char in text:
        depth += (char in "([{") - (char in ")]}")
        if depth == 0 and char in "+-−*/ ·×=<>≤≥":
            return f"({text})"
    return text
