# The two commands a newcomer needs, on a fresh machine:
#   make demo   set up everything, build the demo catalog if missing, run the demo
#   make test   set up everything, run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

export HF_HUB_OFFLINE ?= 1
export GRADIO_ANALYTICS_ENABLED ?= False

.PHONY: demo test install system-deps clean

demo: install
	$(BIN)/shopagent demo-data --if-missing
	$(BIN)/shopagent index build
	$(BIN)/shopagent catalog stats
	$(BIN)/shopagent search "navy shirt under 60, not striped" -k 5
	$(BIN)/shopagent train recommender
	$(BIN)/shopagent chat --customer 5 -m "I'm looking for a navy shirt under 60" \
	  -m "tell me more about the first one" -m "what size should I take" -m "what would you recommend for me"
	$(BIN)/shopagent doctor
	SHOPAGENT_WEB_DEMO_SIGN_IN=true $(BIN)/shopagent ui  # the demo's pick-a-customer box; never on a public server

test: install system-deps
	$(BIN)/python -m pytest

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# PostgreSQL (the store's tests run on a real server), Fashion-MNIST and Chromium (the browser
# tests drive it with Playwright; never `playwright install`), from Debian's packages.
system-deps:
	@missing=""; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	[ -d /usr/share/datasets/fashion-mnist ] || missing="$$missing dataset-fashion-mnist"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

clean:
	rm -rf $(VENV) data *.egg-info
