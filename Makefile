# Two commands on a fresh machine: `make run` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
CHROMIUM := /usr/bin/chromium

.PHONY: run test lint format install migrate chromium coturn janus clean

$(VENV)/.installed: setup.cfg pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(FLASK) db upgrade

run: migrate
	@$(FLASK) seed-demo --offer
	@echo "socialapp: http://127.0.0.1:5000  (mail is printed here and saved in instance/outbox/)"
	$(FLASK) run --host 127.0.0.1 --port 5000

# Browser tests drive Debian's Chromium; install it when it is missing (needs root, as on CI).
chromium:
	@test -x $(CHROMIUM) || (apt-get update -qq && apt-get install -y -qq chromium)

# The TURN tests start coturn's turnserver on free loopback ports (tests/support/turn_server.py); install
# it likewise. On a machine run by systemd the package also starts coturn.service with Debian's default
# /etc/turnserver.conf; `systemctl disable --now coturn` if you do not want it there.
coturn:
	@command -v turnserver >/dev/null || (apt-get update -qq && apt-get install -y -qq coturn)

# The SFU meeting tests start Janus (its VideoRoom, HTTP and WebSocket transports) on free loopback ports
# (tests/support/janus_server.py); install Debian's janus likewise. On a machine run by systemd the package
# also starts janus.service with /etc/janus; `systemctl disable --now janus` if you do not want it there.
janus:
	@command -v janus >/dev/null || (apt-get update -qq && apt-get install -y -qq janus)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: install chromium coturn janus lint
	$(VENV)/bin/pytest -n 2

clean:
	rm -rf $(VENV) instance .pytest_cache
