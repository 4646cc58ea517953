# printbook: `make handbook` and `make test` set up everything they need on a fresh Debian machine.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
EXAMPLE := examples/platform-engineer.md
OUT := out

# Debian packages: the browser mermaid renders in, WeasyPrint's text stack, an emoji font (real
# documents put emoji in labels and headings), a font for Chinese, Japanese and Korean (Noto Sans
# has none: their words printed as empty boxes), Node for mermaid-cli, and the tools the tests read
# outputs back with (pdftoppm, qpdf, LibreOffice Impress).
APT_PACKAGES := chromium fonts-dejavu-core fonts-noto-color-emoji fonts-droid-fallback libpango-1.0-0 libpangoft2-1.0-0 \
	libharfbuzz-subset0 poppler-utils qpdf libreoffice-impress python3-venv
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup system handbook test bench clean lock

setup: system $(VENV)/.installed node_modules/.installed

# Installs the Debian packages only when something is missing, so a set-up machine skips apt.
system:
	@missing=""; \
	command -v chromium >/dev/null || missing=1; command -v pdftoppm >/dev/null || missing=1; \
	command -v qpdf >/dev/null || missing=1; command -v soffice >/dev/null || missing=1; \
	ldconfig -p | grep -q libpango-1.0 || missing=1; fc-list | grep -q NotoColorEmoji || missing=1; \
	fc-list | grep -q DroidSansFallback || missing=1; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $(APT_PACKAGES)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	fi
	@command -v node >/dev/null || (DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm >/dev/null)

# Exact versions with their hashes (requirements.lock), then printbook itself on top, with no
# dependency or build tool of its own fetched: the lock holds hatchling too.
$(VENV)/.installed: pyproject.toml requirements.lock
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --require-hashes -r requirements.lock
	$(VENV)/bin/pip install -q --no-deps --no-build-isolation -e .
	touch $@

# requirements.lock made again from pyproject.toml's ranges, by pip-tools in a throwaway venv
# (run it after changing a range, and commit the lock). Extras stay in the lock (`fonttools[woff]==…`):
# the pip a Debian venv starts with refuses, in --require-hashes mode, a dependency's extra that is
# pinned only without it once a newer release of the package is published.
lock:
	rm -rf .lock-tools && python3 -m venv .lock-tools && .lock-tools/bin/pip install -q pip-tools==7.6.2
	.lock-tools/bin/pip-compile -q --extra test --all-build-deps --generate-hashes --allow-unsafe \
	  --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml
	rm -rf .lock-tools

# Chromium comes from Debian, so puppeteer must not download its own.
node_modules/.installed: package.json package-lock.json
	PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Then the README's pictures, from what was just built: a question page and a diagram slide.
handbook: setup
	$(VENV)/bin/printbook build $(EXAMPLE) -o $(OUT)
	mkdir -p docs $(OUT)/preview
	pdftoppm -r 60 -png -f 6 -l 6 -singlefile $(OUT)/*.pdf docs/handbook-page
	soffice --headless --convert-to pdf --outdir $(OUT)/preview $(OUT)/decks/01-*.pptx >/dev/null 2>&1
	pdftoppm -r 50 -png -f 5 -l 5 -singlefile $(OUT)/preview/01-*.pdf docs/slide

test: setup
	$(VENV)/bin/pytest -q --durations=15

bench: setup
	$(PY) benchmarks/bench.py

clean:
	rm -rf $(OUT) .printbook-cache .pytest_cache
