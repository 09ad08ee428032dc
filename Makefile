# Carnet PETR — the two set-up commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test venv system-deps fixtures clean

run: system-deps $(STAMP)
	$(BIN)/petr-desktop

test: system-deps $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

system-deps:
	@sh scripts/system-deps.sh

# Regenerate the fixture databases of past schema revisions (tests/fixtures/).
fixtures: $(STAMP)
	$(BIN)/python tests/fixtures/make_fixtures.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache

# One-folder PyInstaller build in dist/CarnetPETR/ (CarnetPETR, windowed, and petr-desktop, the
# console executable for the command line), then the self-test (database, migrations, PDF, Excel)
# and packaging/check_build.py (the command-line executable in a temporary home). The Windows
# installer is built from it: see packaging/README.md.
.PHONY: package
package: $(STAMP)
	$(BIN)/python -c "import PyInstaller" 2>/dev/null || $(BIN)/pip install --quiet pyinstaller
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller packaging/carnet-petr.spec
	QT_QPA_PLATFORM=offscreen dist/CarnetPETR/CarnetPETR --self-test
	$(BIN)/python packaging/check_build.py dist/CarnetPETR
	@du -sh dist/CarnetPETR
